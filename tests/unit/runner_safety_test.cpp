// What the runner must never do to a user's files, on one rank (MPI singleton)
// with the fake trainer: exit 0 or a final file after a failed write (disk
// full via RLIMIT_FSIZE), lose a transient failure for good (--retry-failed),
// or write while another launch holds the output's lock.
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

bool leftovers(const fs::path& out) {  // a .part file next to the output
  for (const auto& e : fs::directory_iterator(out.parent_path())) {
    if (e.path().filename().string().rfind(out.filename().string() + ".part", 0) == 0) return true;
  }
  return false;
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

/// run_grid_with with files limited to `bytes` (writes beyond fail with EFBIG,
/// as on a full disk); the limit is lifted again before returning.
int run_with_file_limit(const fs::path& out, rlim_t bytes) {
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = bytes;
  const auto previous = std::signal(SIGXFSZ, SIG_IGN);
  setrlimit(RLIMIT_FSIZE, &small);
  FakeHooks h;
  const int rc = mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks());
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  return rc;
}

TEST(RunGrid, AFailedFinalWriteNeverExitsZeroNorLeavesAFile) {
  // The reference at the very path the limited launches use (the path is in
  // the file's attributes, so it sets the file size), kept as a copy.
  const fs::path ref = scratch("full_ref_copy.h5");
  fs::path out = fresh("full.h5");
  FakeHooks h;
  ASSERT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks()), mtl::kExitRunsFailed);
  fs::copy_file(out, ref, fs::copy_options::overwrite_existing);
  const auto size = static_cast<rlim_t>(fs::file_size(out));
  rlim_t journal = 0;
  for (const auto& e : fs::directory_iterator(out.string() + ".journal")) {
    journal = std::max<rlim_t>(journal, fs::file_size(e));
  }
  ASSERT_GT(size, journal + 1000) << "the results file must outgrow the journal for this test";
  // Limits between the journal's size and the complete file's: the write fails
  // early (data), late (metadata at close) or on the very last bytes.
  for (const rlim_t limit : {journal + 100, (journal + size) / 2, size - 2000, size - 1}) {
    out = fresh("full.h5");
    SCOPED_TRACE("file size limit " + std::to_string(limit) + " of " + std::to_string(size) +
                 " (journal " + std::to_string(journal) + ")");
    EXPECT_EQ(run_with_file_limit(out, limit), mtl::kExitInternal);
    EXPECT_FALSE(fs::exists(out)) << "a results file got the final name";
    EXPECT_FALSE(leftovers(out));
    EXPECT_FALSE(fs::exists(out.string() + ".lock"));
    EXPECT_EQ(mtl::count_journals(out.string() + ".journal").done, 23) << "journal not intact";
    FakeHooks r;
    ASSERT_EQ(mtl::run_grid_with(make_test_plan(out), resume(), MPI_COMM_SELF, r.hooks()),
              mtl::kExitRunsFailed);
    EXPECT_EQ(r.trained, 0);
    EXPECT_TRUE(same_values(out, ref, "prediction_flow"));
  }
}

void write_lock(const fs::path& out, const std::string& host, pid_t pid,
                const std::string& job = "none", int restart = 0) {
  std::ofstream(out.string() + ".lock") << "mtl_mpi lock\nhost=" << host << "\npid=" << pid
                                        << "\nslurm_job=" << job << "\nslurm_restart=" << restart
                                        << "\nstarted=2024-01-01T00:00:00Z\n";
}

std::string hostname() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

TEST(RunGrid, ALockedOutputIsRefusedNamingTheHolder) {
  const fs::path out = fresh("locked.h5");
  const std::string lock = out.string() + ".lock";
  FakeHooks h;
  // A live holder on this host (this very process stands in for it).
  write_lock(out, hostname(), getpid());
  testing::internal::CaptureStderr();
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks()), mtl::kExitConfig);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("is being written by mtl_mpi pid " + std::to_string(getpid())), std::string::npos) << err;
  // A holder that is gone from this host: stale, with how to break it.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  write_lock(out, hostname(), child);
  testing::internal::CaptureStderr();
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks()), mtl::kExitConfig);
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("stale lock"), std::string::npos) << err;
  EXPECT_NE(err.find("rm '" + lock + "'"), std::string::npos) << err;
  // A holder on another host without a heartbeat or journal record for 2 h.
  write_lock(out, "elsewhere.example", 12345);
  fs::last_write_time(lock, fs::file_time_type::clock::now() - std::chrono::hours(2));
  testing::internal::CaptureStderr();
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks()), mtl::kExitConfig);
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("probably stale lock"), std::string::npos) << err;
  EXPECT_NE(err.find("120 min"), std::string::npos) << err;
  EXPECT_EQ(h.trained, 0);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::exists(lock)) << "a refused launch removed someone else's lock";
  fs::remove(lock);
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks()), mtl::kExitRunsFailed);
  EXPECT_FALSE(fs::exists(lock)) << "the lock outlived its launch";
}

TEST(RunGrid, ARequeuedSlurmJobTakesOverItsEarlierRunsLock) {
  const fs::path out = fresh("requeue.h5");
  const std::string lock = out.string() + ".lock";
  setenv("SLURM_JOB_ID", "77", 1);
  setenv("SLURM_RESTART_COUNT", "1", 1);
  FakeHooks h;
  // Same job, same incarnation, another node: a concurrent step, refused.
  write_lock(out, "node-b.example", 999, "77", 1);
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks()), mtl::kExitConfig);
  // Same job, earlier incarnation (before the requeue): taken over with a note.
  write_lock(out, "node-b.example", 999, "77", 0);
  testing::internal::CaptureStderr();
  EXPECT_EQ(mtl::run_grid_with(make_test_plan(out), {}, MPI_COMM_SELF, h.hooks()), mtl::kExitRunsFailed);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("note: took over " + lock + " from this SLURM job's earlier run"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(lock));
  unsetenv("SLURM_JOB_ID");
  unsetenv("SLURM_RESTART_COUNT");
}

}  // namespace
