// End of run_grid: the collective results file, the summary and the exit code.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "mtl/driver.hpp"
#include "mtl/progress.hpp"
#include "mtl/results.hpp"
#include "mtl/signals.hpp"
#include "output_guard.hpp"
#include "runner_detail.hpp"

namespace mtl {

void RankState::print_summary(const int64_t counts[3], double wall) {
  // Busy time = training wall time of this rank's groups in this launch.
  double mine[2] = {busy_, static_cast<double>(trained_now_)};
  std::vector<double> all(rank == 0 ? 2 * size : 2);
  MPI_Gather(mine, 2, MPI_DOUBLE, all.data(), 2, MPI_DOUBLE, 0, comm_);
  if (rank != 0) return;
  double sum = 0, max = 0, trained = 0;
  int slowest = 0;
  for (int r = 0; r < size; ++r) {
    sum += all[2 * r];
    trained += all[2 * r + 1];
    if (all[2 * r] > max) {
      max = all[2 * r];
      slowest = r;
    }
  }
  const double mean = sum / size;
  const int threads = std::max(1, plan_.cfg.train.threads);
  const std::string now = iso_utc_now();
  std::printf("%s summary: %lld runs: %lld done, %lld failed, %lld pending\n",
              now.c_str(), static_cast<long long>(counts[0] + counts[1] + counts[2]),
              static_cast<long long>(counts[0]), static_cast<long long>(counts[1]),
              static_cast<long long>(counts[2]));
  std::printf("%s summary: this launch trained %.0f runs in %s wall on %d ranks x %d threads",
              now.c_str(), trained, format_duration(wall).c_str(), size, threads);
  if (trained > 0) {
    std::printf(", %.3f core-s/run (wall x cores / runs), %.2f runs/s", wall * size * threads / trained,
                trained / std::max(wall, 1e-9));
  }
  std::printf("\n%s summary: slowest rank %d (%.2f s busy), imbalance %.3f (max/mean busy)\n",
              now.c_str(), slowest, max, mean > 0 ? max / mean : 1.0);
  std::fflush(stdout);
}

/// Failed runs of the whole grid by message, most frequent first (rank 0 prints).
void RankState::print_failure_reasons() {
  std::map<std::string, int64_t> mine;
  for (const auto& slot : slots_) {
    if (slot && slot->result.status == RunStatus::failed) ++mine[slot->result.message];
  }
  std::string text;  // "count<TAB>message<NL>" per reason
  for (const auto& [m, n] : mine) {
    std::string msg = m;
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    text += std::to_string(n) + "\t" + msg + "\n";
  }
  int len = static_cast<int>(text.size());
  std::vector<int> lens(size), displs(size);
  MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, comm_);
  int all_len = 0;
  for (int r = 0; r < size; ++r) {
    displs[r] = all_len;
    all_len += lens[r];
  }
  std::string all(rank == 0 ? all_len : 0, '\0');
  MPI_Gatherv(text.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, 0, comm_);
  if (rank != 0 || all.empty()) return;
  std::map<std::string, int64_t> merged;
  for (std::size_t pos = 0; pos < all.size();) {
    const std::size_t tab = all.find('\t', pos), nl = all.find('\n', tab);
    merged[all.substr(tab + 1, nl - tab - 1)] += std::stoll(all.substr(pos, tab - pos));
    pos = nl + 1;
  }
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (const auto& [msg, n] : merged) ranked.emplace_back(-n, msg);
  std::sort(ranked.begin(), ranked.end());
  std::printf("summary: failed runs by reason:");
  const std::size_t shown = std::min<std::size_t>(ranked.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) {
    std::printf("%s %lld x '%s'", i ? ";" : "", static_cast<long long>(-ranked[i].first),
                ranked[i].second.c_str());
  }
  if (ranked.size() > shown) std::printf("; and %zu more reasons", ranked.size() - shown);
  std::printf("\nsummary: train them again with: mtl_mpi %s --resume --retry-failed\n",
              options_.config_path.c_str());
}

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
