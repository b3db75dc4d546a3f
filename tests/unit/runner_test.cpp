// The runner's machinery without data or training: hyperslab boxes, journal
// records (round trip, torn tail, foreign config), and run_grid_with on one
// rank (MPI singleton) with a fake trainer: complete file, SIGTERM stop,
// resume to a bit-identical file, refusals. Multi-rank runs: tests/mpi.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "mtl/driver.hpp"
#include "mtl/errors.hpp"
#include "mtl/journal.hpp"
#include "mtl/results.hpp"
#include "mtl/runner_hooks.hpp"
#include "mtl/signals.hpp"

namespace {
namespace fs = std::filesystem;

class MpiEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  }
  void TearDown() override { MPI_Finalize(); }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new MpiEnv);

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mtl_runner_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

mtl::Plan make_test_plan(const fs::path& out, int epochs = 3) {
  const std::string ini =
      "[experiment]\nname = t\noutput = " + out.string() +
      "\n[data]\nfile = none.nc\ntrain = 2000-01-01:2000-12-31\nval = 2001-01-01:2001-12-31\n"
      "test = 2002-01-01:2002-01-20\n[train]\nepochs = " + std::to_string(epochs) +
      "\n[grid]\nlambdas = 0 1 5\nseeds = 0-3\n[output]\nloss_curves = true\npredictions = test\n";
  mtl::Plan p;
  p.cfg = mtl::parse_config_text(ini, "test.ini");
  p.grid = mtl::expand_grid({"A", "B"}, p.cfg.grid, mtl::Scope::single_site);
  p.costs.assign(p.grid.runs.size(), 1.0);
  p.blocks = mtl::partition_runs(p.costs, 1);
  return p;
}

/// Deterministic fake results: every number a function of (site, lambda, seed);
/// (site B, lambda 1, seed 2) fails.
mtl::RunResult fake_result(const mtl::RunSpec& r, const mtl::Config& cfg) {
  mtl::RunResult out;
  out.run_id = r.run_id;
  if (r.site_index == 1 && r.lambda_index == 1 && r.seed == 2) {
    out.status = mtl::RunStatus::failed;
    out.message = "non-finite loss at epoch 2";
    return out;
  }
  out.status = mtl::RunStatus::done;
  const double x = r.site_index * 10 + r.lambda * 0.5 + r.seed * 0.01;
  out.epochs_run = cfg.train.epochs;
  out.final_loss = x;
  for (int e = 0; e < cfg.train.epochs; ++e) out.loss_total.push_back(float(x + e));
  out.loss_primary = out.loss_auxiliary = out.loss_total;
  mtl::SiteMetrics sm;
  sm.site_index = r.site_index;
  for (int p = 0; p < mtl::kNumParts; ++p)
    for (int v = 0; v < mtl::kNumVariables; ++v) {
      sm.m[p][v].nse = std::sin(x + p + 0.1 * v);
      sm.m[p][v].n_obs = 100 + p;
      sm.monthly[p][v].nse.fill(x);
    }
  out.sites.push_back(sm);
  mtl::Prediction pr;
  pr.site_index = r.site_index;
  for (int32_t d = cfg.data.test.first; d <= cfg.data.test.last; ++d) {
    pr.day.push_back(d);
    pr.value.push_back(float(x + d));
    pr.value.push_back(float(-x));
  }
  out.predictions.push_back(pr);
  return out;
}

struct FakeHooks {
  int trained = 0;
  int signal_after_groups = -1;  // raise SIGTERM after this many groups
  int groups = 0;
  mtl::RunnerHooks hooks() {
    mtl::RunnerHooks h;
    h.load = [](const mtl::Plan&, const std::vector<int>& sites) {
      std::map<int, mtl::SiteData> m;
      for (int s : sites) m[s] = mtl::SiteData{};
      return m;
    };
    h.train = [this](const std::vector<mtl::RunSpec>& runs, const mtl::SiteData&,
                     const mtl::Config& cfg) {
      std::vector<mtl::RunResult> out;
      for (const auto& r : runs) out.push_back(fake_result(r, cfg));
      trained += static_cast<int>(runs.size());
      if (++groups == signal_after_groups) std::raise(SIGTERM);
      return out;
    };
    h.runs_per_call = 2;
    return h;
  }
};

TEST(Results, FlatRangeBoxesCoverExactlyInOrder) {
  const std::vector<int64_t> dims{3, 4, 5};
  for (int64_t b = 0; b < 60; ++b)
    for (int64_t e = b + 1; e <= 60; ++e) {
      const auto boxes = mtl::flat_range_boxes(dims, b, e);
      ASSERT_LE(boxes.size(), 5u);
      std::vector<int64_t> flat;
      for (const auto& x : boxes)
        for (int64_t i = 0; i < x.count[0]; ++i)
          for (int64_t j = 0; j < x.count[1]; ++j)
            for (int64_t k = 0; k < x.count[2]; ++k)
              flat.push_back(((x.start[0] + i) * 4 + x.start[1] + j) * 5 + x.start[2] + k);
      ASSERT_EQ(flat.size(), static_cast<std::size_t>(e - b)) << b << " " << e;
      for (std::size_t i = 0; i < flat.size(); ++i) ASSERT_EQ(flat[i], b + int64_t(i));
    }
}

