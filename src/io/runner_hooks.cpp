// run_grid's default hooks: the real data layer and trainer (runner_hooks.hpp).
#include "mtl/runner_hooks.hpp"

#include <string>

#include "mtl/dataset_io.hpp"

namespace mtl {

RunnerHooks default_runner_hooks() {
  RunnerHooks h;
  h.load = [](const Plan& plan, const std::vector<int>& site_indices) {
    const Config& cfg = plan.cfg;
    // Read only this rank's sites: one read of the file per rank.
    std::vector<std::string> ids;
    const bool multi = plan.grid.scope == Scope::multi_site;
    if (multi) {
      ids = plan.grid.sites;
    } else {
      for (int s : site_indices) ids.push_back(plan.grid.sites.at(s));
    }
    const DataSet ds = read_experiment_data(cfg, ids);
    // Static inputs are z-scored over all the grid's sites, not this rank's.
    const StaticScaling statics = experiment_statics(cfg, plan.grid.sites);
    std::map<int, SiteData> out;
    if (multi) {
      std::vector<int> all;
      for (const auto& id : plan.grid.sites) all.push_back(ds.site_index(id));
      out.emplace(-1, prepare_sites(ds, all, cfg, cfg.data.file, &statics));
      return out;
    }
    for (int s : site_indices) {
      const int k = ds.site_index(plan.grid.sites.at(s));
      out.emplace(s, prepare_sites(ds, {k}, cfg, cfg.data.file, &statics));
    }
    return out;
  };
  h.train = [](const std::vector<RunSpec>& runs, const SiteData& data, const Config& cfg) {
    return train_runs(runs, data, cfg);
  };
  return h;
}

}  // namespace mtl
