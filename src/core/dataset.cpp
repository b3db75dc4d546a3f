// DataSet lookups and the civil-calendar helpers used by the data layer.
#include "mtl/dataset.hpp"

#include <cstdio>

#include "mtl/errors.hpp"

namespace mtl {

int DataSet::site_index(const std::string& id) const {
  for (int i = 0; i < n_sites(); ++i)
    if (site_ids[i] == id) return i;
  return -1;
}

int DataSet::driver_index(const std::string& name) const {
  for (int i = 0; i < n_drivers(); ++i)
    if (driver_names[i] == name) return i;
  return -1;
}

int DataSet::extra_index(const std::string& name) const {
  for (size_t i = 0; i < extras.size(); ++i)
    if (extras[i].name == name) return static_cast<int>(i);
  return -1;
}

int DataSet::attribute_index(const std::string& name) const {
  for (size_t i = 0; i < attributes.size(); ++i)
    if (attributes[i].name == name) return static_cast<int>(i);
  return -1;
}

void DataSet::check_shape(const std::string& source) const {
  const size_t cells = static_cast<size_t>(n_sites()) * static_cast<size_t>(n_time());
  auto fail = [&](const std::string& what) { throw DataError(source + ": " + what); };
  if (latitude.size() != site_ids.size()) fail("latitude has a length other than site_id");
  if (driver_units.size() != driver_names.size()) fail("driver_units differ from driver_names");
  if (drivers.size() != driver_names.size()) fail("driver arrays differ from driver_names");
  for (int c = 0; c < n_drivers(); ++c)
    if (drivers[c].size() != cells) fail("driver '" + driver_names[c] + "' has wrong size");
  if (flow.size() != cells) fail("flow has wrong size");
  if (temp.size() != cells) fail("temp has wrong size");
  for (const auto& e : extras)
    if (e.values.size() != cells) fail("series '" + e.name + "' has wrong size");
  for (const auto& v : site_values)
    if (v.values.size() != site_ids.size()) fail("site value '" + v.name + "' has wrong size");
  for (const auto& v : attributes)
    if (v.values.size() != site_ids.size()) fail("attribute '" + v.name + "' has wrong size");
  for (int t = 1; t < n_time(); ++t)
    if (time[t] != time[t - 1] + 1)
      fail("time axis not consecutive days at " + iso_date(time[t - 1]) + " -> " +
           iso_date(time[t]));
}

// Hinnant's days-from-civil algorithm: shift the year to start in March so
// the leap day is the last day of the (shifted) year, then count 400-year eras.
int32_t days_from_civil(int year, int month, int day) {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;                                        // [0, 399]
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;               // [0, 146096]
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int32_t days) {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  CivilDate c;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp + (mp < 10 ? 3 : -9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  return c;
}

bool valid_civil(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const CivilDate c = civil_from_days(days_from_civil(year, month, day));
  return c.year == year && c.month == month && c.day == day;
}

int day_of_year(int32_t days) {
  const CivilDate c = civil_from_days(days);
  return days - days_from_civil(c.year, 1, 1) + 1;
}

std::string iso_date(int32_t days) {
  const CivilDate c = civil_from_days(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

}  // namespace mtl
