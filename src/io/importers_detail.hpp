#pragma once
// Internal to the importers (importers.cpp: CAMELS, importers_csv.cpp: wide
// CSV): how a text file is opened and how a bad line is reported.
#include <fstream>
#include <string>

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

}  // namespace mtl::importers_detail
