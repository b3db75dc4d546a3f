// Grid expansion and the static, cost-balanced partition (pure functions).
#include "mtl/grid.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace mtl {

Grid expand_grid(const std::vector<std::string>& sites, const GridConfig& cfg, Scope scope) {
  Grid g;
  g.sites = sites;
  g.n_lambdas = static_cast<int>(cfg.lambdas.size());
  g.n_seeds = static_cast<int>(cfg.seeds.size());
  g.scope = scope;
  const int n_site_slots = scope == Scope::single_site ? static_cast<int>(sites.size()) : 1;
  g.runs.reserve(static_cast<std::size_t>(n_site_slots) * g.n_lambdas * g.n_seeds);
  for (int s = 0; s < n_site_slots; ++s) {
    for (int l = 0; l < g.n_lambdas; ++l) {
      for (int z = 0; z < g.n_seeds; ++z) {
        RunSpec r;
        r.run_id = static_cast<int64_t>(g.runs.size());
        r.site_index = scope == Scope::single_site ? s : -1;
        r.lambda_index = l;
        r.seed_index = z;
        r.lambda = cfg.lambdas[l];
        r.seed = cfg.seeds[z];
        g.runs.push_back(r);
      }
    }
  }
  return g;
}

// Cost unit: one forward pass over one sequence. Training costs about three
// forward passes per sequence and epoch (forward + backward, whose two GEMMs per
// step double the forward work); evaluation is one forward pass per sequence.
std::vector<double> run_costs(const Grid& grid, const std::vector<int>& train_sequences,
                              const std::vector<int>& eval_sequences, int epochs) {
  constexpr double kTrainPassCost = 3.0;
  const auto site_cost = [&](std::size_t s) {
    return kTrainPassCost * epochs * train_sequences.at(s) + eval_sequences.at(s);
  };
  double all_sites = 0.0;
  for (std::size_t s = 0; s < grid.sites.size(); ++s) all_sites += site_cost(s);
  std::vector<double> costs;
  costs.reserve(grid.runs.size());
  for (const RunSpec& r : grid.runs) {
    costs.push_back(r.site_index < 0 ? all_sites : site_cost(static_cast<std::size_t>(r.site_index)));
  }
  return costs;
}

std::vector<int64_t> unit_starts(const Grid& grid, int unit_size) {
  std::vector<int64_t> starts;
  const int per_site = grid.n_lambdas * grid.n_seeds;
  for (const RunSpec& r : grid.runs) {
    const int64_t within = per_site > 0 ? r.run_id % per_site : 0;
    if (unit_size <= 1 || within % unit_size == 0) starts.push_back(r.run_id);
  }
  return starts;
}

// Boundary r sits at the unit start whose cost prefix is nearest to r/P of the
// total: blocks are contiguous, ordered by rank, and for equal costs differ by
// at most one unit.
std::vector<RunRange> partition_runs(const std::vector<double>& costs, int n_ranks,
                                     const std::vector<int64_t>& unit_starts_in) {
  if (n_ranks < 1) throw std::invalid_argument("partition_runs: n_ranks must be >= 1");
  const int64_t n = static_cast<int64_t>(costs.size());
  std::vector<int64_t> starts = unit_starts_in;
  if (starts.empty()) {
    starts.resize(static_cast<std::size_t>(n));
    std::iota(starts.begin(), starts.end(), int64_t{0});
  }
  starts.push_back(n);  // sentinel: the end
  std::vector<double> prefix(starts.size(), 0.0);  // cost before each unit start
  for (std::size_t u = 0; u + 1 < starts.size(); ++u) {
    double c = 0.0;
    for (int64_t i = starts[u]; i < starts[u + 1]; ++i) c += costs[static_cast<std::size_t>(i)];
    prefix[u + 1] = prefix[u] + c;
  }
  const double total = prefix.back();
  std::vector<RunRange> blocks(static_cast<std::size_t>(n_ranks));
  std::size_t u = 0;
  int64_t begin = 0;
  for (int r = 0; r < n_ranks; ++r) {
    int64_t end = n;
    if (r + 1 < n_ranks) {
      const double target = total * (r + 1) / n_ranks;
      while (u + 1 < starts.size() && prefix[u + 1] <= target) ++u;
      if (u + 1 < starts.size() && prefix[u + 1] - target < target - prefix[u]) ++u;
      end = std::max(begin, starts[u]);
    }
    blocks[static_cast<std::size_t>(r)] = {begin, end};
    begin = end;
  }
  return blocks;
}

double imbalance(const std::vector<double>& costs, const std::vector<RunRange>& blocks) {
  if (blocks.empty()) return 1.0;
  double total = 0.0, worst = 0.0;
  for (const RunRange& b : blocks) {
    double c = 0.0;
    for (int64_t i = b.begin; i < b.end; ++i) c += costs[static_cast<std::size_t>(i)];
    total += c;
    worst = std::max(worst, c);
  }
  const double mean = total / static_cast<double>(blocks.size());
  return mean > 0.0 ? worst / mean : 1.0;
}

}  // namespace mtl
