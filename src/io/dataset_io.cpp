// Reader of the input data set (netCDF-4 compatible HDF5), serial HDF5 API.
// Accepts our own files and xarray/netCDF-C ones: site_id as variable- or
// fixed-length strings, time as any integer or whole-valued float type with
// units "<days|hours|minutes|seconds> since YYYY-MM-DD[ HH:MM[:SS]]".
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "mtl/dataset_io.hpp"
#include "nc_util.hpp"

namespace mtl {
namespace {

/// An open data-set file with its axes read and its driver variables listed.
struct Layout {
  std::string path;
  H5Handle file;
  DataSetInfo info;
  std::vector<std::string> units;  // per driver
  std::vector<std::string> extra_units, extra_long_names;  // per info.extra_names
  std::vector<std::string> site_value_names;               // (site) variables with mtl_role truth
  std::vector<std::string> attribute_names;                // (site) variables with mtl_role attribute
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw DataError(path + ": " + what);
}

H5Handle open_dataset(const Layout& l, const std::string& name) {
  if (H5Lexists(l.file, name.c_str(), H5P_DEFAULT) <= 0) fail(l.path, "variable '" + name + "' missing");
  return h5_dataset(H5Dopen2(l.file, name.c_str(), H5P_DEFAULT), l.path + ": open " + name);
}

std::string human_bytes(long double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (b >= 1024 && u < 6) {
    b /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1Lf %s", b, units[u]);
  return buf;
}

/// Before allocating for `name`: its declared extent must be possible in this
/// file. A damaged or hostile file can declare any extent (2^50 values in a
/// 6 KB file); real values are at most ~1032 times smaller on disk (deflate's
/// maximum ratio) or unwritten (fill value), so allow the larger of 1100 x the
/// file size and 256 MB, and never more than this machine's memory.
void check_extent(const Layout& l, const std::string& name, const std::vector<hsize_t>& dims,
                  std::size_t bytes_per_value) {
  long double values = 1;
  std::string shape;
  for (hsize_t d : dims) {
    values *= static_cast<long double>(d);
    shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  }
  const long double need = values * bytes_per_value;
  hsize_t file_bytes = 0;
  H5Fget_filesize(l.file, &file_bytes);
  const long double limit = std::max<long double>(1100.0L * file_bytes, 256.0L * (1 << 20));
  const long double memory = static_cast<long double>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  const std::string declared = "variable '" + name + "' declares shape [" + shape + "] (" +
                               human_bytes(need) + " in memory)";
  if (need > limit) {
    fail(l.path, declared + ", impossible in a " + human_bytes(file_bytes) +
                     " file (damaged or not a data set)");
  }
  if (memory > 0 && need > memory) {
    fail(l.path, declared + ", more than this machine's memory (" + human_bytes(memory) + ")");
  }
}

std::vector<hsize_t> extent(hid_t ds) {
  H5Handle space = h5_space(H5Dget_space(ds), "dataspace");
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(std::max(rank, 0));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

std::vector<std::string> read_strings(const Layout& l, const std::string& name) {
  H5Handle ds = open_dataset(l, name);
  const auto dims = extent(ds);
  if (dims.size() != 1) fail(l.path, "variable '" + name + "' must be 1-D (site)");
  const size_t n = dims[0];
  H5Handle type = h5_type(H5Dget_type(ds), "type of " + name);
  if (H5Tget_class(type) != H5T_STRING) fail(l.path, "variable '" + name + "' must hold strings");
  check_extent(l, name, dims, sizeof(std::string) + std::max(sizeof(char*), H5Tget_size(type)));
  std::vector<std::string> out(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(type) > 0) {
    // Memory type = the file's (keeps its character set: ASCII or UTF-8).
    H5Handle mem = h5_type(H5Tcopy(type), "string type");
    std::vector<char*> ptrs(n, nullptr);
    h5_check(H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), l.path + ": read " + name);
    for (size_t i = 0; i < n; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    H5Handle space = h5_space(H5Dget_space(ds), "space");
    H5Dvlen_reclaim(mem, space, H5P_DEFAULT, ptrs.data());
  } else {
    const size_t size = H5Tget_size(type);
    std::vector<char> buf(n * size);
    h5_check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), l.path + ": read " + name);
    for (size_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * size, size);
      out[i] = s.substr(0, s.find('\0'));
      while (!out[i].empty() && out[i].back() == ' ') out[i].pop_back();
    }
  }
  return out;
}

/// Seconds per unit and the reference instant (seconds since 1970-01-01).
void parse_time_units(const std::string& path, const std::string& units, double& unit_s,
                      double& ref_s) {
  std::istringstream in(units);
  std::string unit, since, date, clock;
  in >> unit >> since >> date >> clock;
  const auto bad = [&] {
    fail(path, "time units '" + units + "' not understood (want 'days since YYYY-MM-DD')");
  };
  if (unit == "days" || unit == "day") unit_s = 86400;
  else if (unit == "hours" || unit == "hour") unit_s = 3600;
  else if (unit == "minutes" || unit == "minute") unit_s = 60;
  else if (unit == "seconds" || unit == "second") unit_s = 1;
  else bad();
  if (since != "since") bad();
  const auto t = date.find('T');  // ISO "1970-01-01T00:00:00"
  if (t != std::string::npos) {
    clock = date.substr(t + 1);
    date = date.substr(0, t);
  }
  int y = 0, m = 0, d = 0, hh = 0, mm = 0;
  double ss = 0;
  if (std::sscanf(date.c_str(), "%d-%d-%d", &y, &m, &d) != 3 || !valid_civil(y, m, d)) bad();
  if (!clock.empty() && clock != "Z" && std::sscanf(clock.c_str(), "%d:%d:%lf", &hh, &mm, &ss) < 2)
    bad();
  ref_s = days_from_civil(y, m, d) * 86400.0 + hh * 3600.0 + mm * 60.0 + ss;
}

std::vector<int32_t> read_time(const Layout& l) {
  H5Handle ds = open_dataset(l, "time");
  const auto dims = extent(ds);
  if (dims.size() != 1) fail(l.path, "variable 'time' must be 1-D");
  std::string units, calendar = "standard";
  if (!nc::read_string_attr(ds, "units", units)) fail(l.path, "variable 'time' has no units attribute");
  nc::read_string_attr(ds, "calendar", calendar);
  if (calendar != "standard" && calendar != "gregorian" && calendar != "proleptic_gregorian")
    fail(l.path, "time calendar '" + calendar + "' not supported (want standard)");
  double unit_s = 0, ref_s = 0;
  parse_time_units(l.path, units, unit_s, ref_s);
  check_extent(l, "time", dims, sizeof(double) + sizeof(int32_t));
  std::vector<double> raw(dims[0]);
  if (!raw.empty())
    h5_check(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()),
             l.path + ": read time");
  std::vector<int32_t> days(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const double day = (ref_s + raw[i] * unit_s) / 86400.0;
    // Whole days only: doubles hold these integers exactly, so the check is exact.
    if (!std::isfinite(day) || day != std::floor(day))
      fail(l.path, "time[" + std::to_string(i) + "] = " + std::to_string(raw[i]) + " " + units +
                       " is not a whole day");
    days[i] = static_cast<int32_t>(day);
    if (i > 0 && days[i] != days[i - 1] + 1)
      fail(l.path, "time axis not consecutive days at " + iso_date(days[i - 1]) + " -> " +
                       iso_date(days[i]));
  }
  return days;
}

