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
#include "support/fake_grid.hpp"

namespace {
namespace fs = std::filesystem;

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new mtl::test::MpiEnv);
using mtl::test::FakeHooks;
using mtl::test::fake_result;
using mtl::test::make_test_plan;
using mtl::test::scratch;

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
  e.scaling.flow_depth = {0.0864, 1.728};  // flow as depth: per-site mm/day per m3 s-1
  const std::vector<char> bytes = mtl::encode_entry(e);
  const mtl::JournalEntry d = mtl::decode_entry(bytes.data(), bytes.size());
  EXPECT_EQ(d.result.final_params, e.result.final_params);
  EXPECT_EQ(d.scaling.x_mean, e.scaling.x_mean);
  EXPECT_EQ(d.scaling.x_std, e.scaling.x_std);
  EXPECT_EQ(d.scaling.y_mean, e.scaling.y_mean);
  EXPECT_EQ(d.scaling.y_std, e.scaling.y_std);
  EXPECT_TRUE(d.scaling.log_flow);
  EXPECT_EQ(d.scaling.flow_depth, e.scaling.flow_depth);
  EXPECT_EQ(mtl::encode_entry(d), bytes);
}

TEST(Journal, RoundTripTornTailAndForeignConfig) {
  const mtl::Plan plan = make_test_plan(scratch("j.h5"));
  const fs::path dir = scratch("journal_rt");
  fs::create_directories(dir);
  const fs::path file = dir / "rank0-of1-x.bin";
  {
    mtl::JournalWriter w(file.string(), {{"config", "42"}}, 0, 1);
    std::vector<mtl::JournalEntry> es;
    for (int i = 0; i < 3; ++i) es.push_back({fake_result(plan.grid.runs[i], plan.cfg), 0, {}});
    w.append(es);
  }
  auto scan = mtl::read_journals(dir.string(), {{"config", "42"}}, 0, 100);
  ASSERT_EQ(scan.entries.size(), 3u);
  EXPECT_EQ(scan.torn_tails, 0);
  const auto again = mtl::encode_entry(scan.entries.at(1));
  EXPECT_EQ(again, mtl::encode_entry({fake_result(plan.grid.runs[1], plan.cfg), 0, {}}));
  EXPECT_EQ(mtl::count_journals(dir.string()).done, 3);
  // A kill -9 in the middle of the last write leaves a short record.
  fs::resize_file(file, fs::file_size(file) - 5);
  scan = mtl::read_journals(dir.string(), {{"config", "42"}}, 0, 100);
  EXPECT_EQ(scan.entries.size(), 2u);
  EXPECT_EQ(scan.torn_tails, 1);
  EXPECT_EQ(mtl::count_journals(dir.string()).done, 2);
  EXPECT_THROW(mtl::read_journals(dir.string(), {{"config", "43"}}, 0, 100), mtl::ResultsError);
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
