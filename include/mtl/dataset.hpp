#pragma once
// The input data set in memory: daily series of drivers and targets for a set
// of sites on one shared daily time axis. File I/O lives in mtl_io
// (dataset_io.hpp); this header is plain data so the numerics can use it.
#include <cstdint>
#include <string>
#include <vector>

namespace mtl {

/// Daily series for n_sites() sites on one time axis. Values are row-major
/// [site][time]; NaN marks a missing observation.
struct DataSet {
  std::vector<std::string> site_ids;     // keep leading zeros ("01022500")
  std::vector<double> latitude;          // degrees north per site; NaN if unknown
  std::vector<int32_t> time;             // days since 1970-01-01, consecutive
  std::vector<std::string> driver_names; // Daymet short names: dayl prcp srad swe tmax tmin vp
  std::vector<std::string> driver_units;
  std::vector<std::vector<float>> drivers;  // [driver][site * n_time + t]
  std::vector<float> flow;                  // [site * n_time + t], m3 s-1
  std::vector<float> temp;                  // [site * n_time + t], degC

  int n_sites() const { return static_cast<int>(site_ids.size()); }
  int n_time() const { return static_cast<int>(time.size()); }
  int n_drivers() const { return static_cast<int>(driver_names.size()); }
  /// Index of a site id; -1 when absent.
  int site_index(const std::string& id) const;
  /// Index of a driver name; -1 when absent.
  int driver_index(const std::string& name) const;
};

}  // namespace mtl
