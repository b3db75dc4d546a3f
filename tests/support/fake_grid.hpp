#pragma once
// A grid without data or training for the runner's tests: a 2-site x 3-lambda
// x 4-seed plan writing to a scratch folder, deterministic fake results (one
// run fails), fake hooks, and MPI set up once per test program.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/grid.hpp"
#include "mtl/runner_hooks.hpp"

namespace mtl::test {
namespace fs = std::filesystem;

/// MPI for a test program that calls run_grid_with (register with
/// ::testing::AddGlobalTestEnvironment(new mtl::test::MpiEnv)).
class MpiEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    // As mtl_mpi_main: no HDF5 cleanup at exit (a failed close leaves a file
    // whose cleanup crashes HDF5 1.10; the disk-full tests make one), and HDF5
    // started before MPI, or it would clean up inside MPI_Finalize instead.
    H5dont_atexit();
    H5open();
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  }
  void TearDown() override { MPI_Finalize(); }
};

inline fs::path scratch_dir() {
  return fs::temp_directory_path() / ("mtl_runner_test_" + std::to_string(getpid()));
}

/// A file name in this test process's scratch folder (created on demand).
inline fs::path scratch(const std::string& name) {
  fs::create_directories(scratch_dir());
  return scratch_dir() / name;
}

/// Removes the scratch folder after the last test (keep it: MTL_KEEP_TEST_FILES=1).
class ScratchEnv : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    if (!std::getenv("MTL_KEEP_TEST_FILES")) fs::remove_all(scratch_dir(), ec);
  }
};
inline const auto* const kScratchEnv = ::testing::AddGlobalTestEnvironment(new ScratchEnv);

inline mtl::Plan make_test_plan(const fs::path& out, int epochs = 3) {
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
inline mtl::RunResult fake_result(const mtl::RunSpec& r, const mtl::Config& cfg) {
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

/// Fake trainer: fake_result per run; optional SIGTERM after some groups and
/// transient failures (std::bad_alloc the first time a run is trained).
struct FakeHooks {
  int trained = 0;
  int signal_after_groups = -1;  // raise SIGTERM after this many groups
  int groups = 0;
  std::set<int64_t> throw_once;  // run ids whose first training throws std::bad_alloc
  mtl::RunnerHooks hooks() {
    mtl::RunnerHooks h;
    h.load = [](const mtl::Plan&, const std::vector<int>& sites) {
      std::map<int, mtl::SiteData> m;
      for (int s : sites) m[s] = mtl::SiteData{};
      return m;
    };
    h.train = [this](const std::vector<mtl::RunSpec>& runs, const mtl::SiteData&,
                     const mtl::Config& cfg) {
      for (const auto& r : runs) {
        if (throw_once.erase(r.run_id) > 0) throw std::bad_alloc();
      }
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

}  // namespace mtl::test