/// When the file has `site`/`time` dimension scales (netCDF-C, xarray and our
/// writer all make them), a grid variable must have them attached as dims 0
/// and 1: a (time, site) variable of a square grid would otherwise be read
/// transposed without notice.
void check_dims(const Layout& l, hid_t ds, const std::string& name) {
  const char* dims[2] = {"site", "time"};
  for (unsigned k = 0; k < 2; ++k) {
    if (H5Lexists(l.file, dims[k], H5P_DEFAULT) <= 0) continue;
    H5Handle scale = h5_dataset(H5Dopen2(l.file, dims[k], H5P_DEFAULT), l.path + ": open " + dims[k]);
    if (H5DSis_scale(scale) <= 0) continue;
    if (H5DSis_attached(ds, scale, k) <= 0)
      fail(l.path, "variable '" + name + "' must have dims (site, time); dimension " +
                       std::to_string(k) + " is not '" + dims[k] + "'");
  }
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

/// Root datasets in creation order (what netCDF-C/xarray show), else by name.
std::vector<std::string> root_names(hid_t file) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Literate(file, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_name, &names) < 0) {
    names.clear();
    idx = 0;
    H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &names);
  }
  return names;
}

bool is_reserved(const std::string& n) {
  return n == "site" || n == "time" || n == "site_id" || n == "latitude" || n == "flow" ||
         n == "temp" || n.empty() || n[0] == '_';
}

/// mtl_role attribute: "truth" marks the synthetic world's hidden states and
/// per-site truth, which are never inputs unless named in data.drivers.
bool is_truth(hid_t ds) {
  std::string role;
  return nc::read_string_attr(ds, "mtl_role", role) && role == "truth";
}

/// mtl_role = "attribute": a per-site basin attribute ([data] static).
bool is_attribute(hid_t ds) {
  std::string role;
  return nc::read_string_attr(ds, "mtl_role", role) && role == "attribute";
}

