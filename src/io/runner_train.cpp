// run_grid's training steps (runner_detail.hpp): the data of the sites still
// to train, then the rank's block, a few runs per trainer call, each call
// followed by one journal write and a stop check.
#include <algorithm>
#include <set>

#include "mtl/signals.hpp"
#include "runner_detail.hpp"

namespace mtl {

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
