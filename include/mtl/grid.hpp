#pragma once
// The experiment grid and its static partition across ranks. Pure functions of
// the configuration: every rank computes the same grid and the same blocks, so
// no communication is needed to agree on who trains what.
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/config.hpp"

namespace mtl {

/// One training run. run_id is the position in the site-major grid order
/// (site, lambda, seed) and never changes with the rank count.
struct RunSpec {
  int64_t run_id = 0;
  int site_index = 0;    // index into Grid::sites; -1 for a multi_site run (all sites)
  int lambda_index = 0;  // index into GridConfig::lambdas
  int seed_index = 0;    // index into GridConfig::seeds
  double lambda = 0.0;
  int seed = 0;
};

struct Grid {
  std::vector<std::string> sites;  // selected site ids, in data-file order
  int n_lambdas = 0;
  int n_seeds = 0;
  Scope scope = Scope::single_site;
  std::vector<RunSpec> runs;       // site-major: ((site * n_lambdas) + lambda) * n_seeds + seed
};

/// Expand the grid. single_site: one run per (site, lambda, seed);
/// multi_site: one run per (lambda, seed), site_index = -1.
Grid expand_grid(const std::vector<std::string>& sites, const GridConfig& grid, Scope scope);

/// Relative cost of each run, known before training: training sequences x epochs
/// (x sites for a multi_site run) plus the evaluation pass over all partitions.
/// train_sequences[s] and eval_sequences[s] are per site (index = site_index).
std::vector<double> run_costs(const Grid& grid, const std::vector<int>& train_sequences,
                              const std::vector<int>& eval_sequences, int epochs);

/// Half-open range of run indices [begin, end).
struct RunRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
};

/// Contiguous, cost-balanced blocks: rank r gets [begin, end). Blocks cover all
/// runs in order, may be empty (more ranks than runs), and never split a unit
/// when unit_size > 1 (units are unit_size consecutive runs of one site, at fixed
/// positions of the grid). Pure function, identical on every rank.
std::vector<RunRange> partition_runs(const std::vector<double>& costs, int n_ranks,
                                     const std::vector<int64_t>& unit_starts = {});

/// Unit boundaries at fixed grid positions: chunks of unit_size runs of each site
/// (the last chunk of a site may be shorter). unit_size <= 1 gives every run.
std::vector<int64_t> unit_starts(const Grid& grid, int unit_size);

/// max block cost / mean block cost (1.0 is perfect balance).
double imbalance(const std::vector<double>& costs, const std::vector<RunRange>& blocks);

}  // namespace mtl