/// Drivers: float variables shaped [n_site, n_time] other than the targets
/// and the truth series (listed apart as extras); per-site truth values.
void list_drivers(Layout& l) {
  const hsize_t ns = l.info.site_ids.size(), nt = l.info.time.size();
  for (const auto& name : root_names(l.file)) {
    if (is_reserved(name)) continue;
    H5O_info_t oi;
    if (H5Oget_info_by_name(l.file, name.c_str(), &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET)
      continue;
    H5Handle ds = open_dataset(l, name);
    H5Handle type = h5_type(H5Dget_type(ds), "type of " + name);
    if (H5Tget_class(type) != H5T_FLOAT) continue;
    const auto dims = extent(ds);
    if (dims.size() == 1 && dims[0] == ns && is_truth(ds)) l.site_value_names.push_back(name);
    if (dims.size() == 1 && dims[0] == ns && is_attribute(ds)) l.attribute_names.push_back(name);
    if (dims.size() != 2) continue;
    if (dims[0] != ns || dims[1] != nt)
      fail(l.path, "variable '" + name + "' has shape [" + std::to_string(dims[0]) + ", " +
                       std::to_string(dims[1]) + "], expected [site=" + std::to_string(ns) +
                       ", time=" + std::to_string(nt) + "]");
    check_dims(l, ds, name);
    std::string units, long_name;
    nc::read_string_attr(ds, "units", units);
    if (is_truth(ds)) {
      nc::read_string_attr(ds, "long_name", long_name);
      l.info.extra_names.push_back(name);
      l.extra_units.push_back(units);
      l.extra_long_names.push_back(long_name);
      continue;
    }
    l.info.driver_names.push_back(name);
    l.units.push_back(units);
  }
}

bool site_is_string(const Layout& l) {
  if (H5Lexists(l.file, "site", H5P_DEFAULT) <= 0) return false;
  H5Handle ds = h5_dataset(H5Dopen2(l.file, "site", H5P_DEFAULT), l.path + ": open site");
  H5Handle type = h5_type(H5Dget_type(ds), "type of site");
  return H5Tget_class(type) == H5T_STRING;
}

Layout open_layout(const std::string& path) {
  h5_quiet();
  Layout l;
  l.path = path;
  if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not found or not an HDF5/netCDF-4 file");
  l.file = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path + ": open");
  // site ids: `site_id(site)`, or a string coordinate variable `site` (what
  // xarray writes for ds.assign_coords(site=ids)).
  const bool has_site_id = H5Lexists(l.file, "site_id", H5P_DEFAULT) > 0;
  l.info.site_ids = read_strings(l, has_site_id || !site_is_string(l) ? "site_id" : "site");
  l.info.time = read_time(l);
  const size_t ns = l.info.site_ids.size();
  l.info.latitude.assign(ns, std::nan(""));
  if (H5Lexists(l.file, "latitude", H5P_DEFAULT) > 0) {
    H5Handle lat = open_dataset(l, "latitude");
    if (extent(lat) != std::vector<hsize_t>{ns}) fail(path, "latitude must have dims (site)");
    if (ns > 0)
      h5_check(H5Dread(lat, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, l.info.latitude.data()),
               path + ": read latitude");
  }
  list_drivers(l);
  return l;
}

/// Read rows `rows` (sorted file site indices) of a [site, time] float
/// variable into [rows.size(), n_time], honouring a non-NaN _FillValue.
std::vector<float> read_grid(const Layout& l, const std::string& name, const std::vector<int>& rows) {
  H5Handle ds = open_dataset(l, name);
  const hsize_t ns = l.info.site_ids.size(), nt = l.info.time.size();
  if (extent(ds) != std::vector<hsize_t>{ns, nt})
    fail(l.path, "variable '" + name + "' must have dims (site, time) = [" + std::to_string(ns) +
                     ", " + std::to_string(nt) + "]");
  check_dims(l, ds, name);
  check_extent(l, name, {rows.size(), nt}, sizeof(float));
  std::vector<float> out(rows.size() * nt);
  if (out.empty()) return out;
  H5Handle file_space = h5_space(H5Dget_space(ds), "space of " + name);
  h5_check(H5Sselect_none(file_space), "select none");
  // One hyperslab per run of consecutive sites (rows are sorted).
  for (size_t i = 0; i < rows.size();) {
    size_t j = i + 1;
    while (j < rows.size() && rows[j] == rows[j - 1] + 1) ++j;
    const hsize_t start[2] = {static_cast<hsize_t>(rows[i]), 0};
    const hsize_t count[2] = {static_cast<hsize_t>(j - i), nt};
    h5_check(H5Sselect_hyperslab(file_space, H5S_SELECT_OR, start, nullptr, count, nullptr),
             "select sites of " + name);
    i = j;
  }
  const hsize_t mem_dims[2] = {rows.size(), nt};
  H5Handle mem_space = h5_space(H5Screate_simple(2, mem_dims, nullptr), "memory space");
  h5_check(H5Dread(ds, H5T_NATIVE_FLOAT, mem_space, file_space, H5P_DEFAULT, out.data()),
           l.path + ": read " + name);
  if (H5Aexists(ds, "_FillValue") > 0) {
    H5Handle attr = h5_attr(H5Aopen(ds, "_FillValue", H5P_DEFAULT), "open _FillValue");
    float fill = 0.0f;
    if (H5Aread(attr, H5T_NATIVE_FLOAT, &fill) >= 0 && !std::isnan(fill))
      for (float& v : out)
        if (v == fill) v = std::nanf("");
  }
  return out;
}

