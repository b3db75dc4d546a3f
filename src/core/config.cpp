// INI + command-line configuration, parsed once with Boost.Program_options into
// plain structs and validated completely by the table of keys (config_table.hpp).
// Every error is one line naming the source (file or "command line"), the key
// and the offending value.
#include "mtl/config.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "config_table.hpp"
#include "mtl/errors.hpp"

namespace po = boost::program_options;

namespace mtl {
namespace {

/// A raw value and where it came from, for error messages.
struct Raw {
  std::string value;
  std::string origin;
};

po::options_description key_options() {
  po::options_description desc;
  for (const std::string& key : config_keys()) desc.add_options()(key.c_str(), po::value<std::string>());
  return desc;
}

/// Raw values: INI file first, command-line overrides win, then the defaults
/// (the Config fields' defaults, as the rows write them).
std::map<std::string, Raw> collect(std::istream& ini, const std::string& source,
                                   const std::vector<std::string>& overrides) {
  std::map<std::string, Raw> raw;
  po::variables_map vm;
  try {
    po::store(po::parse_config_file(ini, key_options(), /*allow_unregistered=*/false), vm);
  } catch (const po::error& e) {
    throw ConfigError(source + ": " + e.what());
  }
  for (const std::string& key : config_keys()) {
    if (vm.count(key)) raw[key] = {vm[key].as<std::string>(), source};
  }
  for (const std::string& o : overrides) {
    const auto eq = o.find('=');
    const std::string key = o.substr(0, eq);
    if (eq == std::string::npos || !std::count(config_keys().begin(), config_keys().end(), key)) {
      throw ConfigError("command line: unknown option '--" + key + "'");
    }
    raw[key] = {o.substr(eq + 1), "command line (--" + key + ")"};
  }
  const Config defaults;
  for (const ConfigKey& row : config_table()) {
    if (raw.count(row.id())) continue;
    if (row.required) {
      throw ConfigError(source + ": [" + row.section + "] " + row.name + " is required but missing");
    }
    raw[row.id()] = {row.write(defaults), source + " (default)"};
  }
  return raw;
}

}  // namespace

const char* to_string(Variable v) { return v == Variable::flow ? "flow" : "temp"; }
const char* units_of(Variable v) { return v == Variable::flow ? "m3 s-1" : "degC"; }

std::string variable_name(const ExperimentConfig& e, Variable v) {
  return v == Variable::temp && !e.aux_series.empty() ? e.aux_series : to_string(v);
}
const char* to_string(Scope s) { return s == Scope::single_site ? "single_site" : "multi_site"; }
const char* to_string(LossKind k) {
  switch (k) {
    case LossKind::rmse: return "rmse";
    case LossKind::nnse: return "nnse";
    case LossKind::nnse_samplewise: return "nnse_samplewise";
    case LossKind::nse_star: return "nse_star";
  }
  return "?";
}
const char* to_string(FlowScaling f) { return f == FlowScaling::pooled ? "pooled" : "depth"; }
const char* to_string(BackendChoice b) {
  return b == BackendChoice::automatic ? "auto" : b == BackendChoice::kernels ? "kernels" : "onednn";
}
const char* to_string(StopOn s) { return s == StopOn::primary ? "primary" : "total"; }
const char* to_string(AuxHead a) { return a == AuxHead::unscaled ? "unscaled" : "scaled"; }
const char* to_string(PredictionOutput p) {
  return p == PredictionOutput::none ? "none" : p == PredictionOutput::test ? "test" : "all";
}
const char* to_string(WeightsOutput w) { return w == WeightsOutput::final ? "final" : "none"; }

std::vector<int> parse_seed_list(const std::string& text) {
  std::vector<int> seeds;
  const std::string too_many = "more than " + std::to_string(kMaxSeeds) + " seeds (the limit)";
  for (const std::string& w : split_words(text)) {
    const auto dash = w.find('-', 1);
    auto number = [&](const std::string& s) {
      if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) {
        throw std::invalid_argument("'" + w + "' is not a seed or a range like 0-29");
      }
      return std::stoi(s);
    };
    const int lo = number(w.substr(0, dash));
    const int hi = dash == std::string::npos ? lo : number(w.substr(dash + 1));
    if (hi < lo) throw std::invalid_argument("range '" + w + "' is empty");
    // Counted before expanding, so "0-999999999" costs nothing.
    if (static_cast<std::size_t>(hi - lo) + 1 > kMaxSeeds - seeds.size()) {
      throw std::invalid_argument("'" + w + "': " + too_many);
    }
    for (int s = lo; s <= hi; ++s) seeds.push_back(s);
  }
  if (seeds.empty()) throw std::invalid_argument("empty list");
  if (const int* dup = first_duplicate(seeds)) {
    throw std::invalid_argument("duplicate seed " + std::to_string(*dup));
  }
  return seeds;
}

Config parse_config(std::istream& ini, const std::string& source,
                    const std::vector<std::string>& overrides) {
  std::ostringstream copy;
  copy << ini.rdbuf();
  return parse_config_text(copy.str(), source, overrides);
}

Config parse_config_text(const std::string& ini_text, const std::string& source,
                         const std::vector<std::string>& overrides) {
  std::istringstream in(ini_text);
  const std::map<std::string, Raw> raw = collect(in, source, overrides);
  Config cfg;
  // In table order: a row may check against the keys above it.
  for (const ConfigKey& row : config_table()) {
    const Raw& r = raw.at(row.id());
    row.read(KeyText(row.id(), r.value, r.origin), cfg);
  }
  cfg.source = source;
  cfg.ini_text = ini_text;
  cfg.overrides = overrides;
  return cfg;
}

std::string effective_ini(const Config& c) {
  std::string out, section;
  for (const ConfigKey& row : config_table()) {
    if (row.section != section) {
      section = row.section;
      out += (out.empty() ? "[" : "\n[") + section + "]\n";
    }
    out += row.name + " = " + row.write(c) + "\n";
  }
  return out;
}

}  // namespace mtl
