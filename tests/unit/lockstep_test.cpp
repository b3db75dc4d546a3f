// train_group / lockstep::train_group_models: group independence (bit-identical
// numbers for any group size and position), per-run failure isolation and
// per-run early stopping.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "mtl/lockstep.hpp"
#include "mtl/train.hpp"
#include "support/synthetic_site.hpp"

namespace {

using mtl::Config;
using mtl::RunResult;
using mtl::RunSpec;
using mtl::RunStatus;

RunSpec spec(int64_t id, double lambda, int seed) {
  RunSpec r;
  r.run_id = id;
  r.site_index = 0;
  r.lambda = lambda;
  r.seed = seed;
  return r;
}

Config small_config(int epochs, int group) {
  Config c;
  c.model.hidden = 20;
  c.train.epochs = epochs;
  c.train.group = group;
  return c;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Trained {
  std::vector<RunResult> res;
  std::vector<std::vector<float>> params;
};

Trained train(const std::vector<RunSpec>& runs, const mtl::SiteData& d, const Config& c) {
  Trained t;
  t.res = mtl::lockstep::train_group_models(runs, d, c, false, &t.params);
  return t;
}

// The run (lambda 5, seed 3) trained alone, third of 3, and 8th of 8 (in a
// group of 8, and in groups of 3 with a partial last group): identical bits.
TEST(Lockstep, GroupSizeAndPositionDoNotChangeANumber) {
  const auto d = mtl::test::synthetic_site(60, 13, 7, 1);
  const RunSpec target = spec(42, 5.0, 3);
  std::vector<RunSpec> group3 = {spec(1, 0.0, 0), spec(2, 320.0, 7), target};
  std::vector<RunSpec> group8;
  for (int i = 0; i < 7; ++i) group8.push_back(spec(10 + i, 1.0 * i, i));
  group8.push_back(target);
  const Trained alone = train({target}, d, small_config(6, 1));
  const Trained in3 = train(group3, d, small_config(6, 3));
  const Trained in8 = train(group8, d, small_config(6, 8));
  const Trained in8by3 = train(group8, d, small_config(6, 3));  // target alone in last chunk of 2
  ASSERT_EQ(alone.res[0].status, RunStatus::done);
  ASSERT_EQ(alone.res[0].loss_total.size(), 6u);
  for (const Trained* t : {&in3, &in8, &in8by3}) {
    const RunResult& r = t->res.back();
    EXPECT_EQ(r.run_id, 42);
    EXPECT_TRUE(same_bits(r.loss_total, alone.res[0].loss_total));
    EXPECT_TRUE(same_bits(r.loss_auxiliary, alone.res[0].loss_auxiliary));
    EXPECT_TRUE(same_bits(t->params.back(), alone.params[0]));
  }
  // The other runs are really different models (the test could fail).
  EXPECT_FALSE(same_bits(in8.params[0], alone.params[0]));
  EXPECT_LT(alone.res[0].loss_total.back(), alone.res[0].loss_total.front());
}

// One run diverges; it fails alone. A merely large lambda (1e30) does not diverge:
// Adam's step is invariant to the gradient scale. lambda = 1e300 is finite in the
// double loss but overflows the float dL/dpred, so the gradient is non-finite.
TEST(Lockstep, FailedRunDoesNotSpoilTheOthers) {
  const auto d = mtl::test::synthetic_site(50, 9, 7, 2);
  const std::vector<RunSpec> runs = {spec(1, 1.0, 0), spec(2, 1e300, 1), spec(3, 10.0, 2)};
  const Trained all = train(runs, d, small_config(5, 3));
  EXPECT_EQ(all.res[1].status, RunStatus::failed);
  EXPECT_GE(all.res[1].failed_epoch, 1);
  EXPECT_EQ(all.res[1].message.rfind("non-finite ", 0), 0u) << all.res[1].message;
  EXPECT_NE(all.res[1].message.find(" at epoch " + std::to_string(all.res[1].failed_epoch)),
            std::string::npos);
  EXPECT_EQ(all.res[1].loss_total.size(), static_cast<std::size_t>(all.res[1].failed_epoch - 1));
  for (int i : {0, 2}) {
    const Trained alone = train({runs[i]}, d, small_config(5, 1));
    EXPECT_EQ(all.res[i].status, RunStatus::done);
    EXPECT_EQ(all.res[i].epochs_run, 5);
    EXPECT_TRUE(same_bits(all.res[i].loss_total, alone.res[0].loss_total));
    EXPECT_TRUE(same_bits(all.params[i], alone.params[0]));
  }
}

// Early stopping is per run: models stop at their own epochs, identical to alone.
TEST(Lockstep, EarlyStoppingPerRun) {
  const auto d = mtl::test::synthetic_site(40, 9, 7, 3);
  Config c = small_config(40, 4);
  c.train.patience = 2;
  c.train.learning_rate = 0.05;  // large steps: the validation loss soon stops improving
  std::vector<RunSpec> runs;
  for (int i = 0; i < 4; ++i) runs.push_back(spec(i, i * 40.0, i));
  const Trained all = train(runs, d, c);
  bool some_stopped = false;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    Config c1 = c;
    c1.train.group = 1;
    const Trained alone = train({runs[i]}, d, c1);
    EXPECT_EQ(all.res[i].epochs_run, alone.res[0].epochs_run);
    EXPECT_EQ(all.res[i].val_loss.size(), static_cast<std::size_t>(all.res[i].epochs_run));
    EXPECT_TRUE(same_bits(all.res[i].val_loss, alone.res[0].val_loss));
    EXPECT_TRUE(same_bits(all.params[i], alone.params[0]));
    some_stopped |= all.res[i].epochs_run < c.train.epochs;
  }
  EXPECT_TRUE(some_stopped) << "no run stopped early: the test would not test stopping";
  EXPECT_NE(all.res[0].epochs_run, all.res[3].epochs_run) << "runs should stop at their own epochs";
}

// Mini-batches: batch composition differs per seed (epoch_order), still group-independent.
TEST(Lockstep, MiniBatchesGroupIndependent) {
  const auto d = mtl::test::synthetic_site(30, 10, 7, 4);
  Config c = small_config(3, 2);
  c.train.batch = 4;  // 4 + 4 + 2
  const std::vector<RunSpec> runs = {spec(1, 1.0, 5), spec(2, 1.0, 6)};
  const Trained both = train(runs, d, c);
  c.train.group = 1;
  const Trained alone = train({runs[1]}, d, c);
  EXPECT_TRUE(same_bits(both.params[1], alone.params[0]));
  EXPECT_TRUE(same_bits(both.res[1].loss_total, alone.res[0].loss_total));
}

}  // namespace
