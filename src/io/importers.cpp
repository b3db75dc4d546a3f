// CAMELS-US importer: basin-mean forcing + USGS streamflow files. The sample
// files were cut by line number, so the date is read from every line.
#include "mtl/importers.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <sstream>

#include "mtl/errors.hpp"
#include "importers_detail.hpp"

namespace mtl {
namespace fs = std::filesystem;
using importers_detail::fail_line;
using importers_detail::parse_file;
namespace {

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string tok; in >> tok;) out.push_back(tok);
  return out;
}

bool parse_number(const std::string& tok, double& out) {
  if (tok.empty()) return false;
  char* end = nullptr;
  out = std::strtod(tok.c_str(), &end);
  return end && *end == '\0';
}

int32_t parse_ymd(const std::string& source, long line, const std::string& y, const std::string& m,
                  const std::string& d) {
  double yy, mm, dd;
  if (!parse_number(y, yy) || !parse_number(m, mm) || !parse_number(d, dd) ||
      !valid_civil(static_cast<int>(yy), static_cast<int>(mm), static_cast<int>(dd)))
    fail_line(source, line, "bad date '" + y + " " + m + " " + d + "'");
  return days_from_civil(static_cast<int>(yy), static_cast<int>(mm), static_cast<int>(dd));
}

/// Forcing header token such as "PRCP(mm/day)" or "dayl(s)" -> Daymet name.
std::string canonical_driver(const std::string& source, const std::string& token) {
  std::string base = token.substr(0, token.find('('));
  std::transform(base.begin(), base.end(), base.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kKnown[] = {"dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"};
  for (const char* k : kKnown)
    if (base == k) return base;
  throw DataError(source + ":4: unknown forcing column '" + token + "'");
}

double header_number(std::istream& in, const std::string& source, long line, const char* what) {
  std::string s;
  double v = 0;
  const bool got = static_cast<bool>(std::getline(in, s));
  const auto tok = split_ws(s);
  if (!got || tok.size() != 1 || !parse_number(tok[0], v))
    fail_line(source, line, std::string("expected ") + what + ", got '" + s + "'");
  return v;
}

}  // namespace

std::string driver_units(const std::string& name) {
  static const std::map<std::string, std::string> kUnits = {
      {"dayl", "s"},     {"prcp", "mm/day"}, {"srad", "W/m2"}, {"swe", "mm"},
      {"tmax", "degC"},  {"tmin", "degC"},   {"vp", "Pa"},     {"tmean", "degC"}};
  const auto it = kUnits.find(name);
  return it == kUnits.end() ? "1" : it->second;
}

CamelsForcing parse_camels_forcing(std::istream& in, const std::string& source) {
  CamelsForcing f;
  f.latitude = header_number(in, source, 1, "latitude");
  f.elevation_m = header_number(in, source, 2, "elevation");
  f.area_m2 = header_number(in, source, 3, "area (m2)");
  std::string line;
  if (!std::getline(in, line)) fail_line(source, 4, "missing column header");
  const auto header = split_ws(line);
  if (header.size() < 5 || header[0] != "Year") fail_line(source, 4, "bad column header '" + line + "'");
  for (size_t i = 4; i < header.size(); ++i) {
    f.names.push_back(canonical_driver(source, header[i]));
    f.units.push_back(driver_units(f.names.back()));
  }
  f.values.resize(f.names.size());
  long n = 4;
  while (std::getline(in, line)) {
    ++n;
    const auto tok = split_ws(line);  // date fields by spaces or tabs, values by tabs
    if (tok.empty()) continue;
    if (tok.size() != header.size())
      fail_line(source, n, "expected " + std::to_string(header.size()) + " fields, got " +
                               std::to_string(tok.size()));
    const int32_t day = parse_ymd(source, n, tok[0], tok[1], tok[2]);
    if (!f.time.empty() && day != f.time.back() + 1)
      fail_line(source, n, "date " + iso_date(day) + " does not follow " + iso_date(f.time.back()));
    f.time.push_back(day);
    for (size_t c = 0; c < f.names.size(); ++c) {
      double v;
      if (!parse_number(tok[4 + c], v))
        fail_line(source, n, "bad value '" + tok[4 + c] + "' for " + f.names[c]);
      f.values[c].push_back(static_cast<float>(v));
    }
  }
  return f;
}