std::vector<int> select_sites(const Layout& l, const std::vector<std::string>& ids) {
  std::vector<int> rows;
  if (ids.empty()) {
    for (size_t i = 0; i < l.info.site_ids.size(); ++i) rows.push_back(static_cast<int>(i));
    return rows;
  }
  for (const auto& id : ids) {
    const auto it = std::find(l.info.site_ids.begin(), l.info.site_ids.end(), id);
    if (it == l.info.site_ids.end()) fail(l.path, "site '" + id + "' not in the file (site_id)");
    rows.push_back(static_cast<int>(it - l.info.site_ids.begin()));
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

/// A per-site truth value or attribute (float64, dims (site)) for rows `rows`.
SiteValue read_site_value(const Layout& l, const std::string& name, const std::vector<int>& rows) {
  H5Handle ds = open_dataset(l, name);
  std::vector<double> all(l.info.site_ids.size());
  if (!all.empty())
    h5_check(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data()),
             l.path + ": read " + name);
  SiteValue v;
  v.name = name;
  nc::read_string_attr(ds, "units", v.units);
  nc::read_string_attr(ds, "long_name", v.long_name);
  for (int r : rows) v.values.push_back(all[r]);
  return v;
}

}  // namespace

DataSetInfo read_dataset_info(const std::string& path) { return open_layout(path).info; }

DataSet read_dataset(const std::string& path, const std::vector<std::string>& site_ids,
                     const std::vector<std::string>& drivers, const std::vector<std::string>& extras) {
  const Layout l = open_layout(path);
  const std::vector<int> rows = select_sites(l, site_ids);
  // Units and long_name of a (site, time) series: a driver or a truth series.
  const auto describe = [&](const std::string& what, const std::string& name) {
    const auto& d = l.info.driver_names;
    const auto& e = l.info.extra_names;
    if (const auto it = std::find(d.begin(), d.end(), name); it != d.end())
      return std::pair<std::string, std::string>{l.units[it - d.begin()], variable_long_name(name)};
    if (const auto it = std::find(e.begin(), e.end(), name); it != e.end())
      return std::pair<std::string, std::string>{l.extra_units[it - e.begin()],
                                                 l.extra_long_names[it - e.begin()]};
    fail(path, what + " '" + name + "' not in the file (drivers: " + joined(d) +
                   (e.empty() ? "" : "; truth series: " + joined(e)) + ")");
  };
  DataSet ds;
  ds.time = l.info.time;
  for (int r : rows) {
    ds.site_ids.push_back(l.info.site_ids[r]);
    ds.latitude.push_back(l.info.latitude[r]);
  }
  // Default inputs: every driver in file order; a named truth series is an
  // input only on request (e.g. an oracle run).
  for (const auto& d : drivers.empty() ? l.info.driver_names : drivers) {
    ds.driver_names.push_back(d);
    ds.driver_units.push_back(describe("driver", d).first);
    ds.drivers.push_back(read_grid(l, d, rows));
  }
  ds.flow = read_grid(l, "flow", rows);
  ds.temp = read_grid(l, "temp", rows);
  for (const auto& x : extras) {
    const auto [units, long_name] = describe("series", x);
    ds.extras.push_back({x, units, long_name, read_grid(l, x, rows)});
  }
  for (const auto& name : l.site_value_names) ds.site_values.push_back(read_site_value(l, name, rows));
  for (const auto& name : l.attribute_names) ds.attributes.push_back(read_site_value(l, name, rows));
  return ds;
}

DataSet read_site_attributes(const std::string& path, const std::vector<std::string>& site_ids) {
  const Layout l = open_layout(path);
  const std::vector<int> rows = select_sites(l, site_ids);
  DataSet ds;
  for (int r : rows) ds.site_ids.push_back(l.info.site_ids[r]);
  for (const auto& name : l.attribute_names) ds.attributes.push_back(read_site_value(l, name, rows));
  return ds;
}

}  // namespace mtl
