#pragma once
// Internal to the importers (importers.cpp: CAMELS, importers_csv.cpp: wide
// CSV, importers_attributes.cpp, importers_drb.cpp): how a text file is opened,
// split and cleaned, and how a bad line is reported.
#include <fstream>
#include <string>
#include <vector>

#include "mtl/dataset.hpp"
#include "mtl/errors.hpp"

namespace mtl::importers_detail {

/// DataError "<source>:<line>: <what>".
[[noreturn]] inline void fail_line(const std::string& source, long line, const std::string& what) {
  throw DataError(source + ":" + std::to_string(line) + ": " + what);
}

/// parser(stream, path) on the file at path; DataError when it cannot be opened.
template <typename Parser>
auto parse_file(const std::string& path, Parser parser) {
  std::ifstream in(path);
  if (!in) throw DataError(path + ": cannot open");
  return parser(in, path);
}

/// Fields of one delimited line (no quoting rules: none of our tables quote
/// a separator); a trailing '\r' is dropped.
inline std::vector<std::string> split_csv(const std::string& line, char sep = ',') {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == sep) out.emplace_back();
    else if (c != '\r') out.back() += c;
  }
  return out;
}

/// Strip surrounding quotes, the spreadsheet apostrophe and blanks.
inline std::string clean_id(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '"' || s[i] == '\'' || s[i] == '\t')) ++i;
  return s.substr(i);
}

/// The missing-value spellings of our sources (R's NA, pandas' NaN, empty).
inline bool is_missing(const std::string& s) {
  return s.empty() || s == "NA" || s == "NaN" || s == "nan" || s == "\"NA\"";
}

/// Appends driver dayl (s) from each site's latitude and the day of year
/// (the synthetic world's formula); DataError "<what>: ... (<hint>)" for a
/// site without latitude. Defined in importers_csv.cpp.
void add_dayl(DataSet& ds, const std::string& what, const std::string& hint);

/// A variable an importer writes: its name, UDUNITS units and long_name.
struct VariableSpec {
  const char* name;
  const char* units;
  const char* long_name;
};

}  // namespace mtl::importers_detail
