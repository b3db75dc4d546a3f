// Wide-CSV importer (e.g. the 410-site NWIS water temperature / discharge /
// PRISM air temperature tables): one row per day, one column per site.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <map>

#include "mtl/errors.hpp"
#include "mtl/importers.hpp"
#include "mtl/synth.hpp"
#include "importers_detail.hpp"

namespace mtl {
using importers_detail::clean_id;
using importers_detail::fail_line;
using importers_detail::is_missing;
using importers_detail::parse_file;
using importers_detail::split_csv;
namespace {

/// "M/D/YYYY" or "YYYY-MM-DD"; -> false when neither.
bool parse_csv_date(const std::string& s, int32_t& day) {
  int a = 0, b = 0, c = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%d/%d/%d%c", &a, &b, &c, &tail) == 3 && valid_civil(c, a, b)) {
    day = days_from_civil(c, a, b);
    return true;
  }
  if (std::sscanf(s.c_str(), "%d-%d-%d%c", &a, &b, &c, &tail) == 3 && valid_civil(a, b, c)) {
    day = days_from_civil(a, b, c);
    return true;
  }
  return false;
}

/// row(n, line, fields) for each line of a small CSV file (n counts from 1)
/// that is not blank.
template <typename Row>
void for_each_row(std::istream& in, Row row) {
  std::string line;
  long n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto f = split_csv(line);
    if (f.size() == 1 && clean_id(f[0]).empty()) continue;
    row(n, line, f);
  }
}

}  // namespace

WideTable parse_wide_csv(std::istream& in, const std::string& source) {
  WideTable t;
  std::string line;
  if (!std::getline(in, line)) throw DataError(source + ": empty file");
  const auto header = split_csv(line);
  std::vector<int> keep;  // header positions of site columns
  for (size_t i = 1; i < header.size(); ++i) {
    const std::string name = clean_id(header[i]);
    if (name == "MonYr" || name == "monyr") continue;
    keep.push_back(static_cast<int>(i));
    t.columns.push_back(name);
  }
  t.values.resize(keep.size());
  long n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line == "\r") continue;
    const auto f = split_csv(line);
    if (f.size() != header.size())
      fail_line(source, n, std::to_string(f.size()) + " fields, header has " + std::to_string(header.size()));
    int32_t day;
    if (!parse_csv_date(clean_id(f[0]), day)) fail_line(source, n, "bad date '" + f[0] + "'");
    t.time.push_back(day);
    for (size_t k = 0; k < keep.size(); ++k) {
      const std::string v = clean_id(f[keep[k]]);
      double x = std::nan("");
      if (!is_missing(v)) {
        char* end = nullptr;
        x = std::strtod(v.c_str(), &end);
        if (!end || *end != '\0')
          fail_line(source, n, "bad value '" + v + "' in column " + t.columns[k] + " on " + iso_date(day));
      }
      t.values[k].push_back(x);
    }
  }
  return t;
}

std::vector<std::pair<std::string, std::string>> parse_sitelist(std::istream& in,
                                                                const std::string& source) {
  std::vector<std::pair<std::string, std::string>> out;
  for_each_row(in, [&](long n, const std::string& line, const std::vector<std::string>& f) {
    if (f.size() < 2) fail_line(source, n, "expected 'column,site', got '" + line + "'");
    if (n == 1 && clean_id(f[0]) == "ID") return;  // header
    out.emplace_back(clean_id(f[0]), clean_id(f[1]));
  });
  return out;
}

std::vector<SiteCoord> parse_coords(std::istream& in, const std::string& source) {
  std::vector<SiteCoord> out;
  for_each_row(in, [&](long n, const std::string& line, const std::vector<std::string>& f) {
    char* e1 = nullptr;
    char* e2 = nullptr;
    SiteCoord c;
    if (f.size() >= 3) {
      c.lat = std::strtod(f[0].c_str(), &e1);
      c.lon = std::strtod(f[1].c_str(), &e2);
    }
    if (f.size() < 3 || *e1 != '\0' || *e2 != '\0' || std::fabs(c.lat) > 90)
      fail_line(source, n, "expected 'lat,lon,site_no', got '" + line + "'");
    c.site_id = clean_id(f[2]);
    out.push_back(c);
  });
  return out;
}

