// Delaware River Basin importer: river-dl's zarr stores (Sadler et al. 2022
// used the full set) -> one data set. Observations are the targets; the PRMS
// meteorological drivers are the inputs; the PRMS-SNTemp outputs (simulated
// flow and water temperature) are kept as truth series, never inputs by
// default: feeding them would hand the LSTM a process model's answer.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "mtl/errors.hpp"
#include "mtl/importers.hpp"
#include "mtl/zarr.hpp"
#include "importers_detail.hpp"

namespace mtl {
namespace fs = std::filesystem;
using importers_detail::parse_file;
namespace {

constexpr double kAcreToKm2 = 4046.8564224e-6;  // international acre, exact

using Var = importers_detail::VariableSpec;
// test_data/ arrays with dims (segs_test, times_test).
constexpr Var kDrivers[] = {
    // PRMS keeps inches; river-dl's pipeline stores metres per day (mean 3.9e-3
    // over 2003-2006, i.e. 1.4 m yr-1, the basin's wet years; inches would be 0.04 m yr-1).
    {"seg_rain", "m d-1", "rain on the segment (PRMS driver, river-dl units)"},
    {"seg_tave_air", "degC", "mean air temperature over the segment (PRMS driver)"},
    {"seg_humid", "1", "relative humidity fraction (PRMS driver)"},
};
constexpr Var kPrmsOutputs[] = {
    {"seg_outflow", "m3 s-1", "PRMS-SNTemp simulated outflow: a process model's output, not an observation"},
    {"seg_tave_water", "degC", "PRMS-SNTemp simulated water temperature: a process model's output, not an observation"},
};
constexpr Var kSlope = {"seg_slope", "1", "segment slope, rise over run (PRMS)"};

// PRMS parameters of test_seg_attr.csv; units from the PRMS-IV manual
// (Markstrom et al. 2015) as the NHM sets them (elevation in m, temperature
// adjustments in degF). Areas are converted from acres to km2 on import.
constexpr Var kPrmsParams[] = {
    {"soil_moist_max", "in", "maximum water in the capillary reservoir"},
    {"soil_rechr_max", "in", "maximum water in the recharge zone"},
    {"cov_type", "1", "vegetation cover type code (0 bare .. 4 coniferous)"},
    {"soil_type", "1", "soil type code (1 sand, 2 loam, 3 clay)"},
    {"covden_sum", "1", "summer vegetation cover density fraction"},
    {"covden_win", "1", "winter vegetation cover density fraction"},
    {"rad_trncf", "1", "shortwave transmission fraction through the winter canopy"},
    {"srain_intcp", "in", "summer rain interception capacity"},
    {"wrain_intcp", "in", "winter rain interception capacity"},
    {"snow_intcp", "in", "snow interception capacity"},
    {"hru_percent_imperv", "1", "impervious fraction of the HRU"},
    {"hru_elev", "m", "mean HRU elevation"},
    {"hru_slope", "1", "mean HRU slope, rise over run"},
    {"hru_aspect", "degree", "mean HRU aspect"},
    {"jh_coef_hru", "degF", "Jensen-Haise PET air-temperature coefficient"},
    {"tmin_adj", "degF", "HRU minimum air temperature adjustment"},
    {"tmax_adj", "degF", "HRU maximum air temperature adjustment"},
    {"snarea_thresh", "in", "snow depletion curve threshold"},
    {"hru_deplcrv", "1", "snow depletion curve index"},
    {"hru_long", "degrees_east", "HRU centroid longitude"},
    {"hru_lat", "degrees_north", "HRU centroid latitude"},
    {"hru_x", "m", "HRU centroid x (Albers)"},
    {"hru_y", "m", "HRU centroid y (Albers)"},
    {"hru_area", "km2", "area of the HRUs draining directly to the segment (from acres); NOT the drainage area"},
    {"dprst_area", "km2", "surface-depression area (from acres)"},
    {"sro_to_dprst", "1", "fraction of pervious surface runoff flowing to depressions"},
    {"soil2gw_max", "in", "maximum soil water excess to groundwater per day"},
    {"fastcoef_lin", "d-1", "linear preferential-flow routing coefficient"},
    {"slowcoef_lin", "d-1", "linear gravity-reservoir routing coefficient"},
    {"gwflow_coef", "d-1", "groundwater outflow coefficient"},
    {"dprst_seep_rate_open", "d-1", "seepage coefficient of open depressions"},
    {"dprst_seep_rate_clos", "d-1", "seepage coefficient of closed depressions"},
    {"dprst_flow_coef", "d-1", "depression outflow coefficient"},
};

/// "days since YYYY-MM-DD[ hh:mm:ss]" -> the reference day; DataError otherwise.
int32_t days_since(const ZarrArray& t) {
  const auto it = t.attrs.find("units");
  const std::string units = it == t.attrs.end() ? "" : it->second;
  int y = 0, m = 0, d = 0, hh = 0, mm = 0, ss = 0;
  const int n = std::sscanf(units.c_str(), "days since %d-%d-%d %d:%d:%d", &y, &m, &d, &hh, &mm, &ss);
  if (n < 3 || !valid_civil(y, m, d) || hh != 0 || mm != 0 || ss != 0)
    throw DataError(t.path + "/.zattrs: units '" + units + "' (want 'days since YYYY-MM-DD')");
  return days_from_civil(y, m, d);
}

/// Whole number as a string ("2007"); DataError when not whole.
std::string integer_id(const std::string& where, double v) {
  if (!std::isfinite(v) || v != std::floor(v)) throw DataError(where + ": id " + std::to_string(v) + " is not an integer");
  return std::to_string(static_cast<long long>(v));
}

struct Axes {
  std::vector<std::string> segs;
  std::vector<int32_t> time;
};

Axes read_axes(const std::string& group) {
  const ZarrArray s = read_zarr_array(group + "/segs_test"), t = read_zarr_array(group + "/times_test");
  Axes a;
  for (double v : s.values) a.segs.push_back(integer_id(s.path, v));
  const int32_t ref = days_since(t);
  for (size_t i = 0; i < t.values.size(); ++i) {
    const double v = t.values[i];
    if (v != std::floor(v)) throw DataError(t.path + ": time[" + std::to_string(i) + "] = " + std::to_string(v) + " is not a whole day");
    a.time.push_back(ref + static_cast<int32_t>(v));
    if (i > 0 && a.time[i] != a.time[i - 1] + 1)
      throw DataError(t.path + ": not consecutive days at " + iso_date(a.time[i - 1]) + " -> " + iso_date(a.time[i]));
  }
  if (a.segs.empty() || a.time.empty()) throw DataError(group + ": no segments or no days");
  return a;
}

/// A (segs_test, times_test) array, [site * nt + t].
std::vector<double> grid_f64(const std::string& dir, const Axes& ax) {
  const ZarrArray a = read_zarr_array(dir);
  if (!a.dims.empty() && a.dims != std::vector<std::string>{"segs_test", "times_test"})
    throw DataError(dir + "/.zattrs: _ARRAY_DIMENSIONS [" + (a.dims.empty() ? "" : a.dims[0]) +
                    (a.dims.size() > 1 ? ", " + a.dims[1] : "") + "] (want [segs_test, times_test])");
  if (a.shape != std::vector<std::size_t>{ax.segs.size(), ax.time.size()})
    throw DataError(dir + "/.zarray: shape does not match segs_test x times_test (" + std::to_string(ax.segs.size()) +
                    " x " + std::to_string(ax.time.size()) + ")");
  return a.values;
}

/// The same as float32, the data set's type for series.
std::vector<float> grid(const std::string& dir, const Axes& ax) {
  const std::vector<double> v = grid_f64(dir, ax);
  return std::vector<float>(v.begin(), v.end());
}

/// True when every site's finite values are one number (a static series).
bool constant_per_site(const std::vector<double>& v, size_t nt) {
  for (size_t s = 0; s * nt < v.size(); ++s) {
    double first = std::nan("");
    for (size_t t = 0; t < nt; ++t) {
      const double x = v[s * nt + t];
      if (std::isnan(x)) continue;
      if (std::isnan(first)) first = x;
      else if (x != first) return false;
    }
  }
  return true;
}

void add_segment_attributes(DataSet& ds, const std::string& file, std::vector<std::string>& warn) {
  std::vector<std::string> keep;
  for (const Var& p : kPrmsParams) keep.push_back(p.name);
  const AttributeTable t = parse_file(file, [&](std::istream& in, const std::string& src) {
    return parse_attribute_table(in, src, ',', "seg_id_nat", keep);
  });
  std::vector<std::string> skipped;  // `index` is pandas' row number, not an attribute
  for (const auto& h : t.header)
    if (h != "seg_id_nat" && h != "index" && std::find(keep.begin(), keep.end(), h) == keep.end()) skipped.push_back(h);
  if (!skipped.empty()) {
    std::string list;
    for (const auto& h : skipped) list += " " + h;
    warn.push_back(file + ": columns without documented units left out:" + list);
  }
  std::map<std::string, size_t> row;  // seg_id_nat may be written "2007" or "2007.0"
  for (size_t r = 0; r < t.ids.size(); ++r) {
    char* end = nullptr;
    const double v = std::strtod(t.ids[r].c_str(), &end);
    row[*end == '\0' && v == std::floor(v) ? integer_id(file, v) : t.ids[r]] = r;
  }
  std::vector<long> site_row;
  for (const auto& id : ds.site_ids) {
    const auto it = row.find(id);
    site_row.push_back(it == row.end() ? -1 : static_cast<long>(it->second));
    if (it == row.end()) warn.push_back("segment " + id + ": no row in " + file + " (its attributes are NaN)");
  }
  for (const Var& p : kPrmsParams) {
    const auto c = std::find(t.columns.begin(), t.columns.end(), p.name);
    if (c == t.columns.end()) continue;
    const auto& col = t.values[static_cast<size_t>(c - t.columns.begin())];
    const std::string name = p.name;
    const double f = (name == "hru_area" || name == "dprst_area") ? kAcreToKm2 : 1.0;
    SiteValue v{p.name, p.units, p.long_name, {}};
    for (long r : site_row) v.values.push_back(r < 0 ? std::nan("") : col[static_cast<size_t>(r)] * f);
    if (name == "hru_lat") ds.latitude = v.values;
    ds.attributes.push_back(std::move(v));
  }
}

}  // namespace

DataSet import_drb(const DrbImportOptions& opt, std::vector<std::string>* warnings) {
  const std::string obs = opt.zarr_dir + "/obs_temp_flow", drv = opt.zarr_dir + "/test_data";
  const Axes ax = read_axes(obs), ax2 = read_axes(drv);
  if (ax.segs != ax2.segs || ax.time != ax2.time)
    throw DataError(drv + ": segs_test/times_test differ from " + obs + "'s");
  std::vector<std::string> warn;
  DataSet ds;
  ds.site_ids = ax.segs;
  ds.time = ax.time;
  ds.latitude.assign(ds.site_ids.size(), std::nan(""));
  ds.flow = grid(obs + "/discharge_cms", ax);  // observed, m3 s-1
  ds.temp = grid(obs + "/temp_c", ax);         // observed, degC
  for (const Var& v : kDrivers) {
    ds.driver_names.push_back(v.name);
    ds.driver_units.push_back(v.units);
    ds.drivers.push_back(grid(drv + "/" + v.name, ax));
  }
  for (const Var& v : kPrmsOutputs) ds.extras.push_back({v.name, v.units, v.long_name, grid(drv + "/" + v.name, ax)});
  const std::vector<double> slope = grid_f64(drv + "/" + kSlope.name, ax);  // float64: an attribute
  const size_t nt = ds.time.size();
  if (constant_per_site(slope, nt)) {  // a per-segment constant: an attribute, not a series
    SiteValue a{kSlope.name, kSlope.units, kSlope.long_name, {}};
    for (size_t s = 0; s < ds.site_ids.size(); ++s) {
      double x = std::nan("");
      for (size_t t = 0; t < nt && std::isnan(x); ++t) x = slope[s * nt + t];
      a.values.push_back(x);
    }
    ds.attributes.push_back(std::move(a));
  } else {
    warn.push_back(drv + "/seg_slope varies in time: kept as a driver");
    ds.driver_names.push_back(kSlope.name);
    ds.driver_units.push_back(kSlope.units);
    ds.drivers.emplace_back(slope.begin(), slope.end());
  }
  for (const auto& e : fs::directory_iterator(drv)) {  // say what we did not read
    const std::string n = e.path().filename().string();
    bool known = n == "segs_test" || n == "times_test" || n == kSlope.name || n[0] == '.';
    for (const Var& v : kDrivers) known = known || n == v.name;
    for (const Var& v : kPrmsOutputs) known = known || n == v.name;
    if (!known) warn.push_back(drv + "/" + n + ": not read (not a known river-dl driver)");
  }
  if (!opt.attributes.empty()) add_segment_attributes(ds, opt.attributes, warn);
  if (opt.dayl_from_latitude) importers_detail::add_dayl(ds, "import-drb", "give --attributes with hru_lat");
  ds.check_shape(opt.zarr_dir);
  if (warnings) warnings->insert(warnings->end(), warn.begin(), warn.end());
  return ds;
}

}  // namespace mtl
