// Basin attributes for the importers: the CAMELS v2.0 tables (Addor et al.
// 2017) and the GAGES-II subset beside the NWIS gauges (Falcone 2011). Each
// attribute keeps its source name and units; `area` (km2) is added for
// [data] flow_scaling = depth. Names, units and sources: docs/data.md.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <set>

#include "mtl/errors.hpp"
#include "mtl/importers.hpp"
#include "importers_detail.hpp"

namespace mtl {
namespace fs = std::filesystem;
using importers_detail::clean_id;
using importers_detail::fail_line;
using importers_detail::is_missing;
using importers_detail::parse_file;
using importers_detail::split_csv;
namespace {

using Spec = importers_detail::VariableSpec;

// The 27 static attributes of Kratzert et al. (2019) (their Morris ranking
// order) plus gauge_lat. Units from Addor et al. (2017), Tables 1-4. Left out
// on purpose: camels_hydro.txt (flow signatures computed from the observed
// discharge, i.e. the target) and text columns (timing, geology classes).
constexpr Spec kCamels[] = {
    {"p_mean", "mm d-1", "mean daily precipitation (Daymet, 1980-2010)"},
    {"aridity", "1", "aridity index: pet_mean / p_mean"},
    {"area_gages2", "km2", "catchment area (GAGES-II estimate)"},
    {"elev_mean", "m", "catchment mean elevation above sea level"},
    {"high_prec_dur", "d", "mean duration of high-precipitation events (>= 5 x p_mean)"},
    {"frac_snow", "1", "fraction of precipitation falling as snow (on days below 0 degC)"},
    {"high_prec_freq", "d yr-1", "frequency of high-precipitation days (>= 5 x p_mean)"},
    {"slope_mean", "m km-1", "catchment mean slope"},
    {"geol_permeability", "log10(m2)", "subsurface permeability (GLHYMPS)"},
    {"carbonate_rocks_frac", "1", "fraction of the catchment under carbonate sedimentary rocks (GLiM)"},
    {"clay_frac", "%", "clay fraction of the soil material (STATSGO)"},
    {"pet_mean", "mm d-1", "mean daily potential evapotranspiration (Priestley-Taylor)"},
    {"low_prec_freq", "d yr-1", "frequency of dry days (< 1 mm d-1)"},
    {"soil_depth_pelletier", "m", "depth to bedrock (Pelletier et al. 2016; 50 m cap)"},
    {"p_seasonality", "1", "seasonality and timing of precipitation (-1 winter .. +1 summer peak)"},
    {"frac_forest", "1", "forest fraction (USGS land cover)"},
    {"sand_frac", "%", "sand fraction of the soil material (STATSGO)"},
    {"soil_conductivity", "cm h-1", "saturated hydraulic conductivity (STATSGO)"},
    {"low_prec_dur", "d", "mean duration of dry periods (< 1 mm d-1)"},
    {"gvf_max", "1", "maximum monthly mean green vegetation fraction (MODIS)"},
    {"gvf_diff", "1", "difference between maximum and minimum monthly green vegetation fraction"},
    {"lai_diff", "1", "difference between maximum and minimum monthly leaf area index (m2 m-2)"},
    {"soil_porosity", "1", "volumetric soil porosity (STATSGO)"},
    {"soil_depth_statsgo", "m", "soil depth (STATSGO; 1.5 m cap)"},
    {"lai_max", "1", "maximum monthly mean leaf area index (m2 m-2)"},
    {"silt_frac", "%", "silt fraction of the soil material (STATSGO)"},
    {"max_water_content", "m", "maximum water content of the soil (STATSGO)"},
    {"gauge_lat", "degrees_north", "gauge latitude"},
};

// GAGES-II basin characteristics of the NWIS subset (Falcone 2011, variable
// definitions of the GAGES-II data release): climate normals (PRISM
// 1971-2000), NLCD 2006 land cover, STATSGO soils, NID 2009 dam storage,
// topography. Every numeric column of gagesII_RF_2016_2020_subset.csv.
constexpr const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr Spec kGages[] = {
    {"DRAIN_SQKM", "km2", "watershed drainage area"},
    {"PPTAVG_SITE", "cm yr-1", "mean annual precipitation at the gauge (PRISM 1971-2000)"},
    {"RH_SITE", "%", "mean annual relative humidity at the gauge (1961-1990)"},
    {"SNOW_PCT_PRECIP", "%", "snow as a percentage of total precipitation (1901-2000)"},
    {"PRECIP_SEAS_IND", "1", "precipitation seasonality index (Markham 1970; 0 uniform .. 1 one month)"},
    {"BFI_AVE", "%", "base-flow index: base flow as a percentage of total flow (Wolock 2003 grid)"},
    {"STOR_NID_2009", "ML km-2", "dam storage in the watershed per area (NID 2009), megalitres per km2"},
    {"FORESTNLCD06", "%", "forest cover, NLCD 2006 classes 41-43"},
    {"PLANTNLCD06", "%", "planted or cultivated cover, NLCD 2006 classes 81-82"},
    {"WETLANDSNLCD06", "%", "wetland cover, NLCD 2006 classes 90 and 95"},
    {"MAINS100_FOREST", "%", "forest cover within 100 m of the main stem (NLCD 2006)"},
    {"IMPNLCD06", "%", "impervious surface (NLCD 2006)"},
    {"AWCAVE", "1", "available water capacity of the soil (STATSGO), inch per inch"},
    {"PERMAVE", "in h-1", "soil permeability (STATSGO)"},
    {"WTDEPAVE", "ft", "depth to the seasonally high water table (STATSGO)"},
    {"ROCKDEPAVE", "in", "depth to bedrock (STATSGO)"},
    {"ELEV_MEAN_M_BASIN", "m", "mean watershed elevation"},
    {"SLOPE_PCT", "%", "mean watershed slope"},
    {"ASPECT_NORTHNESS", "1", "northness of the mean aspect (cos, -1 .. 1)"},
    {"ASPECT_EASTNESS", "1", "eastness of the mean aspect (sin, -1 .. 1)"},
};

/// GAGES-II spec of a column name, including the monthly normals
/// MMM_PPT7100_CM (cm) and MMM_TMP7100_DEGC (degC); false when unknown.
bool gages_spec(const std::string& name, std::string& units, std::string& long_name) {
  for (const Spec& s : kGages)
    if (name == s.name) {
      units = s.units;
      long_name = s.long_name;
      return true;
    }
  for (const char* m : kMonths) {
    if (name == std::string(m) + "_PPT7100_CM") {
      units = "cm";
      long_name = std::string("mean ") + m + " precipitation (PRISM 1971-2000)";
      return true;
    }
    if (name == std::string(m) + "_TMP7100_DEGC") {
      units = "degC";
      long_name = std::string("mean ") + m + " air temperature (PRISM 1971-2000)";
      return true;
    }
  }
  return false;
}

double parse_value(const std::string& source, long line, const std::string& column, const std::string& id,
                   const std::string& text) {
  const std::string v = clean_id(text);
  if (is_missing(v)) return std::nan("");
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0')
    fail_line(source, line, "column " + column + ", site " + id + ": bad value '" + text + "' (not a number)");
  return x;
}

/// Digits only, leading zeros dropped ("01104475" -> "1104475"); "" otherwise.
std::string numeric_key(const std::string& id) {
  if (id.empty() || !std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c); }))
    return "";
  const auto nz = id.find_first_not_of('0');
  return nz == std::string::npos ? "0" : id.substr(nz);
}