// [output] weights = final: the weights and their scaling travel in the journal
// payload, so --resume writes them into the results file like a fresh run.
TEST(Journal, KeepsFinalWeightsAndTheirScaling) {
  const mtl::Plan plan = make_test_plan(scratch("w.h5"));
  mtl::JournalEntry e{fake_result(plan.grid.runs[2], plan.cfg), 1, {}};
  e.result.final_params = {0.5f, -1.25f, 3.0f};
  e.scaling.x_mean = {1.0f, 2.0f};
  e.scaling.x_std = {0.5f, 4.0f};
  e.scaling.y_mean = {10.0, 20.0};
  e.scaling.y_std = {1.5, 2.5};
  e.scaling.log_flow = true;
  const std::vector<char> bytes = mtl::encode_entry(e);
  const mtl::JournalEntry d = mtl::decode_entry(bytes.data(), bytes.size());
  EXPECT_EQ(d.result.final_params, e.result.final_params);
  EXPECT_EQ(d.scaling.x_mean, e.scaling.x_mean);
  EXPECT_EQ(d.scaling.x_std, e.scaling.x_std);
  EXPECT_EQ(d.scaling.y_mean, e.scaling.y_mean);
  EXPECT_EQ(d.scaling.y_std, e.scaling.y_std);
  EXPECT_TRUE(d.scaling.log_flow);
  EXPECT_EQ(mtl::encode_entry(d), bytes);
}

TEST(Journal, RoundTripTornTailAndForeignConfig) {
  const mtl::Plan plan = make_test_plan(scratch("j.h5"));
  const fs::path dir = scratch("journal_rt");
  fs::create_directories(dir);
  const fs::path file = dir / "rank0-of1-x.bin";
  {
    mtl::JournalWriter w(file.string(), 42, 0, 1);
    std::vector<mtl::JournalEntry> es;
    for (int i = 0; i < 3; ++i) es.push_back({fake_result(plan.grid.runs[i], plan.cfg), 0, {}});
    w.append(es);
  }
  auto scan = mtl::read_journals(dir.string(), 42, 0, 100);
  ASSERT_EQ(scan.entries.size(), 3u);
  EXPECT_EQ(scan.torn_records, 0);
  const auto again = mtl::encode_entry(scan.entries.at(1));
  EXPECT_EQ(again, mtl::encode_entry({fake_result(plan.grid.runs[1], plan.cfg), 0, {}}));
  EXPECT_EQ(mtl::count_journals(dir.string()).done, 3);
  // A kill -9 in the middle of the last write leaves a short record.
  fs::resize_file(file, fs::file_size(file) - 5);
  scan = mtl::read_journals(dir.string(), 42, 0, 100);
  EXPECT_EQ(scan.entries.size(), 2u);
  EXPECT_EQ(scan.torn_records, 1);
  EXPECT_EQ(mtl::count_journals(dir.string()).done, 2);
  EXPECT_THROW(mtl::read_journals(dir.string(), 43, 0, 100), mtl::ResultsError);
}

TEST(RunGrid, StopResumeEqualsUninterrupted) {
  const fs::path full = scratch("full.h5"), part = scratch("part.h5");
  FakeHooks a;
  ASSERT_EQ(mtl::run_grid_with(make_test_plan(full), {}, MPI_COMM_SELF, a.hooks()),
            mtl::kExitRunsFailed);  // one fake run fails
  EXPECT_EQ(a.trained, 24);
  EXPECT_EQ(mtl::read_results_int_attr(full.string(), "complete"), 1);
  EXPECT_EQ(mtl::read_results_int_attr(full.string(), "runs_failed"), 1);

  FakeHooks b;
  b.signal_after_groups = 3;  // SIGTERM during the 3rd group: stop after it
  ASSERT_EQ(mtl::run_grid_with(make_test_plan(part), {}, MPI_COMM_SELF, b.hooks()),
            mtl::kExitIncomplete);
  mtl::reset_stop_request();
  EXPECT_EQ(b.trained, 6);
  EXPECT_EQ(mtl::read_results_int_attr(part.string(), "complete"), 0);
  EXPECT_EQ(mtl::read_results_int_attr(part.string(), "runs_pending"), 18);
  const auto status = mtl::read_results_status(part.string());
  EXPECT_EQ(std::count(status.begin(), status.end(), 0), 18);

  // Without --resume the existing file is refused; a different config too.
  FakeHooks c;
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(part), {}, MPI_COMM_SELF, c.hooks()),
            mtl::kExitConfig);
  mtl::RunOptions resume;
  resume.resume = true;
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(part, 4), resume, MPI_COMM_SELF, c.hooks()),
            mtl::kExitConfig);
  EXPECT_EQ(c.trained, 0);
  ASSERT_EQ(mtl::run_grid_with(make_test_plan(part), resume, MPI_COMM_SELF, c.hooks()),
            mtl::kExitRunsFailed);
  EXPECT_EQ(c.trained, 18);  // only the missing runs
  for (const char* name : {"nse", "final_loss", "loss_total", "prediction_flow", "rmse_flow", "nse_month"}) {
    const auto x = mtl::read_results_f64(full.string(), name);
    const auto y = mtl::read_results_f64(part.string(), name);
    ASSERT_EQ(x.size(), y.size()) << name;
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_TRUE(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i]))) << name << " " << i;
    }
  }
  EXPECT_EQ(mtl::read_results_status(full.string()), mtl::read_results_status(part.string()));
  mtl::RunOptions overwrite;
  overwrite.overwrite = true;
  FakeHooks d;
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(part), overwrite, MPI_COMM_SELF, d.hooks()),
            mtl::kExitRunsFailed);
  EXPECT_EQ(d.trained, 24);
  if (!std::getenv("MTL_KEEP_TEST_FILES")) fs::remove_all(full.parent_path());
}

}  // namespace
