// INI + command-line configuration, parsed once with Boost.Program_options into
// plain structs and validated completely. Every error is one line naming the
// source (file or "command line"), the key and the offending value.
#include "mtl/config.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "mtl/errors.hpp"

namespace po = boost::program_options;

namespace mtl {
namespace {

/// Every key with its default; "" with required = true means the key must be given.
struct KeySpec {
  const char* name;
  const char* fallback;
  bool required;
};

const KeySpec kKeys[] = {
    {"experiment.name", "experiment", false},
    {"experiment.output", "results/experiment.h5", false},
    {"experiment.primary", "flow", false},
    {"experiment.auxiliary", "temp", false},
    {"experiment.scope", "single_site", false},
    {"data.file", "", true},
    {"data.sites", "all", false},
    {"data.drivers", "", false},
    {"data.train", "", true},
    {"data.val", "", true},
    {"data.test", "", true},
    {"data.log_flow", "false", false},
    {"data.min_train_obs", "0", false},
    {"data.train_stride", "0", false},
    {"model.hidden", "20", false},
    {"model.seq_len", "365", false},
    {"model.loss", "rmse", false},
    {"model.warmup", "0", false},
    {"train.epochs", "50", false},
    {"train.batch", "0", false},
    {"train.learning_rate", "0.001", false},
    {"train.beta1", "0.9", false},
    {"train.beta2", "0.999", false},
    {"train.epsilon", "1e-7", false},
    {"train.patience", "0", false},
    {"train.threads", "1", false},
    {"train.backend", "auto", false},
    {"train.early_stop_on", "primary", false},
    {"train.auxiliary_head", "unscaled", false},
    {"grid.lambdas", "", true},
    {"grid.seeds", "", true},
    {"output.loss_curves", "false", false},
    {"output.predictions", "none", false},
    {"output.weights", "none", false},
};

/// A raw value and where it came from, for error messages.
struct Raw {
  std::string value;
  std::string origin;
};

class Reader {
 public:
  explicit Reader(std::map<std::string, Raw> raw) : raw_(std::move(raw)) {}

  const std::string& text(const std::string& key) const { return raw_.at(key).value; }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    const Raw& r = raw_.at(key);
    const auto dot = key.find('.');
    throw ConfigError(r.origin + ": [" + key.substr(0, dot) + "] " + key.substr(dot + 1) +
                      " = '" + r.value + "': " + why);
  }

  long integer(const std::string& key, long lo, long hi) const {
    const std::string& s = text(key);
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(s, &used);
    } catch (const std::exception&) {
      fail(key, "not an integer");
    }
    if (used != s.size()) fail(key, "not an integer");
    if (v < lo || v > hi) fail(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }

  double real(const std::string& key) const {
    const std::string& s = text(key);
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      fail(key, "not a number");
    }
    if (used != s.size() || !std::isfinite(v)) fail(key, "not a finite number");
    return v;
  }

  bool boolean(const std::string& key) const {
    static const std::map<std::string, bool> words = {
        {"true", true}, {"yes", true}, {"on", true}, {"1", true},
        {"false", false}, {"no", false}, {"off", false}, {"0", false}};
    const auto it = words.find(text(key));
    if (it == words.end()) fail(key, "not a boolean (true/false)");
    return it->second;
  }

  template <typename E>
  E choice(const std::string& key, const std::vector<std::pair<const char*, E>>& options) const {
    std::string names;
    for (const auto& [name, value] : options) {
      if (text(key) == name) return value;
      names += names.empty() ? name : std::string(" | ") + name;
    }
    fail(key, "must be one of " + names);
  }

  DateRange dates(const std::string& key) const {
    try {
      return parse_date_range(text(key));
    } catch (const std::invalid_argument& e) {
      fail(key, e.what());
    }
  }

 private:
  std::map<std::string, Raw> raw_;
};

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

po::options_description key_options() {
  po::options_description desc;
  for (const KeySpec& k : kKeys) desc.add_options()(k.name, po::value<std::string>());
  return desc;
}