std::string join(const std::vector<std::string>& v, size_t max_items = 8) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) out += (i ? " " : "") + v[i];
  if (v.size() > max_items) out += " ... (" + std::to_string(v.size()) + ")";
  return out;
}

}  // namespace

AttributeTable parse_attribute_table(std::istream& in, const std::string& source, char sep,
                                     const std::string& key, const std::vector<std::string>& keep) {
  AttributeTable t;
  std::string line;
  if (!std::getline(in, line)) throw DataError(source + ": empty file (expected a header line)");
  for (const auto& h : split_csv(line, sep)) t.header.push_back(clean_id(h));
  size_t key_col = 0;
  if (!key.empty()) {
    const auto it = std::find(t.header.begin(), t.header.end(), key);
    if (it == t.header.end()) fail_line(source, 1, "no column '" + key + "' in the header");
    key_col = static_cast<size_t>(it - t.header.begin());
  }
  std::vector<size_t> cols;
  for (size_t c = 0; c < t.header.size(); ++c)
    if (c != key_col && std::find(keep.begin(), keep.end(), t.header[c]) != keep.end()) {
      if (std::find(t.columns.begin(), t.columns.end(), t.header[c]) != t.columns.end())
        fail_line(source, 1, "column '" + t.header[c] + "' appears twice");
      cols.push_back(c);
      t.columns.push_back(t.header[c]);
    }
  t.values.resize(cols.size());
  std::set<std::string> seen;
  for (long n = 2; std::getline(in, line); ++n) {
    const auto f = split_csv(line, sep);
    if (f.size() == 1 && clean_id(f[0]).empty()) continue;  // blank line
    if (f.size() != t.header.size())
      fail_line(source, n, std::to_string(f.size()) + " fields, the header has " + std::to_string(t.header.size()));
    const std::string id = clean_id(f[key_col]);
    if (id.empty()) fail_line(source, n, "empty " + t.header[key_col]);
    if (!seen.insert(id).second) fail_line(source, n, t.header[key_col] + " '" + id + "' appears twice");
    t.ids.push_back(id);
    for (size_t k = 0; k < cols.size(); ++k) t.values[k].push_back(parse_value(source, n, t.columns[k], id, f[cols[k]]));
  }
  return t;
}

