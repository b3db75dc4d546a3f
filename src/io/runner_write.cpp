// End of run_grid (runner_detail.hpp): the collective results file, renamed
// into place only when complete, and the exit code; or, where a rank fails
// while others may wait for it, the abort of every rank.
#include <cstdio>
#include <filesystem>

#include "mtl/driver.hpp"
#include "mtl/progress.hpp"
#include "mtl/results.hpp"
#include "collective.hpp"
#include "output_guard.hpp"
#include "runner_detail.hpp"

namespace mtl {

void RankState::abort_launch(const std::string& error, OutputLock& lock) {
  if (size == 1) return;  // nobody can be waiting: reported like any other error
  std::fprintf(stderr, "mtl_mpi: rank %d: error: %s; aborting all ranks, which may be waiting "
                       "for this one (no results file; the journal keeps every finished run: "
                       "rerun with --resume)\n", rank, error.c_str());
  std::fflush(stderr);
  lock.release();  // rank 0
  remove_lock_if(paths.results + ".lock", lock_content);  // any other rank
  MPI_Abort(comm_, kExitInternal);
}

int RankState::finish(OutputLock& lock) {
  std::vector<BlockRow> rows(block_.size());
  int64_t local[3] = {0, 0, 0}, counts[3] = {0, 0, 0};  // done, failed, pending
  for (int64_t i = 0; i < block_.size(); ++i) {
    if (slots_[i]) rows[i] = {&slots_[i]->result, slots_[i]->rank, &slots_[i]->scaling};
    const RunStatus s = slots_[i] ? slots_[i]->result.status : RunStatus::pending;
    ++local[s == RunStatus::done ? 0 : s == RunStatus::failed ? 1 : 2];
  }
  // Rank 0's progress thread keeps reporting while it waits here for the others.
  MPI_Allreduce(local, counts, 3, MPI_INT64_T, MPI_SUM, comm_);
  if (progress_) progress_->stop();
  ResultsMeta meta{options_.config_path, start_time_, iso_utc_now(), size};
  std::string error;
  try {
    write_results(paths.partial, plan_, rows, meta, comm_);
  } catch (const AgreedWriteError& e) {
    error = e.what();  // thrown on every rank alike
  } catch (const std::exception& e) {
    // This rank left a collective others may be inside: no agreement is possible.
    abort_launch(e.what(), lock);
    error = e.what();
  }
  // Only a closed, complete and fsync'd file gets the final name.
  if (error.empty() && rank == 0) {
    try {
      durable_rename(paths.partial, paths.results);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (!(error = agree(error, comm_)).empty()) {
    if (rank == 0) {
      std::error_code ec;
      std::filesystem::remove(paths.partial, ec);
      std::fprintf(stderr, "mtl_mpi: error: %s; no results file was written, the journal keeps "
                           "every finished run: rerun with --resume\n", error.c_str());
    }
    return kExitInternal;
  }
  const double wall = wall_seconds() - t_start_;
  print_summary(counts, wall);
  if (counts[1] > 0) print_failure_reasons();
  if (rank == 0) {
    if (counts[2] > 0) {
      std::printf("%s results: %s is INCOMPLETE (%lld runs pending, stopped by signal); finish it "
                  "with: mtl_mpi %s --resume\n",
                  iso_utc_now().c_str(), paths.results.c_str(), static_cast<long long>(counts[2]),
                  options_.config_path.c_str());
    } else {
      std::printf("%s results: %s complete\n", iso_utc_now().c_str(), paths.results.c_str());
    }
    std::fflush(stdout);
  }
  if (counts[2] > 0) return kExitIncomplete;
  return counts[1] > 0 ? kExitRunsFailed : kExitOk;
}

}  // namespace mtl
