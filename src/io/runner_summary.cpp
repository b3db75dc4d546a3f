// run_grid's closing report on rank 0 (runner_detail.hpp): run counts, this
// launch's throughput and balance, and the failed runs by reason.
#include <algorithm>
#include <cstdio>
#include <map>

#include "mtl/progress.hpp"
#include "collective.hpp"
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
  const std::string all = gather_to_root(text, comm_);
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

}  // namespace mtl
