#pragma once
// From a validated configuration and the input data to the Plan every rank runs:
// site selection, data validation, grid, costs and the static partition.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/dataset.hpp"
#include "mtl/runner.hpp"

namespace mtl {

/// Observed days of one selected site: [partition][variable] (flow, temp).
struct SiteSummary {
  std::string id;
  std::array<std::array<int64_t, kNumVariables>, 3> obs{};
};

/// What the (single) validating process learned from the data.
struct DataCheck {
  std::vector<std::string> sites;    // selected, in data-file order
  std::vector<SiteSummary> summary;  // one per selected site
  int n_time = 0;
  int32_t first_day = 0, last_day = 0;
  std::vector<std::string> drivers;  // used drivers
  std::string data_digest;           // provenance.hpp: the selected sites' values the runs read
  std::vector<std::string> driver_units;  // their units attributes
};

/// Read the data file (all candidate sites), select sites (all | ids | @file,
/// then the min_train_obs rule), and validate every selected site with
/// prepare_sites. Throws ConfigError/DataError with one clear line.
DataCheck check_data(const Config& cfg);

/// Site ids of `cfg.data.sites_spec` before the observation rule: "all" -> every
/// site in the file; ids; "@file" -> ids read from that file (# comments allowed).
std::vector<std::string> requested_sites(const Config& cfg, const std::vector<std::string>& file_sites);

/// Pure: grid, costs and partition (identical on every rank).
Plan make_plan(const Config& cfg, const std::vector<std::string>& sites, int n_ranks);

/// The dry run's report: grid size, observations per site, partition, imbalance.
std::string dry_run_report(const Plan& plan, const DataCheck& check, const std::string& config_path);

}  // namespace mtl
