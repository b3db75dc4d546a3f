// The table of configuration keys (config_table.hpp), assembled from the
// sections' rows, and the checks every row shares.
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "config_table.hpp"
#include "mtl/errors.hpp"

namespace mtl {

const std::vector<ConfigKey>& config_table() {
  static const std::vector<ConfigKey> table = [] {
    std::vector<ConfigKey> t;
    for (auto rows : {experiment_data_keys(), model_train_keys(), grid_output_keys()})
      t.insert(t.end(), rows.begin(), rows.end());
    return t;
  }();
  return table;
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const ConfigKey& row : config_table()) k.push_back(row.id());
    return k;
  }();
  return keys;
}

void KeyText::fail(const std::string& why) const {
  const auto dot = key_.find('.');
  throw ConfigError(origin_ + ": [" + key_.substr(0, dot) + "] " + key_.substr(dot + 1) + " = '" + value_ +
                    "': " + why);
}

long KeyText::integer(long lo, long hi) const {
  std::size_t used = 0;
  long v = 0;
  try {
    v = std::stol(value_, &used);
  } catch (const std::exception&) {
    fail("not an integer");
  }
  if (used != value_.size()) fail("not an integer");
  if (v < lo || v > hi) fail("must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

double KeyText::real() const {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value_, &used);
  } catch (const std::exception&) {
    fail("not a number");
  }
  if (used != value_.size() || !std::isfinite(v)) fail("not a finite number");
  return v;
}

bool KeyText::boolean() const {
  static const std::map<std::string, bool> words = {
      {"true", true}, {"yes", true}, {"on", true}, {"1", true},
      {"false", false}, {"no", false}, {"off", false}, {"0", false}};
  const auto it = words.find(value_);
  if (it == words.end()) fail("not a boolean (true/false)");
  return it->second;
}

DateRange KeyText::dates() const {
  try {
    return parse_date_range(value_);
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace mtl
