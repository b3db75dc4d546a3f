// Calendar dates <-> days since 1970-01-01 (proleptic Gregorian), after
// H. Hinnant's public-domain "chrono-compatible low-level date algorithms".
#include <cstdio>
#include <stdexcept>
#include <string>

#include "mtl/config.hpp"

namespace mtl {
namespace {

int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);             // [0, 399]
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;   // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

int32_t parse_date(const std::string& text) {
  int y = 0, m = 0, d = 0, used = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
      used != 10 || text[4] != '-' || text[7] != '-') {
    throw std::invalid_argument("'" + text + "' is not a date YYYY-MM-DD");
  }
  static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > month_days[m - 1] + (m == 2 && leap(y))) {
    throw std::invalid_argument("'" + text + "' is not a calendar date");
  }
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string format_date(int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int y = static_cast<int>(yoe) + era * 400 + (m <= 2);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

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
