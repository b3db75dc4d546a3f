#pragma once
// Importers that turn real data into input data sets (DataSet; write it with
// dataset_io.hpp). Parsers take streams so tests can feed them strings.
//   CAMELS-US: basin-mean forcing files (Daymet/NLDAS/Maurer) + USGS
//              streamflow (cfs, -999 = missing) -> drivers dayl prcp srad swe
//              tmax tmin vp, flow in m3 s-1, temp all NaN.
//   Wide CSV:  one row per day (M/D/YYYY or YYYY-MM-DD), one column per site
//              (e.g. the 410-site NWIS table), NA = missing.
//   Attributes: CAMELS v2.0 camels_*.txt, the GAGES-II subset table of the
//              NWIS gauges, river-dl's segment attributes -> DataSet::attributes
//              (importers_attributes.cpp; names and units in docs/data.md).
//   DRB:       river-dl's zarr stores (importers_drb.cpp, zarr.hpp).
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
  std::string attributes;                    // GAGES-II table (optional): gages_attributes
};
/// `warnings` (optional) receives one line per site without attributes.
DataSet import_csv(const CsvImportOptions& opt, std::vector<std::string>* warnings = nullptr);

/// A per-site table: one row per site keyed by column `key`, values [column][row].
struct AttributeTable {
  std::vector<std::string> header;          // every column name, file order
  std::vector<std::string> ids;             // row keys (quotes/apostrophe stripped), unique
  std::vector<std::string> columns;         // the parsed columns, file order
  std::vector<std::vector<double>> values;  // [column][row]; NA, NaN or empty -> NaN
};
/// Delimited table (sep ';' for CAMELS, ',' otherwise) with a header line.
/// `key`: name of the id column ("" = the first column). Only the columns in
/// `keep` that the header has are parsed. Throws DataError naming
/// source:line, column and value for a non-numeric value, a short row, a
/// duplicate or empty key, or a missing key column.
AttributeTable parse_attribute_table(std::istream& in, const std::string& source, char sep,
                                     const std::string& key, const std::vector<std::string>& keep);

/// The 27 CAMELS attributes of Kratzert et al. (2019) plus gauge_lat, read from
/// every camels_*.txt in dir, and `area` (km2) = area_gages2. A site missing
/// from a file gets NaN and one warning line naming it; an attribute in no
/// file is left out (one warning line). An attribute in two files is an error.
std::vector<SiteValue> camels_attributes(const std::string& dir, const std::vector<std::string>& sites,
                                         std::vector<std::string>& warnings);

/// GAGES-II attributes (the columns documented in docs/data.md, source units)
/// plus `area` (km2) = DRAIN_SQKM. Rows are keyed by the first column and
/// matched to a site by its table column id (`sm1`) or its site id (an
/// all-digit key matches with or without leading zeros). Sites without a row:
/// NaN and a warning; unknown columns and unmatched rows: one warning each.
std::vector<SiteValue> gages_attributes(const std::string& file, const std::vector<std::string>& columns,
                                        const std::vector<std::string>& site_ids,
                                        std::vector<std::string>& warnings);

/// Delaware River Basin sample in river-dl's layout: zarr v2 groups
/// obs_temp_flow/ (temp_c, discharge_cms) and test_data/ (PRMS drivers) under
/// zarr_dir, segments `segs_test`, days `times_test`.
struct DrbImportOptions {
  std::string zarr_dir;
  std::string attributes;           // test_seg_attr.csv (optional)
  bool dayl_from_latitude = false;  // add driver dayl from hru_lat (needs attributes)
};
DataSet import_drb(const DrbImportOptions& opt, std::vector<std::string>* warnings = nullptr);

/// Units written for a driver name (Daymet names, tmean): "1" when unknown.
std::string driver_units(const std::string& name);

}  // namespace mtl
