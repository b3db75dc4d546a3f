// Writer of the input data set (netCDF-4 compatible HDF5), serial HDF5 API.
// Layout follows what netCDF-C itself writes: dimension scales for site and
// time (site has no coordinate variable, so it gets netCDF's "not a variable"
// scale name), creation order tracked, _FillValue attributes typed like the
// variable. See dataset_io.hpp for the schema.
#include <hdf5_hl.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>

#include "mtl/config.hpp"
#include "mtl/dataset_io.hpp"
#include "nc_util.hpp"

namespace mtl {
namespace {

H5Handle make_dcpl() {
  H5Handle dcpl = h5_plist(H5Pcreate(H5P_DATASET_CREATE), "dataset create plist");
  h5_check(H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
           "attribute creation order");
  // No modification times in object headers: the same data give the same bytes.
  h5_check(H5Pset_obj_track_times(dcpl, false), "object times");
  return dcpl;
}

H5Handle create(hid_t file, const std::string& name, hid_t type, std::vector<hsize_t> dims,
                hid_t dcpl) {
  H5Handle space = h5_space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                            "dataspace of " + name);
  return h5_dataset(H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                    "create " + name);
}

template <typename T>
void write_fill_attr(hid_t ds, hid_t type, T value) {
  H5Handle space = h5_space(H5Screate(H5S_SCALAR), "scalar space");
  H5Handle attr = h5_attr(H5Acreate2(ds, "_FillValue", type, space, H5P_DEFAULT, H5P_DEFAULT),
                          "create _FillValue");
  h5_check(H5Awrite(attr, type, &value), "write _FillValue");
}

/// float32 (site, time) variable with NaN fill, units and long_name (default:
/// the known long name, else the name); truth series also get mtl_role.
void write_grid(hid_t file, const std::string& name, const std::string& units,
                const std::vector<float>& values, hsize_t ns, hsize_t nt, hid_t site_dim,
                hid_t time_dim, std::string long_name = "", bool truth = false) {
  H5Handle dcpl = make_dcpl();
  const float fill = std::numeric_limits<float>::quiet_NaN();
  h5_check(H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &fill), "fill value " + name);
  H5Handle ds = create(file, name, H5T_IEEE_F32LE, {ns, nt}, dcpl);
  if (ns * nt > 0)
    h5_check(H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
             "write " + name);
  write_fill_attr(ds, H5T_NATIVE_FLOAT, fill);
  nc::write_string_attr(ds, "units", units);
  if (long_name.empty()) long_name = variable_long_name(name);
  nc::write_string_attr(ds, "long_name", long_name.empty() ? name : long_name);
  if (truth) nc::write_string_attr(ds, "mtl_role", "truth");
  h5_check(H5DSattach_scale(ds, site_dim, 0), "attach site to " + name);
  h5_check(H5DSattach_scale(ds, time_dim, 1), "attach time to " + name);
}

void write_site_vars(hid_t file, const DataSet& data, hid_t site_dim) {
  const hsize_t ns = static_cast<hsize_t>(data.n_sites());
  H5Handle str = h5_type(H5Tcopy(H5T_C_S1), "string type");
  h5_check(H5Tset_size(str, H5T_VARIABLE), "vlen string");
  h5_check(H5Tset_cset(str, H5T_CSET_UTF8), "utf8");
  H5Handle dcpl = make_dcpl();
  H5Handle ids = create(file, "site_id", str, {ns}, dcpl);
  std::vector<const char*> ptrs;
  for (const auto& s : data.site_ids) ptrs.push_back(s.c_str());
  if (ns > 0) h5_check(H5Dwrite(ids, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "write site_id");
  nc::write_string_attr(ids, "long_name", "site identifier (e.g. USGS gauge number)");
  nc::write_string_attr(ids, "cf_role", "timeseries_id");
  h5_check(H5DSattach_scale(ids, site_dim, 0), "attach site to site_id");

  H5Handle lat_dcpl = make_dcpl();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  h5_check(H5Pset_fill_value(lat_dcpl, H5T_NATIVE_DOUBLE, &nan), "fill latitude");
  H5Handle lat = create(file, "latitude", H5T_IEEE_F64LE, {ns}, lat_dcpl);
  if (ns > 0)
    h5_check(H5Dwrite(lat, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.latitude.data()),
             "write latitude");
  write_fill_attr(lat, H5T_NATIVE_DOUBLE, nan);
  nc::write_string_attr(lat, "units", "degrees_north");
  nc::write_string_attr(lat, "long_name", "latitude");
  nc::write_string_attr(lat, "standard_name", "latitude");
  h5_check(H5DSattach_scale(lat, site_dim, 0), "attach site to latitude");
}

/// float64 (site) value with NaN fill, units, long_name, mtl_role ("truth" or
/// "attribute").
void write_site_value(hid_t file, const SiteValue& v, hid_t site_dim, const char* role) {
  const hsize_t ns = v.values.size();
  H5Handle dcpl = make_dcpl();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  h5_check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan), "fill " + v.name);
  H5Handle ds = create(file, v.name, H5T_IEEE_F64LE, {ns}, dcpl);
  if (ns > 0)
    h5_check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.values.data()),
             "write " + v.name);
  write_fill_attr(ds, H5T_NATIVE_DOUBLE, nan);
  nc::write_string_attr(ds, "units", v.units);
  nc::write_string_attr(ds, "long_name", v.long_name.empty() ? v.name : v.long_name);
  nc::write_string_attr(ds, "mtl_role", role);
  h5_check(H5DSattach_scale(ds, site_dim, 0), "attach site to " + v.name);
}

