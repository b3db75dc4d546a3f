// run_grid's journal steps (runner_detail.hpp): with --resume, the runs the
// journals of earlier launches hold; then this launch's journal file, to which
// train_block appends every finished run durably (journal.hpp).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "runner_detail.hpp"

namespace mtl {

std::string RankState::recover() {
  if (!options_.resume) return "";
  std::string error;
  // Damage is counted by the rank that owns each journal file, so the sums are exact.
  int64_t local[4] = {0, 0, 0, 0}, total[4] = {0, 0, 0, 0};  // damaged records, torn, files, retried
  try {
    JournalScan scan = read_journals(paths.journal_dir, provenance_, block_.begin, block_.end,
                                     rank, size);
    for (auto& [run_id, entry] : scan.entries) {
      if (options_.retry_failed && entry.result.status == RunStatus::failed) {
        ++local[3];
        continue;
      }
      slots_[run_id - block_.begin] = std::move(entry);
      ++recovered_;
    }
    local[0] = scan.corrupt_records;
    local[1] = scan.torn_tails;
    local[2] = scan.damaged_files;
    for (const auto& w : scan.warnings) std::fprintf(stderr, "mtl_mpi: warning: %s\n", w.c_str());
  } catch (const std::exception& e) {
    error = e.what();
  }
  MPI_Allreduce(local, total, 4, MPI_INT64_T, MPI_SUM, comm_);
  if (rank == 0 && error.empty()) {
    if (total[0] + total[1] + total[2] > 0) {
      std::fprintf(stderr, "mtl_mpi: note: journal: skipped %lld damaged record(s), %lld torn tail(s) "
                           "(runs in flight when a launch was killed) and %lld empty or unreadable "
                           "file(s); the runs they held are trained again\n",
                   static_cast<long long>(total[0]), static_cast<long long>(total[1]),
                   static_cast<long long>(total[2]));
    }
    if (total[3] > 0) {
      std::fprintf(stderr, "mtl_mpi: note: --retry-failed: training %lld failed run(s) again\n",
                   static_cast<long long>(total[3]));
    }
  }
  return error;
}

std::string RankState::open_journal() {
  try {
    bool todo = false;
    for (const auto& s : slots_) todo = todo || !s;
    if (todo) {
      // Created only now, after config, journals and data were accepted, so a
      // refused launch leaves nothing behind that would block the next one.
      std::filesystem::create_directories(paths.journal_dir);
      const std::string name = "rank" + std::to_string(rank) + "-of" + std::to_string(size) + "-" +
                               stamp + ".bin";
      journal_ = std::make_unique<JournalWriter>(
          (std::filesystem::path(paths.journal_dir) / name).string(), provenance_, rank, size);
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  if (rank == 0) {
    const JournalCount c = count_journals(paths.journal_dir);
    progress_ = std::make_unique<ProgressReporter>(
        static_cast<int64_t>(plan_.grid.runs.size()), paths.journal_dir, c.done + c.failed, stdout);
  }
  return "";
}

}  // namespace mtl
