#pragma once
// The table of configuration keys (internal to config*.cpp). One row per key
// drives parsing and validation, unknown-key refusal, the command-line
// overrides, effective_ini and `mtl_mpi --help-config` (docs/config.md).
//
// Adding a key: a field (with its default) in include/mtl/config.hpp and one
// row in the section's config_keys_*.cpp. The default a missing key takes is
// the field's default, written by the row: there is no second default.
#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mtl/config.hpp"

namespace mtl {

/// One key's raw text and where it came from. Every check fails with one line
/// "<origin>: [section] key = '<value>': <why>".
class KeyText {
 public:
  KeyText(std::string key, std::string value, std::string origin)
      : key_(std::move(key)), value_(std::move(value)), origin_(std::move(origin)) {}
  const std::string& text() const { return value_; }
  [[noreturn]] void fail(const std::string& why) const;
  long integer(long lo, long hi) const;
  double real() const;  // finite
  bool boolean() const;
  DateRange dates() const;
  template <class E>
  E choice(const std::vector<std::pair<const char*, E>>& options) const {
    for (const auto& [name, value] : options) {
      if (value_ == name) return value;
    }
    fail("must be one of " + choice_names(options));
  }
  template <class E>
  static std::string choice_names(const std::vector<std::pair<const char*, E>>& options) {
    std::string names;
    for (const auto& option : options) names += (names.empty() ? "" : " | ") + std::string(option.first);
    return names;
  }

 private:
  std::string key_, value_, origin_;
};

/// One row. Rows are read in table order, so a row may check against keys above it.
struct ConfigKey {
  std::string section, name;
  std::string type;   // integer, number, boolean, text, choice, dates, list
  std::string range;  // allowed values, as --help-config shows them
  bool required;      // no default: the INI or the command line must give it
  std::string help;   // one line, Markdown `code` allowed
  std::function<void(const KeyText&, Config&)> read;  // parse and validate into the Config
  std::function<std::string(const Config&)> write;    // the resolved value, as effective_ini writes it
  std::string id() const { return section + "." + name; }
};

/// The whole table, in the order effective_ini writes it (config_keys.cpp).
const std::vector<ConfigKey>& config_table();
/// The sections' rows.
std::vector<ConfigKey> experiment_data_keys();  // [experiment], [data]: config_keys_experiment.cpp
std::vector<ConfigKey> model_train_keys();      // [model], [train]: config_keys_train.cpp
std::vector<ConfigKey> grid_output_keys();      // [grid], [output]: config_keys_grid.cpp

/// %.17g: reads back to the same double.
std::string format_number(double v);
std::string join_words(const std::vector<std::string>& words);
std::vector<std::string> split_words(const std::string& s);

/// The first value that occurs twice, or nullptr (lists can be long: sort, not pairwise).
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

// Row builders for the common kinds. `field` is a generic lambda naming the
// Config member, e.g. [](auto& c) -> auto& { return c.train.epochs; }.

template <class Field>
ConfigKey integer_key(const char* section, const char* name, long lo, long hi, const char* help,
                      Field field) {
  return {section, name, "integer",
          "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]", false, help,
          [lo, hi, field](const KeyText& v, Config& c) { field(c) = static_cast<int>(v.integer(lo, hi)); },
          [field](const Config& c) { return std::to_string(field(c)); }};
}

/// A real in (0, inf) (positive = true) or in [0, 1).
template <class Field>
ConfigKey real_key(const char* section, const char* name, bool positive, const char* help, Field field) {
  return {section, name, "number", positive ? "> 0" : "[0, 1)", false, help,
          [positive, field](const KeyText& v, Config& c) {
            const double x = v.real();
            if (positive && x <= 0) v.fail("must be > 0");
            if (!positive && (x < 0 || x >= 1)) v.fail("must be in [0, 1)");
            field(c) = x;
          },
          [field](const Config& c) { return format_number(field(c)); }};
}

template <class Field>
ConfigKey boolean_key(const char* section, const char* name, const char* help, Field field) {
  return {section, name, "boolean", "true | false", false, help,
          [field](const KeyText& v, Config& c) { field(c) = v.boolean(); },
          [field](const Config& c) { return std::string(field(c) ? "true" : "false"); }};
}

/// One of a list of words; the effective value is the option's word.
template <class E, class Field>
ConfigKey choice_key(const char* section, const char* name,
                     std::vector<std::pair<const char*, E>> options, const char* help, Field field) {
  return {section, name, "choice", KeyText::choice_names(options), false, help,
          [options, field](const KeyText& v, Config& c) { field(c) = v.choice(options); },
          [options, field](const Config& c) {
            for (const auto& option : options) {
              if (option.second == field(c)) return std::string(option.first);
            }
            return std::string("?");
          }};
}

}  // namespace mtl
