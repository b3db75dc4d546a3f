// One run from the command line, with an optional HDF5 trace.
#include "mtl/single_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "mtl/backend.hpp"
#include "mtl/data.hpp"
#include "mtl/dataset_io.hpp"
#include "mtl/driver.hpp"
#include "mtl/errors.hpp"
#include "mtl/lstm.hpp"
#include "mtl/grid.hpp"
#include "mtl/trace.hpp"
#include "mtl/train.hpp"
#include "output_guard.hpp"

namespace mtl {
namespace {

/// The grid's run for (site, lambda, seed), so --only reports the same run id
/// as the grid; a combination outside the grid gets run_id -1.
RunSpec find_run(const Config& cfg, const std::vector<std::string>& sites, int site_index,
                 const OnlyRun& only) {
  const Grid grid = expand_grid(sites, cfg.grid, cfg.experiment.scope);
  for (const RunSpec& r : grid.runs) {
    if (r.site_index == site_index && r.lambda == only.lambda && r.seed == only.seed) return r;
  }
  RunSpec r;
  r.run_id = -1;
  r.site_index = site_index;
  r.lambda = only.lambda;
  r.seed = only.seed;
  return r;
}

void print_result(const RunResult& r, const SiteData& data) {
  std::printf("run %lld: %s, %d epochs, %.3f s, final training loss %.6g%s%s\n",
              static_cast<long long>(r.run_id), r.status == RunStatus::done ? "done" : "FAILED",
              r.epochs_run, r.train_seconds, r.final_loss, r.message.empty() ? "" : ": ",
              r.message.c_str());
  std::printf("%-12s %-6s %-5s %9s %9s %11s %8s\n", "site", "part", "var", "NSE", "KGE", "RMSE", "n_obs");
  for (std::size_t i = 0; i < r.sites.size(); ++i) {  // r.sites[i] is data's site i
    const SiteMetrics& s = r.sites[i];
    for (int p = 0; p < kNumParts; ++p) {
      for (int v = 0; v < kNumVariables; ++v) {
        const MetricSet& m = s.m[static_cast<std::size_t>(p)][static_cast<std::size_t>(v)];
        std::printf("%-12s %-6s %-5s %9.4f %9.4f %11.4g %8lld\n",
                    data.site_ids[i].c_str(),
                    to_string(static_cast<Part>(p)), data.variable_names[v].c_str(), m.nse, m.kge,
                    m.rmse, static_cast<long long>(m.n_obs));
      }
    }
  }
}

}  // namespace

int run_only(const Config& cfg, const DataCheck& check, const OnlyRun& only,
             const std::string& trace_path, bool overwrite, const std::string& config_path) {
  if (!trace_path.empty()) {  // before training: a refusal costs nothing
    const std::string bad =
        check_output_target(trace_path, "--trace", cfg, config_path, OutputKind::trace);
    if (!bad.empty()) throw ConfigError("command line: " + bad);
    if (std::filesystem::exists(trace_path) && !overwrite) {
      throw ConfigError("command line: --trace = '" + trace_path +
                        "' already exists; use --overwrite to replace it");
    }
  }
  const auto it = std::find(check.sites.begin(), check.sites.end(), only.site);
  if (it == check.sites.end()) {
    throw ConfigError("command line: --only site = '" + only.site + "' is not among the selected sites of " +
                      cfg.source);
  }
  const bool multi = cfg.experiment.scope == Scope::multi_site;
  const DataSet data = read_experiment_data(cfg, multi ? check.sites : std::vector<std::string>{only.site});
  std::vector<int> indices;
  for (int s = 0; s < data.n_sites(); ++s) indices.push_back(s);
  const StaticScaling statics = experiment_statics(cfg, check.sites);  // as the grid's ranks
  const SiteData site = prepare_sites(data, indices, cfg, cfg.data.file, &statics);
  const int site_index = multi ? -1 : static_cast<int>(it - check.sites.begin());
  const RunSpec run = find_run(cfg, check.sites, site_index, only);
  set_compute_threads(cfg.train.threads);
  // The grid's code path and numeric path: the trace reproduces the grid's run.
  std::printf("numerics: %s\n", numeric_path(cfg.train.backend).text().c_str());
  RunTrace trace;
  const RunResult result = train_run(run, site, cfg, trace_path.empty() ? nullptr : &trace);
  print_result(result, site);
  if (!trace_path.empty()) {
    const std::string part = trace_path + ".part-" + std::to_string(getpid());
    try {
      write_trace(part, run, site, cfg, result, trace);
      durable_rename(part, trace_path);
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(part, ec);
      throw;
    }
    std::printf("trace: %s\n", trace_path.c_str());
  }
  return result.status == RunStatus::done ? kExitOk : kExitRunsFailed;
}

}  // namespace mtl