/// Raw values: INI file first, command-line overrides win.
std::map<std::string, Raw> collect(std::istream& ini, const std::string& source,
                                   const std::vector<std::string>& overrides) {
  std::map<std::string, Raw> raw;
  po::variables_map vm;
  try {
    po::store(po::parse_config_file(ini, key_options(), /*allow_unregistered=*/false), vm);
  } catch (const po::error& e) {
    throw ConfigError(source + ": " + e.what());
  }
  for (const KeySpec& k : kKeys) {
    if (vm.count(k.name)) raw[k.name] = {vm[k.name].as<std::string>(), source};
  }
  for (const std::string& o : overrides) {
    const auto eq = o.find('=');
    const std::string key = o.substr(0, eq);
    const bool known = std::any_of(std::begin(kKeys), std::end(kKeys),
                                   [&](const KeySpec& k) { return key == k.name; });
    if (eq == std::string::npos || !known) {
      throw ConfigError("command line: unknown option '--" + key + "'");
    }
    raw[key] = {o.substr(eq + 1), "command line (--" + key + ")"};
  }
  for (const KeySpec& k : kKeys) {
    if (raw.count(k.name)) continue;
    if (k.required) {
      const std::string key = k.name;
      const auto dot = key.find('.');
      throw ConfigError(source + ": [" + key.substr(0, dot) + "] " + key.substr(dot + 1) +
                        " is required but missing");
    }
    raw[k.name] = {k.fallback, source + " (default)"};
  }
  return raw;
}

void read_experiment(const Reader& r, ExperimentConfig& e) {
  e.name = r.text("experiment.name");
  if (e.name.empty()) r.fail("experiment.name", "must not be empty");
  e.output = r.text("experiment.output");
  if (e.output.empty()) r.fail("experiment.output", "must not be empty");
  const std::vector<std::pair<const char*, Variable>> vars = {{"flow", Variable::flow},
                                                             {"temp", Variable::temp}};
  e.primary = r.choice("experiment.primary", vars);
  const std::string aux = r.text("experiment.auxiliary");
  e.has_auxiliary = aux != "none";
  if (e.has_auxiliary && aux != "flow" && aux != "temp") {
    // Any other series of the data file (checked against the file when the
    // data are read): it takes the temp slot, so flow must be primary.
    const bool name_ok = std::all_of(aux.begin(), aux.end(), [](unsigned char ch) {
      return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
    });
    if (aux.empty() || !name_ok || aux[0] == '_')
      r.fail("experiment.auxiliary", "not flow, temp, none or a variable name");
    if (e.primary != Variable::flow)
      r.fail("experiment.auxiliary", "a series other than flow or temp needs primary = flow");
    e.auxiliary = Variable::temp;
    e.aux_series = aux;
  } else if (e.has_auxiliary) {
    e.auxiliary = r.choice("experiment.auxiliary", vars);
    if (e.auxiliary == e.primary) r.fail("experiment.auxiliary", "must differ from primary");
  } else {
    e.auxiliary = e.primary == Variable::flow ? Variable::temp : Variable::flow;
  }
  e.scope = r.choice<Scope>("experiment.scope",
                            {{"single_site", Scope::single_site}, {"multi_site", Scope::multi_site}});
}

void read_data(const Reader& r, DataConfig& d) {
  d.file = r.text("data.file");
  if (d.file.empty()) r.fail("data.file", "must not be empty");
  d.sites_spec = r.text("data.sites");
  const std::vector<std::string> words = split_words(d.sites_spec);
  if (words.empty()) r.fail("data.sites", "must be 'all', site ids or @file");
  if (words.size() == 1 && (words[0] == "all" || words[0][0] == '@')) {
    if (words[0] != "all" && words[0].size() == 1) r.fail("data.sites", "@ needs a file name");
  } else {
    d.sites = words;
    if (std::set<std::string>(words.begin(), words.end()).size() != words.size()) {
      r.fail("data.sites", "duplicate site id");
    }
  }
  d.drivers = split_words(r.text("data.drivers"));
  if (std::set<std::string>(d.drivers.begin(), d.drivers.end()).size() != d.drivers.size()) {
    r.fail("data.drivers", "duplicate driver");
  }
  d.train = r.dates("data.train");
  d.val = r.dates("data.val");
  d.test = r.dates("data.test");
  if (d.val.first <= d.train.last) r.fail("data.val", "must start after the training period ends");
  if (d.test.first <= d.val.last) r.fail("data.test", "must start after the validation period ends");
  d.log_flow = r.boolean("data.log_flow");
  d.min_train_obs = static_cast<int>(r.integer("data.min_train_obs", 0, 1L << 30));
  d.train_stride = static_cast<int>(r.integer("data.train_stride", 0, 100000));
}

