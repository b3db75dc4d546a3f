// What the runner must never do to a user's files, on one rank (MPI singleton)
// with the fake trainer: lose a transient failure for good (--retry-failed).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "mtl/driver.hpp"
#include "mtl/journal.hpp"
#include "mtl/results.hpp"
#include "mtl/runner_hooks.hpp"
#include "support/fake_grid.hpp"

namespace {
namespace fs = std::filesystem;
using mtl::test::FakeHooks;
using mtl::test::make_test_plan;
using mtl::test::scratch;

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new mtl::test::MpiEnv);

fs::path fresh(const std::string& name) {
  const fs::path out = scratch(name);
  for (const auto& e : fs::directory_iterator(out.parent_path())) {
    if (e.path().filename().string().rfind(name, 0) == 0) fs::remove_all(e.path());
  }
  return out;
}

/// Equal values of a results variable in two files (NaN equals NaN).
bool same_values(const fs::path& a, const fs::path& b, const std::string& name) {
  const auto x = mtl::read_results_f64(a.string(), name), y = mtl::read_results_f64(b.string(), name);
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
  }
  return true;
}

mtl::RunOptions resume(bool retry = false) {
  mtl::RunOptions o;
  o.resume = true;
  o.retry_failed = retry;
  return o;
}

TEST(RunGrid, RetryFailedTrainsTransientFailuresAgain) {
  const fs::path ref = fresh("retry_ref.h5"), out = fresh("retry.h5");
  FakeHooks clean;
  ASSERT_EQ(mtl::run_grid_with(make_test_plan(ref), {}, MPI_COMM_SELF, clean.hooks()),
            mtl::kExitRunsFailed);  // the fake grid's one deterministic failure
  FakeHooks flaky;
  flaky.throw_once = {5};  // its group (runs 4, 5) fails with std::bad_alloc
  testing::internal::CaptureStdout();
  ASSERT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, flaky.hooks()),
            mtl::kExitRunsFailed);
  const std::string summary = testing::internal::GetCapturedStdout();
  EXPECT_EQ(mtl::read_results_int_attr(out.string(), "runs_failed"), 3);
  EXPECT_NE(summary.find("failed runs by reason: 2 x 'internal: std::bad_alloc'; 1 x "
                         "'non-finite loss at epoch 2'"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("--resume --retry-failed"), std::string::npos) << summary;

  FakeHooks again;  // plain --resume keeps failures as they are
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), resume(), MPI_COMM_SELF, again.hooks()),
            mtl::kExitRunsFailed);
  EXPECT_EQ(again.trained, 0);
  EXPECT_EQ(mtl::read_results_int_attr(out.string(), "runs_failed"), 3);

  FakeHooks retry;
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), resume(true), MPI_COMM_SELF, retry.hooks()),
            mtl::kExitRunsFailed);
  EXPECT_EQ(retry.trained, 3);  // runs 4, 5 and the deterministic failure (run 18)
  EXPECT_EQ(mtl::read_results_int_attr(out.string(), "runs_failed"), 1);
  EXPECT_EQ(mtl::read_results_status(out.string()), mtl::read_results_status(ref.string()));
  EXPECT_TRUE(same_values(out, ref, "nse"));
  EXPECT_EQ(mtl::count_journals(out.string() + ".journal").failed, 1);
}

}  // namespace
