#pragma once
// Importers that turn real data into input data sets (DataSet; write it with
// dataset_io.hpp). Parsers take streams so tests can feed them strings.
//   CAMELS-US: basin-mean forcing files (Daymet/NLDAS/Maurer) + USGS
//              streamflow (cfs, -999 = missing) -> drivers dayl prcp srad swe
//              tmax tmin vp, flow in m3 s-1, temp all NaN.
//   Wide CSV:  one row per day (M/D/YYYY or YYYY-MM-DD), one column per site
//              (e.g. the 410-site NWIS table), NA = missing.
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "mtl/dataset.hpp"

namespace mtl {

/// Cubic feet per second to cubic metres per second (exact: 0.3048^3).
constexpr double kCfsToM3s = 0.028316846592;

/// One CAMELS forcing file, values [driver][t] on its own (consecutive) days.
struct CamelsForcing {
  double latitude = 0, elevation_m = 0, area_m2 = 0;  // header lines 1-3
  std::vector<int32_t> time;                          // date read on each line
  std::vector<std::string> names;                     // dayl prcp srad swe tmax tmin vp
  std::vector<std::string> units;                     // s mm/day W/m2 mm degC degC Pa
  std::vector<std::vector<float>> values;
};
/// Throws DataError naming source, line and value for malformed lines,
/// unknown columns, or dates out of order.
CamelsForcing parse_camels_forcing(std::istream& in, const std::string& source);

struct DailySeries {
  std::vector<int32_t> time;  // strictly increasing days (gaps allowed)
  std::vector<float> value;
};
/// `gauge YYYY MM DD Q flag`, Q in cfs; returns m3 s-1, -999 (any negative
/// value <= -999) -> NaN.
DailySeries parse_camels_streamflow(std::istream& in, const std::string& source);

/// Site ids with a `<id>_lump_*_forcing_leap.txt` file under dir (recursive:
/// flat folders and HUC-02 subfolders 01..18 both work), sorted.
std::vector<std::string> camels_sites(const std::string& forcing_dir);

/// Time axis: the union of the sites' forcing dates (first to last day);
/// drivers NaN where a site's forcing file has no line, flow NaN where the
/// streamflow file has no value or -999; streamflow days outside the axis
/// are dropped. Empty `sites` = every site with a forcing file. A site
/// without a streamflow file is an error.
DataSet import_camels(const std::string& forcing_dir, const std::string& streamflow_dir,
                      const std::vector<std::string>& sites);

/// A wide daily table: first column the date, one column per site.
struct WideTable {
  std::vector<int32_t> time;                // one per row, any order but unique
  std::vector<std::string> columns;         // site columns (not Date, MonYr)
  std::vector<std::vector<double>> values;  // [column][row], NA/empty -> NaN
};
WideTable parse_wide_csv(std::istream& in, const std::string& source);

/// `ID,site` rows such as `sm1,'01104475` (header optional, apostrophe and
/// quotes stripped): pairs (column id, site id) in file order.
std::vector<std::pair<std::string, std::string>> parse_sitelist(std::istream& in,
                                                                const std::string& source);
struct SiteCoord {
  std::string site_id;
  double lat = 0, lon = 0;
};
/// `lat,lon,'site_no` rows without header (sites_getprism.csv).
std::vector<SiteCoord> parse_coords(std::istream& in, const std::string& source);

struct CsvImportOptions {
  std::string flow_file;                     // optional; flow all NaN without it
  std::string flow_units = "cfs";            // cfs | m3/s
  std::string temp_file;                     // optional, degC
  std::vector<std::pair<std::string, std::string>> drivers;  // (name, file), e.g. tmean
  std::string sitelist;                      // column id -> site id (optional)
  std::string coords;                        // lat,lon,site (optional)
  bool dayl_from_latitude = false;           // add driver dayl (needs coords)
};
DataSet import_csv(const CsvImportOptions& opt);

/// Units written for a driver name (Daymet names, tmean): "1" when unknown.
std::string driver_units(const std::string& name);

}  // namespace mtl