void read_model_train(const Reader& r, ModelConfig& m, TrainConfig& t) {
  m.hidden = static_cast<int>(r.integer("model.hidden", 1, 4096));
  m.seq_len = static_cast<int>(r.integer("model.seq_len", 1, 100000));
  m.loss = r.choice<LossKind>("model.loss", {{"rmse", LossKind::rmse},
                                             {"nnse", LossKind::nnse},
                                             {"nnse_samplewise", LossKind::nnse_samplewise}});
  m.warmup = static_cast<int>(r.integer("model.warmup", 0, 100000));
  if (m.warmup >= m.seq_len) r.fail("model.warmup", "must be smaller than model.seq_len (" +
                                                        std::to_string(m.seq_len) + ")");
  t.epochs = static_cast<int>(r.integer("train.epochs", 1, 1000000));
  t.batch = static_cast<int>(r.integer("train.batch", 0, 1000000));
  t.learning_rate = r.real("train.learning_rate");
  if (t.learning_rate <= 0) r.fail("train.learning_rate", "must be > 0");
  t.beta1 = r.real("train.beta1");
  if (t.beta1 < 0 || t.beta1 >= 1) r.fail("train.beta1", "must be in [0, 1)");
  t.beta2 = r.real("train.beta2");
  if (t.beta2 < 0 || t.beta2 >= 1) r.fail("train.beta2", "must be in [0, 1)");
  t.epsilon = r.real("train.epsilon");
  if (t.epsilon <= 0) r.fail("train.epsilon", "must be > 0");
  t.patience = static_cast<int>(r.integer("train.patience", 0, 1000000));
  t.threads = static_cast<int>(r.integer("train.threads", 1, 4096));
  t.backend = r.choice<BackendChoice>("train.backend", {{"auto", BackendChoice::automatic},
                                                       {"kernels", BackendChoice::kernels},
                                                       {"onednn", BackendChoice::onednn}});
  t.early_stop_on = r.choice<StopOn>("train.early_stop_on",
                                     {{"primary", StopOn::primary}, {"total", StopOn::total}});
  t.auxiliary_head = r.choice<AuxHead>("train.auxiliary_head",
                                       {{"unscaled", AuxHead::unscaled}, {"scaled", AuxHead::scaled}});
}

/// The first value that occurs twice (lists can be long: sort, not pairwise).
template <class T>
const T* first_duplicate(const std::vector<T>& v) {
  std::vector<std::size_t> order(v.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  const T* dup = nullptr;
  std::size_t where = v.size();
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (v[order[i]] == v[order[i - 1]] && order[i] < where) {  // report the earliest repeat
      where = order[i];
      dup = &v[order[i]];
    }
  }
  return dup;
}

void read_grid(const Reader& r, GridConfig& g) {
  std::vector<std::string> words = split_words(r.text("grid.lambdas"));
  if (words.size() > kMaxLambdas) {
    r.fail("grid.lambdas", std::to_string(words.size()) + " values; at most " +
                               std::to_string(kMaxLambdas) + " are accepted");
  }
  for (const std::string& w : words) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(w, &used);
    } catch (const std::exception&) {
      r.fail("grid.lambdas", "'" + w + "' is not a number");
    }
    if (used != w.size() || !std::isfinite(v)) r.fail("grid.lambdas", "'" + w + "' is not a number");
    if (v < 0) r.fail("grid.lambdas", "'" + w + "' is negative");
    g.lambdas.push_back(v);
  }
  if (const double* dup = first_duplicate(g.lambdas)) {
    r.fail("grid.lambdas", "duplicate value '" + words[dup - g.lambdas.data()] + "'");
  }
  if (g.lambdas.empty()) r.fail("grid.lambdas", "empty list");
  try {
    g.seeds = parse_seed_list(r.text("grid.seeds"));
  } catch (const std::invalid_argument& e) {
    r.fail("grid.seeds", e.what());
  }
}

