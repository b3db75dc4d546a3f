// `mtl_mpi --help-config`: the table of configuration keys as text, or as the
// Markdown table of docs/config.md (a test keeps that file equal to this output).
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "config_table.hpp"

namespace mtl {
namespace {

/// The shortest decimal text that reads back to the same double (1e-07, not
/// effective_ini's 9.9999999999999995e-08).
std::string shortest(double v) {
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

/// The default a missing key takes, for people: "(required)" or the value.
std::string default_text(const ConfigKey& row) {
  if (row.required) return "(required)";
  const std::string v = row.write(Config{});
  if (row.type == "number") return shortest(std::strtod(v.c_str(), nullptr));
  return v.empty() ? "(empty)" : v;
}

/// `text` in lines of at most `width` characters, each after `indent` spaces.
std::string wrap(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out, line;
  for (const std::string& w : split_words(text)) {
    if (!line.empty() && line.size() + 1 + w.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + w;
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  return out;
}

std::string pad(const std::string& s, std::size_t n) { return s.size() >= n ? s + " " : s + std::string(n - s.size(), ' '); }

/// A Markdown table cell: '|' would end the cell.
std::string cell(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

}  // namespace

std::string config_help_text() {
  std::ostringstream s;
  s << "Configuration keys: [section] key = value in CONFIG.ini; --section.key value on the\n"
       "command line overrides the file. A key that is not given takes its default.\n\n  "
    << pad("key", 16) << pad("type", 9) << pad("default", 24) << "allowed\n      meaning\n";
  std::string section;
  for (const ConfigKey& row : config_table()) {
    if (row.section != section) {
      section = row.section;
      s << "\n[" << section << "]\n";
    }
    s << "  " << pad(row.name, 16) << pad(row.type, 9) << pad(default_text(row), 24) << row.range << "\n"
      << wrap(row.help, 6, 84);
  }
  return s.str();
}

std::string config_help_markdown() {
  std::ostringstream s;
  s << "| section | key | type | default | allowed | meaning |\n|---|---|---|---|---|---|\n";
  for (const ConfigKey& row : config_table()) {
    const std::string d = default_text(row);
    s << "| " << row.section << " | `" << row.name << "` | " << row.type << " | "
      << (row.required || d == "(empty)" ? d : "`" + d + "`") << " | " << cell(row.range) << " | "
      << cell(row.help) << " |\n";
  }
  return s.str();
}

}  // namespace mtl