DailySeries parse_camels_streamflow(std::istream& in, const std::string& source) {
  DailySeries s;
  std::string line;
  long n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto tok = split_ws(line);
    if (tok.empty()) continue;
    if (tok.size() < 5) fail_line(source, n, "expected 'gauge YYYY MM DD Q flag', got '" + line + "'");
    const int32_t day = parse_ymd(source, n, tok[1], tok[2], tok[3]);
    if (!s.time.empty() && day <= s.time.back())
      fail_line(source, n, "date " + iso_date(day) + " not after " + iso_date(s.time.back()));
    double q;
    if (!parse_number(tok[4], q)) fail_line(source, n, "bad discharge '" + tok[4] + "'");
    s.time.push_back(day);
    // CAMELS marks missing days with -999 (flag M); any value <= -999 is that code.
    s.value.push_back(q <= -999.0 ? std::nanf("") : static_cast<float>(q * kCfsToM3s));
  }
  return s;
}

namespace {

/// file name of a site's CAMELS file under dir (recursive), "" if none.
std::string find_file(const std::string& dir, const std::string& site, const std::string& suffix) {
  if (!fs::is_directory(dir)) throw DataError(dir + ": not a directory");
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.rfind(site + "_", 0) == 0 && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return e.path().string();
  }
  return "";
}

}  // namespace

std::vector<std::string> camels_sites(const std::string& forcing_dir) {
  if (!fs::is_directory(forcing_dir)) throw DataError(forcing_dir + ": not a directory");
  std::vector<std::string> sites;
  const std::string suffix = "_forcing_leap.txt";
  for (const auto& e : fs::recursive_directory_iterator(forcing_dir)) {
    const std::string name = e.path().filename().string();
    const auto lump = name.find("_lump_");
    if (e.is_regular_file() && lump != std::string::npos && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      sites.push_back(name.substr(0, lump));
  }
  std::sort(sites.begin(), sites.end());
  sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
  return sites;
}

DataSet import_camels(const std::string& forcing_dir, const std::string& streamflow_dir,
                      const std::vector<std::string>& sites_in) {
  const std::vector<std::string> sites = sites_in.empty() ? camels_sites(forcing_dir) : sites_in;
  if (sites.empty()) throw DataError(forcing_dir + ": no *_lump_*_forcing_leap.txt files");
  std::vector<CamelsForcing> forcing;
  std::vector<DailySeries> flow;
  for (const auto& site : sites) {
    const std::string ff = find_file(forcing_dir, site, "_forcing_leap.txt");
    if (ff.empty()) throw DataError(forcing_dir + ": no forcing file for site '" + site + "'");
    const std::string qf = find_file(streamflow_dir, site, "_streamflow_qc.txt");
    if (qf.empty()) throw DataError(streamflow_dir + ": no streamflow file for site '" + site + "'");
    forcing.push_back(parse_file(ff, parse_camels_forcing));
    if (forcing.back().time.empty()) throw DataError(ff + ": no data lines");
    if (forcing.back().names != forcing.front().names)
      throw DataError(ff + ": forcing columns differ from the first site's file");
    flow.push_back(parse_file(qf, parse_camels_streamflow));
  }
  DataSet ds;
  int32_t first = forcing[0].time.front(), last = forcing[0].time.back();
  for (const auto& f : forcing) {
    first = std::min(first, f.time.front());
    last = std::max(last, f.time.back());
  }
  for (int32_t t = first; t <= last; ++t) ds.time.push_back(t);
  const size_t nt = ds.time.size(), cells = sites.size() * nt;
  ds.site_ids = sites;
  ds.driver_names = forcing[0].names;
  ds.driver_units = forcing[0].units;
  ds.drivers.assign(ds.driver_names.size(), std::vector<float>(cells, std::nanf("")));
  ds.flow.assign(cells, std::nanf(""));
  ds.temp.assign(cells, std::nanf(""));  // CAMELS has no water temperature
  for (size_t s = 0; s < sites.size(); ++s) {
    ds.latitude.push_back(forcing[s].latitude);
    for (size_t c = 0; c < ds.driver_names.size(); ++c)
      for (size_t i = 0; i < forcing[s].time.size(); ++i)
        ds.drivers[c][s * nt + (forcing[s].time[i] - first)] = forcing[s].values[c][i];
    for (size_t i = 0; i < flow[s].time.size(); ++i)
      if (flow[s].time[i] >= first && flow[s].time[i] <= last)
        ds.flow[s * nt + (flow[s].time[i] - first)] = flow[s].value[i];
  }
  return ds;
}

}  // namespace mtl
