#pragma once
// The input data set file: netCDF-4 compatible HDF5 (serial HDF5 API).
//   dims      site, time (HDF5 dimension scales, so netCDF-C/xarray see named dims)
//   site_id(site)      variable-length strings (leading zeros kept)
//   time(time)         int32, units "days since 1970-01-01", calendar "standard"
//   latitude(site)     float64, degrees_north (optional on read: NaN if absent)
//   <driver>(site,time) float32 with units, long_name, _FillValue = NaN
//   flow(site,time)    float32, m3 s-1;  temp(site,time) float32, degC; NaN = missing
//   <series>(site,time) float32 with mtl_role = "truth": hidden states (synthetic
//                      world 2), not inputs unless data.drivers names them
//   <value>(site)      float64 with mtl_role = "truth": per-site truth values
//   <attr>(site)       float64 with mtl_role = "attribute": basin attributes
//                      (static inputs on request, [data] static; `area` in km2
//                      converts flow to depth, [data] flow_scaling = depth)
// The reader also accepts files written by xarray's to_netcdf (see docs/data.md).
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/data.hpp"
#include "mtl/dataset.hpp"

namespace mtl {

/// Everything but the values (for the dry run and site selection).
struct DataSetInfo {
  std::vector<std::string> site_ids;
  std::vector<int32_t> time;             // days since 1970-01-01
  std::vector<std::string> driver_names; // file order, without the truth series
  std::vector<std::string> extra_names;  // (site, time) truth series, file order
  std::vector<double> latitude;          // NaN where unknown
};

/// Read the requested sites (empty = all) and drivers (empty = all drivers in
/// the file, file order, truth series excluded; a truth series may be named).
/// `extras`: (site, time) series (truth series or drivers) read into
/// DataSet::extras, in the requested order. Per-site truth values are always
/// read. Sites keep the FILE order (site-major grid order), whatever order
/// they were requested in; duplicates are read once. Unknown site id, driver
/// or series, missing site_id/time/flow/temp, bad time units or a
/// non-consecutive time axis -> DataError naming file, key and value.
DataSet read_dataset(const std::string& path, const std::vector<std::string>& site_ids = {},
                     const std::vector<std::string>& drivers = {},
                     const std::vector<std::string>& extras = {});

DataSetInfo read_dataset_info(const std::string& path);

/// The data of an experiment: the sites (empty = all) with cfg.data.drivers;
/// when experiment.auxiliary names another series (e.g. swe_true), its values
/// replace temp (the temp slot, Variable::temp). DataError naming the file,
/// key and value when that series is missing or an input of the run.
DataSet read_experiment_data(const Config& cfg, const std::vector<std::string>& site_ids);

/// Only the basin attributes (mtl_role = attribute) of the given sites (file
/// order, as read_dataset), with their site ids: for z-scoring static inputs
/// over all of an experiment's sites on a rank that trains a few of them.
DataSet read_site_attributes(const std::string& path, const std::vector<std::string>& site_ids);

/// The static attributes of an experiment (cfg.data.static) z-scored over its
/// selected sites `site_ids` (fit_static); empty when static = none. The same
/// on every rank, whatever sites the rank trains.
StaticScaling experiment_statics(const Config& cfg, const std::vector<std::string>& site_ids);

/// Write atomically (to path + ".tmp", then rename). Throws DataError on a
/// malformed DataSet, Error on HDF5 failure.
void write_dataset(const std::string& path, const DataSet& data);

/// The long_name written for a known variable ("" when unknown).
std::string variable_long_name(const std::string& name);

}  // namespace mtl
