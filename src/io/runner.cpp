// run_grid: one rank's block from journal recovery to the collective results
// file, in the order of run_grid_with below. Order matters for "never hang":
// every step that can fail on one rank (existing files, journals, data) ends in
// an agreement (agree()) before the next collective, training never
// communicates, and a failure inside the collective write aborts every rank
// (RankState::finish).
//
// One rank's state through the steps is RankState (runner_detail.hpp), its
// steps by what they hold: runner_journal.cpp (resume from the journals, this
// launch's journal), runner_train.cpp (data and training), runner_write.cpp
// (the collective results file and the exit code), runner_summary.cpp (the
// closing report); the real data layer and trainer are runner_hooks.cpp.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "mtl/driver.hpp"
#include "mtl/runner.hpp"
#include "mtl/signals.hpp"
#include "collective.hpp"
#include "output_guard.hpp"
#include "runner_detail.hpp"

namespace mtl {
namespace fs = std::filesystem;
namespace {

OutputPaths output_paths(const Config& cfg) {
  const std::string out = cfg.experiment.output;
  return {out, "", out + ".journal"};  // partial: named per launch once the stamp is agreed
}

/// Rank 0: check the output path, take the one-writer lock, refuse or narrowly
/// clear existing outputs, create folders, make a launch stamp.
std::string prepare_outputs(const OutputPaths& p, const Plan& plan, const RunOptions& opt,
                            OutputLock& lock, std::string* stamp) {
  std::string err = check_output_target(p.results, "[experiment] output", plan.cfg,
                                        opt.config_path, OutputKind::results);
  if (!err.empty()) return err;
  const fs::path parent = fs::path(p.results).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  if (!(err = lock.acquire(p.results, p.journal_dir)).empty()) return err;
  if (!lock.note().empty()) std::fprintf(stderr, "mtl_mpi: note: %s\n", lock.note().c_str());
  const bool have_out = fs::exists(p.results), have_journal = fs::exists(p.journal_dir);
  if (!opt.resume && (have_out || have_journal)) {
    if (!opt.overwrite) {
      return (have_out ? p.results : p.journal_dir) +
             " already exists; use --resume to finish that grid or --overwrite to replace it";
    }
    if (!(err = remove_previous_outputs(p.results, p.journal_dir)).empty()) return err;
  }
  if (opt.resume && have_out && !have_journal) {
    return p.journal_dir + " is missing, so " + p.results +
           " cannot be resumed; use --overwrite to start again";
  }
  remove_stale_parts(p.results);  // partial files of dead launches (we hold the lock)
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  // Seconds + pid + a nanosecond counter: unique across relaunches, even two
  // launches of one process in the same second (tests).
  const auto ns = std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000;
  *stamp = std::string(buf) + "-" + std::to_string(getpid()) + "-" + std::to_string(ns);
  return "";
}

}  // namespace

double wall_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

RankState::RankState(const Plan& plan, const RunOptions& options, MPI_Comm comm)
    : paths(output_paths(plan.cfg)), plan_(plan), options_(options), comm_(comm) {
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  block_ = rank < static_cast<int>(plan.blocks.size()) ? plan.blocks[rank] : RunRange{};
  slots_.resize(block_.size());
  provenance_ = resume_provenance(plan);
  start_time_ = iso_utc_now();
  t_start_ = wall_seconds();
}

RankState::~RankState() = default;

int RankState::refuse(const std::string& error) const {
  if (rank == 0) std::fprintf(stderr, "mtl_mpi: error: %s\n", error.c_str());
  return kExitConfig;
}

int run_grid_with(const Plan& plan, const RunOptions& options, MPI_Comm comm,
                  const RunnerHooks& hooks) {
  install_stop_handlers();
  // Threads per rank: set_compute_threads (lstm.hpp), by the driver and the trainer.
  RankState st(plan, options, comm);
  OutputLock lock;  // rank 0 takes it; released when run_grid_with returns or throws
  std::string error;
  if (st.rank == 0) {
    try {
      error = prepare_outputs(st.paths, plan, options, lock, &st.stamp);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  error = agree(error, comm);
  if (!error.empty()) return st.refuse(error);
  st.stamp = broadcast_string(st.stamp, 0, comm);
  st.paths.partial = st.paths.results + ".part-" + st.stamp;
  st.lock_content = broadcast_string(lock.content(), 0, comm);
  if (!(error = agree(st.recover(), comm)).empty()) return st.refuse(error);
  if (!(error = agree(st.load(hooks), comm)).empty()) return st.refuse(error);
  if (!(error = agree(st.open_journal(), comm)).empty()) return st.refuse(error);
  try {
    st.train_block(hooks);  // a journal write can fail (disk full); training never communicates
  } catch (const std::exception& e) {
    st.abort_launch(e.what(), lock);
    throw;  // one rank: the driver reports it (exit 5)
  }
  return st.finish(lock);
}

int run_grid(const Plan& plan, const RunOptions& options, MPI_Comm comm) {
  return run_grid_with(plan, options, comm, default_runner_hooks());
}

}  // namespace mtl
