// One rank's steps of run_grid (see runner_detail.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "mtl/driver.hpp"
#include "mtl/errors.hpp"
#include "mtl/results.hpp"
#include "mtl/signals.hpp"
#include "runner_detail.hpp"

namespace mtl {

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

std::string RankState::load(const RunnerHooks& hooks) {
  std::set<int> sites;
  for (int64_t i = 0; i < block_.size(); ++i) {
    if (!slots_[i]) sites.insert(plan_.grid.runs[block_.begin + i].site_index);
  }
  if (sites.empty()) return "";
  try {
    data_ = hooks.load(plan_, std::vector<int>(sites.begin(), sites.end()));
    for (int s : sites) {
      if (!data_.count(s)) return "internal: no data prepared for grid site index " + std::to_string(s);
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
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

std::vector<RunResult> RankState::train_runs_safely(const RunnerHooks& hooks,
                                                     const std::vector<RunSpec>& runs) {
  std::vector<RunResult> out;
  std::string failure;
  try {
    out = hooks.train(runs, data_.at(runs.front().site_index), plan_.cfg);
    if (out.size() != runs.size()) failure = "internal: trainer returned a wrong result count";
  } catch (const std::exception& e) {
    failure = std::string("internal: ") + e.what();  // a failed run is data, not a crash
  }
  if (!failure.empty()) out.assign(runs.size(), RunResult{});
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out[i].run_id = runs[i].run_id;
    if (!failure.empty()) {
      out[i].status = RunStatus::failed;
      out[i].message = failure.substr(0, 200);
    }
  }
  return out;
}

void RankState::train_block(const RunnerHooks& hooks) {
  int64_t i = 0;
  while (true) {
    // Runs between journal writes (one fsync each) and stop checks: about one
    // second of training, by this rank's time per run so far (1 before the first).
    const int64_t batch =
        hooks.runs_per_call > 0 ? hooks.runs_per_call
        : trained_now_ > 0 && busy_ > 0
            ? std::clamp(static_cast<int64_t>(trained_now_ / busy_), int64_t{1}, int64_t{64})
            : 1;
    while (i < block_.size() && slots_[i]) ++i;
    if (i >= block_.size()) break;
    if (stop_requested()) {
      stopped_ = true;
      break;
    }
    // Consecutive unfinished runs of one site (multi_site: one SiteData for all).
    std::vector<RunSpec> runs;
    std::vector<int64_t> where;
    const int site = plan_.grid.runs[block_.begin + i].site_index;
    for (int64_t j = i; j < block_.size() && static_cast<int64_t>(runs.size()) < batch; ++j) {
      const RunSpec& r = plan_.grid.runs[block_.begin + j];
      if (r.site_index != site) break;
      if (slots_[j]) continue;
      runs.push_back(r);
      where.push_back(j);
    }
    const double t0 = wall_seconds();
    std::vector<RunResult> results = train_runs_safely(hooks, runs);
    busy_ += wall_seconds() - t0;
    std::vector<JournalEntry> entries;
    const Scaling& scaling = data_.at(runs.front().site_index).scaling;
    for (auto& r : results) {
      const bool has_weights = !r.final_params.empty();
      entries.push_back({std::move(r), rank, has_weights ? scaling : Scaling{}});
    }
    journal_->append(entries);  // durable before we count it as finished
    for (std::size_t k = 0; k < entries.size(); ++k) slots_[where[k]] = std::move(entries[k]);
    trained_now_ += static_cast<int64_t>(entries.size());
  }
}

}  // namespace mtl
