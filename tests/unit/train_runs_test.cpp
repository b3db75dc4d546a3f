// train_runs (the grid's path: one backend object, its buffers reused run after
// run) gives every run exactly the numbers train_run (--only, --trace) gives it
// alone, on both backends; failures and early stopping stay per run.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "mtl/train.hpp"
#include "support/synthetic_site.hpp"

namespace {

using mtl::BackendChoice;
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

Config small_config(int epochs, BackendChoice backend) {
  Config c;
  c.model.hidden = 20;
  c.train.epochs = epochs;
  c.train.backend = backend;
  c.output.predictions = mtl::PredictionOutput::all;  // compare every prediction
  return c;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Same status, curves and predictions, bit for bit.
void expect_same_run(const RunResult& a, const RunResult& b) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.epochs_run, b.epochs_run);
  EXPECT_TRUE(same_bits(a.loss_total, b.loss_total));
  EXPECT_TRUE(same_bits(a.loss_auxiliary, b.loss_auxiliary));
  EXPECT_TRUE(same_bits(a.val_loss, b.val_loss));
  ASSERT_EQ(a.predictions.size(), b.predictions.size());
  for (std::size_t i = 0; i < a.predictions.size(); ++i)
    EXPECT_TRUE(same_bits(a.predictions[i].value, b.predictions[i].value)) << "partition " << i;
}

class TrainRuns : public ::testing::TestWithParam<BackendChoice> {};

// The run (lambda 5, seed 3) trained alone and as the last of 8 runs: same bits.
TEST_P(TrainRuns, EarlierRunsDoNotChangeANumber) {
  const auto d = mtl::test::synthetic_site(60, 13, 7, 1);
  const Config c = small_config(6, GetParam());
  const RunSpec target = spec(42, 5.0, 3);
  std::vector<RunSpec> runs;
  for (int i = 0; i < 7; ++i) runs.push_back(spec(10 + i, 1.0 * i, i));
  runs.push_back(target);
  const std::vector<RunResult> all = mtl::train_runs(runs, d, c);
  const RunResult alone = mtl::train_run(target, d, c);
  ASSERT_EQ(alone.status, RunStatus::done);
  ASSERT_EQ(alone.loss_total.size(), 6u);
  EXPECT_EQ(all.back().run_id, 42);
  expect_same_run(all.back(), alone);
  // The other runs are really different models (the test could fail).
  EXPECT_FALSE(same_bits(all[0].predictions[0].value, alone.predictions[0].value));
  EXPECT_LT(alone.loss_total.back(), alone.loss_total.front());
}

// One run diverges; it fails alone. A merely large lambda (1e30) does not diverge:
// Adam's step is invariant to the gradient scale. lambda = 1e300 is finite in the
// double loss but overflows the float dL/dpred, so the gradient is non-finite.
TEST_P(TrainRuns, FailedRunDoesNotSpoilTheOthers) {
  const auto d = mtl::test::synthetic_site(50, 9, 7, 2);
  const Config c = small_config(5, GetParam());
  const std::vector<RunSpec> runs = {spec(1, 1.0, 0), spec(2, 1e300, 1), spec(3, 10.0, 2)};
  const std::vector<RunResult> all = mtl::train_runs(runs, d, c);
  EXPECT_EQ(all[1].status, RunStatus::failed);
  EXPECT_GE(all[1].failed_epoch, 1);
  EXPECT_EQ(all[1].message.rfind("non-finite ", 0), 0u) << all[1].message;
  EXPECT_NE(all[1].message.find(" at epoch " + std::to_string(all[1].failed_epoch)), std::string::npos);
  EXPECT_EQ(all[1].loss_total.size(), static_cast<std::size_t>(all[1].failed_epoch - 1));
  for (int i : {0, 2}) {
    EXPECT_EQ(all[i].status, RunStatus::done);
    EXPECT_EQ(all[i].epochs_run, 5);
    expect_same_run(all[i], mtl::train_run(runs[i], d, c));
  }
}

// Early stopping is per run: runs stop at their own epochs, as when trained alone.
TEST_P(TrainRuns, EarlyStoppingPerRun) {
  const auto d = mtl::test::synthetic_site(40, 9, 7, 3);
  Config c = small_config(40, GetParam());
  c.train.patience = 2;
  c.train.learning_rate = 0.05;  // large steps: the validation loss soon stops improving
  std::vector<RunSpec> runs;
  for (int i = 0; i < 4; ++i) runs.push_back(spec(i, i * 40.0, i));
  const std::vector<RunResult> all = mtl::train_runs(runs, d, c);
  bool some_stopped = false;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(all[i].val_loss.size(), static_cast<std::size_t>(all[i].epochs_run));
    expect_same_run(all[i], mtl::train_run(runs[i], d, c));
    some_stopped |= all[i].epochs_run < c.train.epochs;
  }
  EXPECT_TRUE(some_stopped) << "no run stopped early: the test would not test stopping";
  EXPECT_NE(all[0].epochs_run, all[3].epochs_run) << "runs should stop at their own epochs";
}

// Mini-batches (4 + 4 + 2: the partial last batch has its own shape).
TEST_P(TrainRuns, MiniBatches) {
  const auto d = mtl::test::synthetic_site(30, 10, 7, 4);
  Config c = small_config(3, GetParam());
  c.train.batch = 4;
  const std::vector<RunSpec> runs = {spec(1, 1.0, 5), spec(2, 1.0, 6)};
  const std::vector<RunResult> both = mtl::train_runs(runs, d, c);
  expect_same_run(both[1], mtl::train_run(runs[1], d, c));
  EXPECT_FALSE(same_bits(both[0].loss_total, both[1].loss_total));
}

INSTANTIATE_TEST_SUITE_P(Backends, TrainRuns,
                         ::testing::Values(BackendChoice::kernels, BackendChoice::onednn),
                         [](const auto& p) { return std::string(mtl::to_string(p.param)); });

}  // namespace
