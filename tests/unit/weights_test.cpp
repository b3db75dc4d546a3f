// [output] weights = final: train_run and train_runs (the grid's path) hand back a done run's final parameters
// (RunResult::final_params, params.hpp layout), and nothing when not asked or
// when the run failed. That the saved weights reproduce the stored predictions
// is checked end to end by tests/python/test_predict.py.
#include <gtest/gtest.h>

#include "mtl/params.hpp"
#include "mtl/train.hpp"
#include "support/synthetic_site.hpp"

namespace {

constexpr int kT = 40, kN = 6, kC = 3, kH = 8;

mtl::Config small_config(mtl::WeightsOutput w) {
  mtl::Config cfg;
  cfg.model.hidden = kH;
  cfg.model.seq_len = kT;
  cfg.train.epochs = 3;
  cfg.output.weights = w;
  return cfg;
}

mtl::RunSpec run_spec(int seed) {
  mtl::RunSpec run;
  run.site_index = 0;
  run.lambda = 1.0;
  run.seed = seed;
  return run;
}

TEST(Weights, SingleRunPathKeepsTheTracedFinalParameters) {
  const auto d = mtl::test::synthetic_site(kT, kN, kC, 31);
  mtl::RunTrace trace;
  const auto r = mtl::train_run(run_spec(2), d, small_config(mtl::WeightsOutput::final), &trace);
  ASSERT_EQ(r.status, mtl::RunStatus::done) << r.message;
  EXPECT_EQ(r.final_params.size(), mtl::make_param_layout(kC, kH).total);
  EXPECT_EQ(r.final_params, trace.final_params);
  EXPECT_NE(r.final_params, trace.initial_params);
  EXPECT_TRUE(mtl::train_run(run_spec(2), d, small_config(mtl::WeightsOutput::none))
                  .final_params.empty());
}

TEST(Weights, GridPathKeepsEveryRunsParameters) {
  const auto d = mtl::test::synthetic_site(kT, kN, kC, 32);
  mtl::Config cfg = small_config(mtl::WeightsOutput::final);
  const auto rs = mtl::train_runs({run_spec(0), run_spec(1)}, d, cfg);
  ASSERT_EQ(rs.size(), 2u);
  for (const auto& r : rs) {
    ASSERT_EQ(r.status, mtl::RunStatus::done) << r.message;
    EXPECT_EQ(r.final_params.size(), mtl::make_param_layout(kC, kH).total);
  }
  EXPECT_NE(rs[0].final_params, rs[1].final_params);  // different seeds
  cfg.output.weights = mtl::WeightsOutput::none;
  EXPECT_TRUE(mtl::train_runs({run_spec(0)}, d, cfg)[0].final_params.empty());
}

TEST(Weights, FailedRunKeepsNone) {
  auto d = mtl::test::synthetic_site(kT, kN, kC, 33);
  d.train_obs[0] = 0;  // no observed primary target: the run fails before training
  mtl::Config cfg = small_config(mtl::WeightsOutput::final);
  const auto a = mtl::train_run(run_spec(0), d, cfg);
  EXPECT_EQ(a.status, mtl::RunStatus::failed);
  EXPECT_TRUE(a.final_params.empty());
  const auto b = mtl::train_runs({run_spec(0)}, d, cfg);
  EXPECT_EQ(b[0].status, mtl::RunStatus::failed);
  EXPECT_TRUE(b[0].final_params.empty());
}

}  // namespace
