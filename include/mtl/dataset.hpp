#pragma once
// The input data set in memory: daily series of drivers and targets for a set
// of sites on one shared daily time axis. File I/O lives in mtl_io
// (dataset_io.hpp); this header is plain data so the numerics can use it.
#include <cstdint>
#include <string>
#include <vector>

namespace mtl {

/// A daily series kept in the file that is neither an input by default nor
/// flow/temp: the synthetic world's hidden states (e.g. swe_true). Usable as
/// a driver when data.drivers names it, or as experiment.auxiliary.
struct ExtraSeries {
  std::string name, units, long_name;
  std::vector<float> values;  // [site * n_time + t], NaN = missing
};

/// A per-site value kept in the file: the synthetic world's truth (e.g.
/// temp_hidden_share, mtl_role = "truth"), for analyses to score against and
/// never read by training; or a basin attribute (area, elevation, aridity ...,
/// mtl_role = "attribute"), a static input on request ([data] static).
struct SiteValue {
  std::string name, units, long_name;
  std::vector<double> values;  // [site]
};

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
  std::vector<ExtraSeries> extras;          // file variables with mtl_role = "truth" (read on request)
  std::vector<SiteValue> site_values;       // per-site truth values
  std::vector<SiteValue> attributes;        // per-site basin attributes (static inputs on request)

  int n_sites() const { return static_cast<int>(site_ids.size()); }
  int n_time() const { return static_cast<int>(time.size()); }
  int n_drivers() const { return static_cast<int>(driver_names.size()); }
  /// Index of a site id; -1 when absent.
  int site_index(const std::string& id) const;
  /// Index of a driver name; -1 when absent.
  int driver_index(const std::string& name) const;
  /// Index of an extra series; -1 when absent.
  int extra_index(const std::string& name) const;
  /// Index of a basin attribute; -1 when absent.
  int attribute_index(const std::string& name) const;
  /// Throws DataError (naming `source`) when the arrays disagree with the
  /// extents or the time axis is not consecutive days.
  void check_shape(const std::string& source) const;
};

// Civil (proleptic Gregorian) calendar helpers on days since 1970-01-01.
// Own names so they never collide with config.hpp's parse_date/format_date.
struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};
/// Days since 1970-01-01 of a civil date (any year; no validation).
int32_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(int32_t days);
/// True when (year, month, day) is a real calendar date.
bool valid_civil(int year, int month, int day);
/// Day of the year, 1 (Jan 1) .. 366.
int day_of_year(int32_t days);
/// "YYYY-MM-DD".
std::string iso_date(int32_t days);

}  // namespace mtl
