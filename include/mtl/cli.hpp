#pragma once
// mtl_mpi's command line: CONFIG.ini plus options, parsed by Boost.Program_options.
// Every INI key is also an option (--section.key value) that overrides the file.
#include <string>
#include <vector>

namespace mtl {

struct CliOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // "section.key=value"
  bool dry_run = false;
  int ranks = 0;                       // --ranks N for the dry run (0 = 1)
  bool resume = false;
  bool overwrite = false;
  bool retry_failed = false;           // with --resume: retrain runs journaled as failed
  std::string only;                    // "site=ID,lambda=X,seed=K"
  std::string trace;                   // trace file for --only
  bool help = false;
  std::string help_config;             // --help-config: "text" or "markdown"; "" = not asked
  bool version = false;
};

/// Throws ConfigError("command line: ...") on unknown options or missing CONFIG.
CliOptions parse_cli(int argc, const char* const* argv);
std::string cli_usage();

/// --only "site=ID,lambda=X,seed=K" -> fields; throws ConfigError naming the value.
struct OnlyRun {
  std::string site;
  double lambda = 0.0;
  int seed = 0;
};
OnlyRun parse_only(const std::string& text);

}  // namespace mtl
