#pragma once
// run_grid's two replaceable steps, so the machinery (journal, resume,
// signals, collective write) can be tested without data files or training
// (run_grid_with, runner.hpp).
#include <mpi.h>

#include <functional>
#include <map>
#include <vector>

#include "mtl/data.hpp"
#include "mtl/runner.hpp"
#include "mtl/train.hpp"

namespace mtl {

struct RunnerHooks {
  /// Prepared data for the given grid site indices, keyed by site index
  /// (single_site) or -1 (multi_site: one SiteData of all sites). Throws
  /// DataError/ConfigError on bad input.
  std::function<std::map<int, SiteData>(const Plan&, const std::vector<int>& site_indices)> load;
  /// Train consecutive runs of one SiteData; one result per run, same order.
  std::function<std::vector<RunResult>(const std::vector<RunSpec>&, const SiteData&,
                                       const Config&)>
      train;
  /// Runs per train call, each call followed by one journal write (fsync) and a
  /// stop check. 0: about one second of training, by the rank's time per run so far.
  int runs_per_call = 0;
};

/// read_dataset + prepare_sites, and train_runs (runner_hooks.cpp).
RunnerHooks default_runner_hooks();

}  // namespace mtl