std::string join_words(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

const char* to_string(Variable v) { return v == Variable::flow ? "flow" : "temp"; }
const char* units_of(Variable v) { return v == Variable::flow ? "m3 s-1" : "degC"; }

std::string variable_name(const ExperimentConfig& e, Variable v) {
  return v == Variable::temp && !e.aux_series.empty() ? e.aux_series : to_string(v);
}
const char* to_string(Scope s) { return s == Scope::single_site ? "single_site" : "multi_site"; }
const char* to_string(LossKind k) {
  return k == LossKind::rmse ? "rmse" : k == LossKind::nnse ? "nnse" : "nnse_samplewise";
}
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
  const Reader r(collect(in, source, overrides));
  Config cfg;
  read_experiment(r, cfg.experiment);
  read_data(r, cfg.data);
  read_model_train(r, cfg.model, cfg.train);
  read_grid(r, cfg.grid);
  cfg.output.loss_curves = r.boolean("output.loss_curves");
  cfg.output.predictions = r.choice<PredictionOutput>(
      "output.predictions",
      {{"none", PredictionOutput::none}, {"test", PredictionOutput::test}, {"all", PredictionOutput::all}});
  cfg.output.weights = r.choice<WeightsOutput>(
      "output.weights", {{"none", WeightsOutput::none}, {"final", WeightsOutput::final}});
  cfg.source = source;
  cfg.ini_text = ini_text;
  cfg.overrides = overrides;
  return cfg;
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const KeySpec& s : kKeys) k.push_back(s.name);
    return k;
  }();
  return keys;
}

std::string effective_ini(const Config& c) {
  std::vector<std::string> lambdas, seeds;
  for (double l : c.grid.lambdas) lambdas.push_back(format_number(l));
  for (int s : c.grid.seeds) seeds.push_back(std::to_string(s));
  const auto range = [](const DateRange& d) { return format_date(d.first) + ":" + format_date(d.last); };
  const std::map<std::string, std::string> v = {
      {"experiment.name", c.experiment.name},
      {"experiment.output", c.experiment.output},
      {"experiment.primary", to_string(c.experiment.primary)},
      {"experiment.auxiliary",
       c.experiment.has_auxiliary ? variable_name(c.experiment, c.experiment.auxiliary) : "none"},
      {"experiment.scope", to_string(c.experiment.scope)},
      {"data.file", c.data.file},
      {"data.sites", c.data.sites_spec},
      {"data.drivers", join_words(c.data.drivers)},
      {"data.train", range(c.data.train)},
      {"data.val", range(c.data.val)},
      {"data.test", range(c.data.test)},
      {"data.log_flow", c.data.log_flow ? "true" : "false"},
      {"data.min_train_obs", std::to_string(c.data.min_train_obs)},
      {"data.train_stride", std::to_string(c.data.train_stride)},
      {"model.hidden", std::to_string(c.model.hidden)},
      {"model.seq_len", std::to_string(c.model.seq_len)},
      {"model.loss", to_string(c.model.loss)},
      {"model.warmup", std::to_string(c.model.warmup)},
      {"train.epochs", std::to_string(c.train.epochs)},
      {"train.batch", std::to_string(c.train.batch)},
      {"train.learning_rate", format_number(c.train.learning_rate)},
      {"train.beta1", format_number(c.train.beta1)},
      {"train.beta2", format_number(c.train.beta2)},
      {"train.epsilon", format_number(c.train.epsilon)},
      {"train.patience", std::to_string(c.train.patience)},
      {"train.threads", std::to_string(c.train.threads)},
      {"train.backend", to_string(c.train.backend)},
      {"train.early_stop_on", to_string(c.train.early_stop_on)},
      {"train.auxiliary_head", to_string(c.train.auxiliary_head)},
      {"grid.lambdas", join_words(lambdas)},
      {"grid.seeds", join_words(seeds)},
      {"output.loss_curves", c.output.loss_curves ? "true" : "false"},
      {"output.predictions", to_string(c.output.predictions)},
      {"output.weights", to_string(c.output.weights)},
  };
  std::string out, section;
  for (const KeySpec& k : kKeys) {
    const std::string key = k.name;
    const auto dot = key.find('.');
    if (key.substr(0, dot) != section) {
      section = key.substr(0, dot);
      out += (out.empty() ? "[" : "\n[") + section + "]\n";
    }
    out += key.substr(dot + 1) + " = " + v.at(key) + "\n";
  }
  return out;
}

}  // namespace mtl
