// mtl_mpi's command line (Boost.Program_options). Pure: no MPI, no files.
#include "mtl/cli.hpp"

#include <boost/program_options.hpp>

#include <cmath>
#include <sstream>

#include "mtl/config.hpp"
#include "mtl/errors.hpp"

namespace po = boost::program_options;

namespace mtl {
namespace {

po::options_description general_options() {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help and exit")
      ("help-config", po::value<std::string>()->implicit_value("text"),
       "show every configuration key (type, default, allowed values, meaning) and exit; "
       "=markdown: as docs/config.md's table")
      ("version", "show version and exit")
      ("dry-run", "validate config and data, print grid size, partition and imbalance; no training")
      ("ranks", po::value<int>(), "rank count assumed by --dry-run (default 1)")
      ("resume", "finish an interrupted grid: train only runs missing from the journal")
      ("retry-failed", "with --resume: train the runs journaled as failed again")
      ("overwrite", "replace an existing results file (or --trace file) and its journal; "
                    "refuses anything this program did not write")
      ("only", po::value<std::string>(), "train one run: site=ID,lambda=X,seed=K (no mpirun needed)")
      ("trace", po::value<std::string>(), "with --only: write an HDF5 trace of the run to this file");
  return d;
}

po::options_description key_options() {
  po::options_description d("Configuration overrides (every INI key)");
  for (const std::string& k : config_keys()) d.add_options()(k.c_str(), po::value<std::string>());
  return d;
}

}  // namespace

std::string cli_usage() {
  std::ostringstream s;
  s << "usage: mtl_mpi CONFIG.ini [--section.key value ...] [--dry-run [--ranks N]]\n"
       "               [--resume [--retry-failed] | --overwrite] [--only site=ID,lambda=X,seed=K [--trace FILE.h5]]\n"
       "       mpirun -n N mtl_mpi CONFIG.ini      train the whole grid, one results file\n\n"
    << general_options()
    << "\nConfiguration keys (override the INI, e.g. --train.epochs 5; --help-config explains them):\n ";
  std::size_t width = 0;
  for (const std::string& k : config_keys()) {
    if (width + k.size() > 86) {
      s << "\n ";
      width = 0;
    }
    s << " --" << k;
    width += k.size() + 3;
  }
  s << "\n\nExit codes: 0 all runs done, 1 usage, 2 config/data error, 3 some runs failed,\n"
       "            4 incomplete (stopped by SIGTERM/SIGUSR1: rerun with --resume), 5 internal error\n";
  return s.str();
}

CliOptions parse_cli(int argc, const char* const* argv) {
  po::options_description all;
  all.add(general_options()).add(key_options());
  all.add_options()("config", po::value<std::string>());
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv)
                      .options(all)
                      .positional(pos)
                      // No abbreviations: --train.epoch must not silently mean --train.epochs.
                      .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                      .run(), vm);
  } catch (const po::error& e) {
    throw ConfigError(std::string("command line: ") + e.what());
  }
  CliOptions o;
  o.help = vm.count("help") > 0;
  o.version = vm.count("version") > 0;
  if (vm.count("help-config")) {
    o.help_config = vm["help-config"].as<std::string>();
    if (o.help_config != "text" && o.help_config != "markdown")
      throw ConfigError("command line: --help-config = '" + o.help_config + "': must be text or markdown");
  }
  if (o.help || o.version || !o.help_config.empty()) return o;
  if (!vm.count("config")) throw ConfigError("command line: missing CONFIG.ini (see --help)");
  o.config_path = vm["config"].as<std::string>();
  o.dry_run = vm.count("dry-run") > 0;
  o.resume = vm.count("resume") > 0;
  o.overwrite = vm.count("overwrite") > 0;
  o.retry_failed = vm.count("retry-failed") > 0;
  if (vm.count("ranks")) {
    o.ranks = vm["ranks"].as<int>();
    if (o.ranks < 1) throw ConfigError("command line: --ranks = '" + std::to_string(o.ranks) + "': must be >= 1");
  }
  if (vm.count("only")) o.only = vm["only"].as<std::string>();
  if (vm.count("trace")) o.trace = vm["trace"].as<std::string>();
  if (!o.trace.empty() && o.only.empty()) throw ConfigError("command line: --trace needs --only");
  if (o.resume && o.overwrite) throw ConfigError("command line: --resume and --overwrite exclude each other");
  if (o.retry_failed && !o.resume) throw ConfigError("command line: --retry-failed needs --resume");
  for (const std::string& k : config_keys()) {
    if (vm.count(k)) o.overrides.push_back(k + "=" + vm[k].as<std::string>());
  }
  return o;
}

OnlyRun parse_only(const std::string& text) {
  OnlyRun r;
  bool has_site = false, has_lambda = false, has_seed = false;
  std::istringstream in(text);
  const auto bad = [&](const std::string& why) {
    return ConfigError("command line: --only = '" + text + "': " + why);
  };
  for (std::string item; std::getline(in, item, ',');) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw bad("expected site=ID,lambda=X,seed=K");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    std::size_t used = 0;
    try {
      if (key == "site") {
        r.site = value;
        has_site = !value.empty();
      } else if (key == "lambda") {
        r.lambda = std::stod(value, &used);
        has_lambda = used == value.size() && std::isfinite(r.lambda) && r.lambda >= 0;
      } else if (key == "seed") {
        r.seed = std::stoi(value, &used);
        has_seed = used == value.size() && r.seed >= 0;
      } else {
        throw bad("unknown field '" + key + "'");
      }
    } catch (const std::logic_error&) {
      throw bad("'" + value + "' is not a number");
    }
  }
  if (!has_site || !has_lambda || !has_seed) throw bad("needs site=ID, lambda=X >= 0 and seed=K >= 0");
  return r;
}

}  // namespace mtl