void write_all(const std::string& path, const DataSet& data) {
  H5Handle fcpl = h5_plist(H5Pcreate(H5P_FILE_CREATE), "file create plist");
  h5_check(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
           "link creation order");
  h5_check(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
           "attribute creation order");
  h5_check(H5Pset_obj_track_times(fcpl, false), "object times");
  H5Handle file = h5_file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT),
                          "create " + path);
  nc::write_string_attr(file, "Conventions", "CF-1.8");
  nc::write_string_attr(file, "title", "mtl_mpi input data set: daily site series");
  const hsize_t ns = static_cast<hsize_t>(data.n_sites()), nt = static_cast<hsize_t>(data.n_time());

  // Dimension `site`: netCDF-C's dimension-without-variable form.
  H5Handle site_dcpl = make_dcpl();
  H5Handle site = create(file, "site", H5T_IEEE_F32BE, {ns}, site_dcpl);
  char scale_name[96];
  std::snprintf(scale_name, sizeof scale_name, "%s%10d", nc::kDimWithoutVariable, data.n_sites());
  h5_check(H5DSset_scale(site, scale_name), "site dimension scale");

  H5Handle time_dcpl = make_dcpl();
  H5Handle time = create(file, "time", H5T_STD_I32LE, {nt}, time_dcpl);
  if (nt > 0)
    h5_check(H5Dwrite(time, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.time.data()),
             "write time");
  h5_check(H5DSset_scale(time, "time"), "time dimension scale");
  nc::write_string_attr(time, "units", "days since 1970-01-01");
  nc::write_string_attr(time, "calendar", "standard");
  nc::write_string_attr(time, "long_name", "time");
  nc::write_string_attr(time, "standard_name", "time");

  write_site_vars(file, data, site);
  for (int c = 0; c < data.n_drivers(); ++c)
    write_grid(file, data.driver_names[c], data.driver_units[c], data.drivers[c], ns, nt, site, time);
  write_grid(file, "flow", units_of(Variable::flow), data.flow, ns, nt, site, time);
  write_grid(file, "temp", units_of(Variable::temp), data.temp, ns, nt, site, time);
  for (const auto& e : data.extras)
    write_grid(file, e.name, e.units, e.values, ns, nt, site, time, e.long_name, true);
  for (const auto& v : data.site_values) write_site_value(file, v, site, "truth");
  for (const auto& v : data.attributes) write_site_value(file, v, site, "attribute");
  h5_check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + path);
}

}  // namespace

std::string variable_long_name(const std::string& name) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"dayl", "day length"},
      {"prcp", "precipitation"},
      {"srad", "shortwave radiation (daylight mean)"},
      {"swe", "snow water equivalent"},
      {"tmax", "daily maximum air temperature"},
      {"tmin", "daily minimum air temperature"},
      {"tmean", "daily mean air temperature"},
      {"vp", "water vapour pressure"},
      {"flow", "streamflow (daily mean discharge)"},
      {"temp", "stream water temperature (daily mean)"},
  };
  for (const auto& [key, long_name] : kNames)
    if (name == key) return long_name;
  return "";
}

void write_dataset(const std::string& path, const DataSet& data) {
  data.check_shape(path);
  std::vector<std::string> names = data.driver_names;
  for (const auto& e : data.extras) names.push_back(e.name);
  for (const auto& v : data.site_values) names.push_back(v.name);
  for (const auto& v : data.attributes) names.push_back(v.name);
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (name.empty() || name == "flow" || name == "temp" || name == "time" || name == "site" ||
        name == "site_id" || name == "latitude" || name[0] == '_')
      throw DataError(path + ": variable name '" + name + "' is reserved or empty");
    if (!seen.insert(name).second) throw DataError(path + ": variable name '" + name + "' twice");
  }
  h5_quiet();
  const std::string tmp = path + ".tmp";
  try {
    write_all(tmp, data);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw DataError(path + ": cannot rename " + tmp + ": " + ec.message());
}

}  // namespace mtl
