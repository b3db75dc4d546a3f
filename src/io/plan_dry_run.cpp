// The dry run's report: what would run where, and how balanced it is.
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "mtl/plan.hpp"
#include "mtl/provenance.hpp"

namespace mtl {
namespace {

std::string thousands(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
  return s;
}

void report_sites(std::ostringstream& out, const DataCheck& check, const ExperimentConfig& e) {
  out << "observed days per site (flow/" << variable_name(e, Variable::temp) << ") in train | val | test:\n";
  int no_primary = 0;
  for (const SiteSummary& s : check.summary) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-12s %6lld/%-6lld | %6lld/%-6lld | %6lld/%-6lld\n", s.id.c_str(),
                  static_cast<long long>(s.obs[0][0]), static_cast<long long>(s.obs[0][1]),
                  static_cast<long long>(s.obs[1][0]), static_cast<long long>(s.obs[1][1]),
                  static_cast<long long>(s.obs[2][0]), static_cast<long long>(s.obs[2][1]));
    out << line;
    no_primary += (s.obs[0][0] == 0 && s.obs[0][1] == 0);
  }
  if (no_primary > 0) {
    out << "  note: " << no_primary << " site(s) have no target observation in training; their runs will fail\n";
  }
}

void report_partition(std::ostringstream& out, const Plan& plan) {
  const int n_ranks = static_cast<int>(plan.blocks.size());
  std::map<int64_t, int> runs_hist;  // runs per rank -> number of ranks
  double max_cost = 0, total = 0;
  for (const RunRange& b : plan.blocks) {
    double c = 0;
    for (int64_t i = b.begin; i < b.end; ++i) c += plan.costs[static_cast<std::size_t>(i)];
    total += c;
    max_cost = std::max(max_cost, c);
    ++runs_hist[b.size()];
  }
  out << "partition over " << n_ranks << " rank(s), contiguous blocks in site-major order:\n";
  if (n_ranks <= 32) {
    for (int r = 0; r < n_ranks; ++r) {
      const RunRange& b = plan.blocks[static_cast<std::size_t>(r)];
      double c = 0;
      for (int64_t i = b.begin; i < b.end; ++i) c += plan.costs[static_cast<std::size_t>(i)];
      char line[160];
      std::snprintf(line, sizeof line, "  rank %3d: runs [%lld, %lld) = %lld runs, cost %.4g\n", r,
                    static_cast<long long>(b.begin), static_cast<long long>(b.end),
                    static_cast<long long>(b.size()), c);
      out << line;
    }
  }
  out << "  runs per rank:";
  for (const auto& [runs, ranks] : runs_hist) out << " " << runs << " (x" << ranks << ")";
  char line[200];
  std::snprintf(line, sizeof line,
                "\n  estimated cost per rank (forward sequence passes): mean %.4g, max %.4g\n"
                "  imbalance (max/mean): %.4f\n",
                total / n_ranks, max_cost, imbalance(plan.costs, plan.blocks));
  out << line;
}

}  // namespace

std::string dry_run_report(const Plan& plan, const DataCheck& check, const std::string& config_path) {
  const Config& c = plan.cfg;
  std::ostringstream out;
  out << "config: " << config_path << " (experiment " << c.experiment.name << ", "
      << to_string(c.experiment.scope) << ", primary " << to_string(c.experiment.primary) << ", auxiliary "
      << (c.experiment.has_auxiliary ? variable_name(c.experiment, c.experiment.auxiliary) : "none") << ")\n";
  out << "data: " << c.data.file << ": " << check.n_time << " days " << format_date(check.first_day)
      << ".." << format_date(check.last_day) << ", inputs " << join(check.drivers) << "\n";
  out << "scaling: " << scaling_text(c) << "\n";
  report_sites(out, check, c.experiment);
  const std::size_t n_sites = plan.grid.sites.size();
  out << "grid: " << (c.experiment.scope == Scope::single_site ? std::to_string(n_sites) + " sites x " : "")
      << plan.grid.n_lambdas << " lambdas x " << plan.grid.n_seeds << " seeds = "
      << thousands(static_cast<int64_t>(plan.grid.runs.size())) << " runs"
      << (c.experiment.scope == Scope::multi_site ? " (each on all " + std::to_string(n_sites) + " sites)" : "")
      << "\n";
  report_partition(out, plan);
  out << "output: " << c.experiment.output << "\n";
  return out.str();
}

}  // namespace mtl
