// Site selection, data validation, and the plan (grid + partition).
#include "mtl/plan.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "mtl/data.hpp"
#include "mtl/dataset_io.hpp"
#include "mtl/errors.hpp"
#include "mtl/provenance.hpp"
#include "mtl/train.hpp"

namespace mtl {
namespace {

std::vector<std::string> read_site_file(const Config& cfg, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(cfg.source + ": [data] sites = '@" + path + "': cannot open file");
  std::vector<std::string> ids;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    for (std::string w; words >> w;) ids.push_back(w);
  }
  if (ids.empty()) throw ConfigError(cfg.source + ": [data] sites = '@" + path + "': no site ids in file");
  return ids;
}

int sequences(const DateRange& r, int seq_len, bool keep_partial) {
  return keep_partial ? (r.days() + seq_len - 1) / seq_len : r.days() / seq_len;
}

}  // namespace

std::vector<std::string> requested_sites(const Config& cfg, const std::vector<std::string>& file_sites) {
  const std::string& spec = cfg.data.sites_spec;
  std::vector<std::string> ids;
  if (spec == "all") return file_sites;
  ids = spec[0] == '@' ? read_site_file(cfg, spec.substr(1)) : cfg.data.sites;
  const std::set<std::string> known(file_sites.begin(), file_sites.end());
  std::set<std::string> seen;
  for (const std::string& id : ids) {
    if (!known.count(id)) {
      throw ConfigError(cfg.source + ": [data] sites: site '" + id + "' is not in " + cfg.data.file);
    }
    if (!seen.insert(id).second) throw ConfigError(cfg.source + ": [data] sites: duplicate site '" + id + "'");
  }
  std::vector<std::string> ordered;  // data-file order: the grid is site-major in file order
  for (const std::string& id : file_sites) {
    if (seen.count(id)) ordered.push_back(id);
  }
  return ordered;
}

DataCheck check_data(const Config& cfg) {
  if (!std::ifstream(cfg.data.file)) {
    throw ConfigError(cfg.source + ": [data] file = '" + cfg.data.file + "': cannot open (no such file?)");
  }
  const DataSetInfo info = read_dataset_info(cfg.data.file);
  const std::vector<std::string> candidates = requested_sites(cfg, info.site_ids);
  const DataSet data = read_experiment_data(cfg, candidates);
  DataCheck check;
  check.n_time = data.n_time();
  check.first_day = data.time.front();
  check.last_day = data.time.back();
  check.drivers = data.driver_names;
  check.driver_units = data.driver_units;
  const std::array<DateRange, 3> parts = {cfg.data.train, cfg.data.val, cfg.data.test};
  const char* const part_keys[] = {"train", "val", "test"};
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const DateRange& r = parts[p];
    if (r.first < check.first_day || r.last > check.last_day) {
      throw DataError(cfg.source + ": [data] " + part_keys[p] + " = '" + format_date(r.first) + ":" +
                      format_date(r.last) + "' is outside " + cfg.data.file + " (" +
                      format_date(check.first_day) + ".." + format_date(check.last_day) + ")");
    }
  }
  // obs[partition][variable][site]: observed days, and the site rule on the primary target.
  std::array<std::array<std::vector<int64_t>, kNumVariables>, 3> obs;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    obs[p][0] = count_observed(data, Variable::flow, parts[p]);
    obs[p][1] = count_observed(data, Variable::temp, parts[p]);
  }
  const std::size_t primary = static_cast<std::size_t>(cfg.experiment.primary);
  for (std::size_t s = 0; s < static_cast<std::size_t>(data.n_sites()); ++s) {
    if (obs[0][primary][s] < cfg.data.min_train_obs) continue;
    SiteSummary sum;
    sum.id = data.site_ids[s];
    for (std::size_t p = 0; p < parts.size(); ++p) {
      for (std::size_t v = 0; v < kNumVariables; ++v) sum.obs[p][v] = obs[p][v][s];
    }
    check.sites.push_back(sum.id);
    check.summary.push_back(sum);
  }
  if (check.sites.empty()) {
    throw ConfigError(cfg.source + ": [data] sites = '" + cfg.data.sites_spec +
                      "': no site left (min_train_obs = " + std::to_string(cfg.data.min_train_obs) + ")");
  }
  // Validate exactly what the runs will use (driver gaps, empty partitions).
  std::vector<int> selected;
  for (const std::string& id : check.sites) selected.push_back(data.site_index(id));
  const StaticScaling statics = fit_static(data, selected, cfg, cfg.data.file);
  for (std::size_t j = 0; j < statics.names.size(); ++j) {  // inputs after the drivers
    check.drivers.push_back(statics.names[j]);
    check.driver_units.push_back(data.attributes[static_cast<std::size_t>(statics.index[j])].units);
  }
  if (cfg.experiment.scope == Scope::multi_site) {
    prepare_sites(data, selected, cfg, cfg.data.file, &statics);
  } else {
    for (int s : selected) prepare_sites(data, {s}, cfg, cfg.data.file, &statics);
  }
  check.data_digest = data_digest(data, selected, cfg);
  return check;
}

Plan make_plan(const Config& cfg, const std::vector<std::string>& sites, int n_ranks) {
  Plan plan;
  plan.cfg = cfg;
  plan.grid = expand_grid(sites, cfg.grid, cfg.experiment.scope);
  const int train_seq = sequences(cfg.data.train, cfg.model.seq_len, false);
  const int eval_seq = sequences(cfg.data.train, cfg.model.seq_len, true) +
                       sequences(cfg.data.val, cfg.model.seq_len, true) +
                       sequences(cfg.data.test, cfg.model.seq_len, true);
  plan.costs = run_costs(plan.grid, std::vector<int>(sites.size(), train_seq),
                         std::vector<int>(sites.size(), eval_seq), cfg.train.epochs);
  plan.blocks = partition_runs(plan.costs, n_ranks);
  return plan;
}

}  // namespace mtl