std::vector<SiteValue> camels_attributes(const std::string& dir, const std::vector<std::string>& sites,
                                         std::vector<std::string>& warnings) {
  if (!fs::is_directory(dir)) throw DataError(dir + ": not a directory (want camels_attributes_v2.0)");
  std::vector<std::string> wanted, files;
  for (const Spec& s : kCamels) wanted.push_back(s.name);
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.rfind("camels_", 0) == 0 && e.path().extension() == ".txt")
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::vector<double>> found;   // attribute -> values per site
  std::map<std::string, std::string> origin;          // attribute -> file
  std::map<std::string, std::vector<std::string>> absent;  // site -> files that lack it
  for (const auto& file : files) {
    const AttributeTable t = parse_file(file, [&](std::istream& in, const std::string& src) {
      return parse_attribute_table(in, src, ';', "gauge_id", wanted);
    });
    if (t.columns.empty()) continue;  // e.g. camels_name.txt, camels_hydro.txt
    std::map<std::string, size_t> row;
    for (size_t r = 0; r < t.ids.size(); ++r) row[t.ids[r]] = r;
    for (const auto& site : sites)
      if (!row.count(site)) absent[site].push_back(fs::path(file).filename().string());
    for (size_t k = 0; k < t.columns.size(); ++k) {
      if (origin.count(t.columns[k]))
        throw DataError(file + ": attribute '" + t.columns[k] + "' also in " + origin[t.columns[k]]);
      origin[t.columns[k]] = file;
      auto& v = found[t.columns[k]];
      for (const auto& site : sites) v.push_back(row.count(site) ? t.values[k][row[site]] : std::nan(""));
    }
  }
  for (const auto& [site, list] : absent)
    warnings.push_back("site " + site + ": not in " + join(list) + " under " + dir + " (its attributes there are NaN)");
  std::vector<std::string> missing;
  std::vector<SiteValue> out;
  for (const Spec& s : kCamels) {
    if (!found.count(s.name)) {
      missing.push_back(s.name);
      continue;
    }
    out.push_back({s.name, s.units, s.long_name, found[s.name]});
    if (std::string(s.name) == "area_gages2")  // flow_scaling = depth reads `area`
      out.push_back({"area", "km2", "catchment area (= area_gages2)", found[s.name]});
  }
  if (!missing.empty()) warnings.push_back(dir + ": no camels_*.txt has " + join(missing, 30) + " (left out)");
  if (out.empty()) throw DataError(dir + ": no CAMELS attribute in any camels_*.txt");
  return out;
}