namespace {

struct Placed {
  const WideTable* table;
  std::string file;
};

/// Copy a table's site columns onto the data-set grid [site * nt + t], scaled.
void place(const WideTable& tab, const std::string& file, const std::vector<std::string>& columns,
           const std::vector<std::string>& ids, int32_t first, size_t nt, double factor,
           std::vector<float>& dst) {
  std::map<std::string, size_t> col;
  for (size_t k = 0; k < tab.columns.size(); ++k) col.emplace(tab.columns[k], k);
  std::vector<char> seen(nt, 0);
  for (size_t r = 0; r < tab.time.size(); ++r) {
    const size_t t = static_cast<size_t>(tab.time[r] - first);
    if (seen[t]) throw DataError(file + ": date " + iso_date(tab.time[r]) + " appears twice");
    seen[t] = 1;
  }
  for (size_t s = 0; s < columns.size(); ++s) {
    const auto it = col.find(columns[s]);
    if (it == col.end())
      throw DataError(file + ": column '" + columns[s] + "' (site " + ids[s] + ") missing");
    const auto& v = tab.values[it->second];
    for (size_t r = 0; r < tab.time.size(); ++r)
      dst[s * nt + static_cast<size_t>(tab.time[r] - first)] = static_cast<float>(v[r] * factor);
  }
}

double flow_factor(const std::string& units) {
  if (units == "cfs" || units == "ft3/s") return kCfsToM3s;
  if (units == "m3/s" || units == "m3s" || units == "cms" || units == "m3 s-1") return 1.0;
  throw DataError("import-csv: --flow-units '" + units + "' unknown (cfs or m3/s)");
}

}  // namespace

void importers_detail::add_dayl(DataSet& ds, const std::string& what, const std::string& hint) {
  const size_t nt = ds.time.size();
  std::vector<float> dayl(ds.site_ids.size() * nt);
  for (size_t s = 0; s < ds.site_ids.size(); ++s) {
    if (std::isnan(ds.latitude[s]))
      throw DataError(what + ": --dayl-from-latitude: no latitude for site " + ds.site_ids[s] + " (" + hint + ")");
    for (size_t t = 0; t < nt; ++t)
      dayl[s * nt + t] = static_cast<float>(day_length_seconds(ds.latitude[s], day_of_year(ds.time[t])));
  }
  ds.driver_names.push_back("dayl");
  ds.driver_units.push_back("s");
  ds.drivers.push_back(std::move(dayl));
}

DataSet import_csv(const CsvImportOptions& opt, std::vector<std::string>* warnings) {
  const double qf = flow_factor(opt.flow_units);
  WideTable flow, temp;
  std::vector<WideTable> drv;
  std::vector<Placed> all;
  if (!opt.flow_file.empty()) {
    flow = parse_file(opt.flow_file, parse_wide_csv);
    all.push_back({&flow, opt.flow_file});
  }
  if (!opt.temp_file.empty()) {
    temp = parse_file(opt.temp_file, parse_wide_csv);
    all.push_back({&temp, opt.temp_file});
  }
  drv.reserve(opt.drivers.size());  // `all` keeps pointers into drv: no reallocation
  for (const auto& [name, file] : opt.drivers) {
    drv.push_back(parse_file(file, parse_wide_csv));
    all.push_back({&drv.back(), file});
  }
  if (all.empty()) throw DataError("import-csv: give at least one of --flow, --temp, --driver");
  std::vector<std::string> columns, ids;
  if (!opt.sitelist.empty()) {
    for (const auto& [c, s] : parse_file(opt.sitelist, parse_sitelist)) {
      columns.push_back(c);
      ids.push_back(s);
    }
  } else {
    columns = ids = all[0].table->columns;
  }
  int32_t first = INT32_MAX, last = INT32_MIN;
  for (const auto& p : all)
    for (int32_t d : p.table->time) {
      first = std::min(first, d);
      last = std::max(last, d);
    }
  if (first > last) throw DataError(all[0].file + ": no data rows");
  DataSet ds;
  for (int32_t d = first; d <= last; ++d) ds.time.push_back(d);
  const size_t nt = ds.time.size(), cells = ids.size() * nt;
  ds.site_ids = ids;
  ds.flow.assign(cells, std::nanf(""));
  ds.temp.assign(cells, std::nanf(""));
  if (!opt.flow_file.empty()) place(flow, opt.flow_file, columns, ids, first, nt, qf, ds.flow);
  if (!opt.temp_file.empty()) place(temp, opt.temp_file, columns, ids, first, nt, 1.0, ds.temp);
  for (size_t k = 0; k < drv.size(); ++k) {
    ds.driver_names.push_back(opt.drivers[k].first);
    ds.driver_units.push_back(driver_units(opt.drivers[k].first));
    ds.drivers.emplace_back(cells, std::nanf(""));
    place(drv[k], opt.drivers[k].second, columns, ids, first, nt, 1.0, ds.drivers.back());
  }
  ds.latitude.assign(ids.size(), std::nan(""));
  if (!opt.coords.empty()) {
    std::map<std::string, double> lat;
    for (const auto& c : parse_file(opt.coords, parse_coords)) lat[c.site_id] = c.lat;
    for (size_t s = 0; s < ids.size(); ++s)
      if (lat.count(ids[s])) ds.latitude[s] = lat[ids[s]];
  }
  if (opt.dayl_from_latitude) importers_detail::add_dayl(ds, "import-csv", "give --coords");
  if (!opt.attributes.empty()) {
    std::vector<std::string> w;
    ds.attributes = gages_attributes(opt.attributes, columns, ids, w);
    if (warnings) warnings->insert(warnings->end(), w.begin(), w.end());
  }
  return ds;
}

}  // namespace mtl
