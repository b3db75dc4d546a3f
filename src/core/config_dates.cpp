// "YYYY-MM-DD" text <-> days since 1970-01-01, for configuration values. The
// calendar arithmetic itself is the data layer's (dataset.hpp).
#include <cstdio>
#include <stdexcept>
#include <string>

#include "mtl/config.hpp"
#include "mtl/dataset.hpp"

namespace mtl {

int32_t parse_date(const std::string& text) {
  int y = 0, m = 0, d = 0, used = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
      used != 10 || text[4] != '-' || text[7] != '-') {
    throw std::invalid_argument("'" + text + "' is not a date YYYY-MM-DD");
  }
  if (!valid_civil(y, m, d)) throw std::invalid_argument("'" + text + "' is not a calendar date");
  return days_from_civil(y, m, d);
}

std::string format_date(int32_t day) { return iso_date(day); }

DateRange parse_date_range(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("not a date range YYYY-MM-DD:YYYY-MM-DD");
  }
  DateRange r{parse_date(text.substr(0, colon)), parse_date(text.substr(colon + 1))};
  if (r.last < r.first) throw std::invalid_argument("range ends before it starts");
  return r;
}

}  // namespace mtl