std::vector<SiteValue> gages_attributes(const std::string& file, const std::vector<std::string>& columns,
                                        const std::vector<std::string>& site_ids,
                                        std::vector<std::string>& warnings) {
  std::vector<std::string> header;
  {  // the header first: which columns we know (their units) and which we skip
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) throw DataError(file + ": cannot open or empty");
    for (const auto& h : split_csv(line)) header.push_back(clean_id(h));
  }
  std::vector<std::string> keep, unknown;
  std::string units, long_name;
  for (size_t c = 1; c < header.size(); ++c) (gages_spec(header[c], units, long_name) ? keep : unknown).push_back(header[c]);
  if (!unknown.empty())
    warnings.push_back(file + ": columns without documented units left out: " + join(unknown, 30));
  const AttributeTable t = parse_file(file, [&](std::istream& in, const std::string& src) {
    return parse_attribute_table(in, src, ',', "", keep);
  });
  // A row's key names the site by its table column id (sm1) or its USGS number.
  std::map<std::string, size_t> row;
  for (size_t r = 0; r < t.ids.size(); ++r) {
    row[t.ids[r]] = r;
    if (!numeric_key(t.ids[r]).empty()) row["#" + numeric_key(t.ids[r])] = r;
  }
  std::vector<long> site_row(site_ids.size(), -1);
  std::vector<char> used(t.ids.size(), 0);
  for (size_t s = 0; s < site_ids.size(); ++s) {
    for (const std::string& k : {s < columns.size() ? columns[s] : site_ids[s], site_ids[s],
                                 "#" + numeric_key(site_ids[s])})
      if (k != "#" && row.count(k)) {
        site_row[s] = static_cast<long>(row[k]);
        break;
      }
    if (site_row[s] < 0)
      warnings.push_back("site " + site_ids[s] + (s < columns.size() && columns[s] != site_ids[s] ? " (" + columns[s] + ")" : "") +
                         ": no row in " + file + " (its attributes are NaN)");
    else
      used[static_cast<size_t>(site_row[s])] = 1;
  }
  std::vector<std::string> unused;
  for (size_t r = 0; r < t.ids.size(); ++r)
    if (!used[r]) unused.push_back(t.ids[r]);
  if (unused.size() == t.ids.size())
    throw DataError(file + ": no row matches a site (keys such as '" + (t.ids.empty() ? "" : t.ids[0]) +
                    "' vs sites such as '" + (site_ids.empty() ? "" : site_ids[0]) + "')");
  if (!unused.empty()) warnings.push_back(file + ": rows of no site ignored: " + join(unused));
  std::vector<SiteValue> out;
  for (size_t k = 0; k < t.columns.size(); ++k) {
    gages_spec(t.columns[k], units, long_name);
    SiteValue v{t.columns[k], units, long_name, {}};
    for (long r : site_row) v.values.push_back(r < 0 ? std::nan("") : t.values[k][static_cast<size_t>(r)]);
    out.push_back(v);
    if (t.columns[k] == "DRAIN_SQKM")  // flow_scaling = depth reads `area`
      out.push_back({"area", "km2", "drainage area (= DRAIN_SQKM)", v.values});
  }
  return out;
}

}  // namespace mtl
