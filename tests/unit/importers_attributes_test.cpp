// Basin attributes of the importers: the table parser on strings, CAMELS and
// GAGES-II tables in small files, then the real tables in ../shared/data/real
// (skipped when absent) against values read by hand from those files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "support/expect_error.hpp"
#include "mtl/errors.hpp"
#include "mtl/importers.hpp"

namespace mtl {
namespace {

namespace fs = std::filesystem;

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  mtl::test::expect_data_error(f, parts);
}

TEST(ImportersAttributes, TableFromString) {
  std::istringstream in("gauge_id;p_mean;high_prec_timing;frac_snow\n"
                        "01013500;3.12;son; 0.31\r\n"
                        "\n"
                        "'01333000;NA;djf;\n");
  const AttributeTable t = parse_attribute_table(in, "clim.txt", ';', "gauge_id", {"p_mean", "frac_snow", "nope"});
  EXPECT_EQ(t.header, (std::vector<std::string>{"gauge_id", "p_mean", "high_prec_timing", "frac_snow"}));
  EXPECT_EQ(t.ids, (std::vector<std::string>{"01013500", "01333000"}));  // apostrophe stripped
  EXPECT_EQ(t.columns, (std::vector<std::string>{"p_mean", "frac_snow"}));  // text column not parsed
  EXPECT_EQ(t.values[0][0], 3.12);
  EXPECT_TRUE(std::isnan(t.values[0][1]));  // NA
  EXPECT_EQ(t.values[1][0], 0.31);
  EXPECT_TRUE(std::isnan(t.values[1][1]));  // empty
  // The key by name, anywhere in the header (river-dl: index,seg_id_nat,...).
  std::istringstream drb("index,seg_id_nat,hru_area\n291,2007,2986.5\n");
  const AttributeTable d = parse_attribute_table(drb, "attr.csv", ',', "seg_id_nat", {"hru_area", "index"});
  EXPECT_EQ(d.ids, (std::vector<std::string>{"2007"}));
  EXPECT_EQ(d.columns, (std::vector<std::string>{"index", "hru_area"}));
}

TEST(ImportersAttributes, TableErrorsNameFileLineColumnValue) {
  const auto parse = [](const std::string& text, const std::string& key = "id") {
    std::istringstream in(text);
    parse_attribute_table(in, "a.txt", ';', key, {"x", "y"});
  };
  expect_error([&] { parse("id;x;y\ns1;1;2\ns2;1;1,5\n"); }, {"a.txt:3", "column y", "site s2", "'1,5'"});
  expect_error([&] { parse("id;x;y\ns1;1;2\ns1;3;4\n"); }, {"a.txt:3", "'s1'", "twice"});
  expect_error([&] { parse("id;x;y\ns1;1\n"); }, {"a.txt:2", "2 fields", "3"});
  expect_error([&] { parse("id;x;y\n;1;2\n"); }, {"a.txt:2", "empty id"});
  expect_error([&] { parse("gauge;x\n", "id"); }, {"a.txt:1", "no column 'id'"});
  expect_error([&] { parse(""); }, {"a.txt", "empty file"});
}

/// A folder of small files, removed at the end of the test.
class ImportersAttributesFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mtl_importers_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

const SiteValue* find_attr(const std::vector<SiteValue>& v, const std::string& name) {
  for (const auto& a : v)
    if (a.name == name) return &a;
  return nullptr;
}

TEST_F(ImportersAttributesFiles, CamelsAttributesMissingSiteIsNaNWithWarning) {
  write("camels_topo.txt", "gauge_id;gauge_lat;gauge_lon;elev_mean;slope_mean;area_gages2\n"
                           "01013500;47.2;-68.5;250.31;21.6;2252.7\n01333000;42.7;-73.2;485.91;74.8;112.16\n");
  write("camels_clim.txt", "gauge_id;p_mean;high_prec_timing\n01013500;3.1;son\n");
  write("camels_hydro.txt", "gauge_id;q_mean;baseflow_index\n01013500;1.7;0.58\n");  // flow signatures: not read
  std::vector<std::string> warn;
  const auto attrs = camels_attributes(dir_.string(), {"01333000", "01013500"}, warn);
  ASSERT_NE(find_attr(attrs, "area"), nullptr);
  EXPECT_EQ(find_attr(attrs, "area")->values, (std::vector<double>{112.16, 2252.7}));
  EXPECT_EQ(find_attr(attrs, "area")->units, "km2");
  EXPECT_EQ(find_attr(attrs, "gauge_lat")->values, (std::vector<double>{42.7, 47.2}));
  EXPECT_EQ(find_attr(attrs, "slope_mean")->units, "m km-1");
  const SiteValue* p = find_attr(attrs, "p_mean");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(std::isnan(p->values[0]));
  EXPECT_EQ(p->values[1], 3.1);
  EXPECT_EQ(find_attr(attrs, "gauge_lon"), nullptr);      // not one of the 27 + gauge_lat
  EXPECT_EQ(find_attr(attrs, "baseflow_index"), nullptr);  // computed from the target
  // One line for the missing site (naming it and the file), one for the attributes in no file.
  ASSERT_EQ(warn.size(), 2u);
  EXPECT_NE(warn[0].find("site 01333000: not in camels_clim.txt"), std::string::npos) << warn[0];
  EXPECT_NE(warn[1].find("aridity"), std::string::npos) << warn[1];
  write("camels_more.txt", "gauge_id;p_mean\n01013500;3.1\n");
  expect_error([&] { camels_attributes(dir_.string(), {"01013500"}, warn); }, {"camels_more.txt", "'p_mean'", "also in"});
}

TEST_F(ImportersAttributesFiles, GagesAttributesByColumnIdOrSiteNumber) {
  const std::string f = write("gages.csv", "Site,DRAIN_SQKM,BFI_AVE,FOO,JUL_TMP7100_DEGC\n"
                                           "sm1,2.08,57.6,1,22.1\nsm9,5,50,1,20\nmd2,700,40,1,19.5\n");
  std::vector<std::string> warn;
  const auto a = gages_attributes(f, {"sm1", "md2", "lg3"}, {"01104475", "02336030", "03076500"}, warn);
  EXPECT_EQ(find_attr(a, "FOO"), nullptr);
  ASSERT_NE(find_attr(a, "area"), nullptr);
  EXPECT_EQ(find_attr(a, "area")->values[0], 2.08);
  EXPECT_EQ(find_attr(a, "area")->values[1], 700.0);
  EXPECT_TRUE(std::isnan(find_attr(a, "area")->values[2]));
  EXPECT_EQ(find_attr(a, "BFI_AVE")->units, "%");
  EXPECT_EQ(find_attr(a, "JUL_TMP7100_DEGC")->units, "degC");
  std::string all;
  for (const auto& w : warn) all += w + "\n";
  EXPECT_NE(all.find("FOO"), std::string::npos) << all;                     // unknown column
  EXPECT_NE(all.find("site 03076500 (lg3): no row"), std::string::npos) << all;  // NaN site
  EXPECT_NE(all.find("rows of no site ignored: sm9"), std::string::npos) << all;
  // Keyed by USGS number with the leading zero lost (a spreadsheet's doing).
  const std::string g = write("gages2.csv", "STAID,DRAIN_SQKM\n1104475,2.08\n");
  warn.clear();
  const auto b = gages_attributes(g, {"sm1"}, {"01104475"}, warn);
  EXPECT_EQ(find_attr(b, "area")->values[0], 2.08);
  EXPECT_TRUE(warn.empty());
  expect_error([&] { gages_attributes(g, {"x"}, {"99"}, warn); }, {"gages2.csv", "no row matches", "'1104475'", "'99'"});
  const std::string h = write("gages3.csv", "Site,DRAIN_SQKM\nsm1,two\n");
  expect_error([&] { gages_attributes(h, {"sm1"}, {"01104475"}, warn); }, {"gages3.csv:2", "DRAIN_SQKM", "sm1", "'two'"});
}

std::string real_dir() {
  const std::string d = std::string(MTL_SHARED_DIR) + "/data/real";
  return fs::is_directory(d) ? d : "";
}

float at(const std::vector<float>& v, const DataSet& d, int s, int t) { return v[s * d.n_time() + t]; }

const SiteValue& attr(const DataSet& d, const std::string& name) {
  const int i = d.attribute_index(name);
  if (i < 0) throw DataError("no attribute " + name);
  return d.attributes[static_cast<size_t>(i)];
}

std::set<std::string> sites_with_nan(const DataSet& d) {
  std::set<std::string> out;
  for (const auto& a : d.attributes)
    for (int s = 0; s < d.n_sites(); ++s)
      if (std::isnan(a.values[s])) out.insert(d.site_ids[s]);
  return out;
}

// The 19 sample basins: the sample's own tables lack 01022500 (one warning,
// NaN there); the full 671-basin tables of the neuralhydrology sample have it,
// with the same values for the 18 others (to 12 digits).
TEST(ImportersAttributesReal, CamelsAttributes) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real";
  const std::string root = real_dir() + "/camels_us_cuahsi_sample";
  DataSet d = import_camels(root + "/basin_mean_forcing/nldas", root + "/usgs_streamflow", {});
  ASSERT_EQ(d.n_sites(), 19);
  std::vector<std::string> warn;
  d.attributes = camels_attributes(root + "/camels_attributes_v2.0", d.site_ids, warn);
  EXPECT_EQ(d.attributes.size(), 29u);  // 27 + area + gauge_lat
  ASSERT_EQ(warn.size(), 1u);
  EXPECT_NE(warn[0].find("site 01022500"), std::string::npos) << warn[0];
  EXPECT_EQ(sites_with_nan(d), (std::set<std::string>{"01022500"}));
  // camels_topo.txt line 2: 01013500;47.23739;-68.58264;250.31;21.64152;2252.7;2303.95
  const int s = d.site_index("01013500");
  EXPECT_EQ(attr(d, "area").values[s], 2252.7);
  EXPECT_EQ(attr(d, "gauge_lat").values[s], 47.23739);
  EXPECT_EQ(attr(d, "slope_mean").values[s], 21.64152);
  EXPECT_EQ(attr(d, "p_mean").values[s], 3.12667898699521);  // camels_clim.txt line 2
  const std::string full = real_dir() + "/camels_us_neuralhydrology_test/camels_us/camels_attributes_v2.0";
  warn.clear();
  const auto all = camels_attributes(full, d.site_ids, warn);
  EXPECT_TRUE(warn.empty());
  ASSERT_EQ(all.size(), d.attributes.size());
  const int m = d.site_index("01022500");
  for (size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].name, d.attributes[k].name);
    EXPECT_TRUE(std::isfinite(all[k].values[m])) << all[k].name;
    for (int i = 0; i < d.n_sites(); ++i) {
      if (i == m) continue;  // the sample's text is rounded in places (frac_snow 0.003569389743915 vs ...91503)
      EXPECT_NEAR(all[k].values[i], d.attributes[k].values[i], 1e-12 * std::fabs(all[k].values[i]))
          << all[k].name << " " << d.site_ids[i];
    }
  }
  EXPECT_EQ(find_attr(all, "area")->values[m], 573.6);  // full camels_topo.txt: 01022500 ... 573.6
}

// GAGES-II rows are keyed by the table column id (sm1 ...). The study's
// sitelist has md121 (03076500), the GAGES-II subset md112 instead: one site
// without attributes, one row unused.
TEST(ImportersAttributesReal, NwisGagesAttributes) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real";
  const std::string n = real_dir() + "/nwis_wtemp_flow_prism_410sites_jswade";
  CsvImportOptions o;
  o.temp_file = n + "/data_download/StreamTemperature/ST_2016_2020.csv";
  o.sitelist = n + "/data_download/StreamTemperature/sitelist_2016_2020.csv";
  o.attributes = n + "/data_raw/gagesII_RF_2016_2020_subset.csv";
  std::vector<std::string> warn;
  const DataSet d = import_csv(o, &warn);
  ASSERT_EQ(d.n_sites(), 410);
  EXPECT_EQ(d.attributes.size(), 45u);  // every numeric column (44) + area
  EXPECT_EQ(sites_with_nan(d), (std::set<std::string>{"03076500"}));
  ASSERT_EQ(warn.size(), 2u);
  EXPECT_NE(warn[0].find("site 03076500 (md121): no row"), std::string::npos) << warn[0];
  EXPECT_NE(warn[1].find("rows of no site ignored: md112"), std::string::npos) << warn[1];
  // Line 2 of the table: sm1,2.0808,119.586,70,... and BFI_AVE 57.64014.
  EXPECT_EQ(attr(d, "area").values[0], 2.0808);
  EXPECT_EQ(attr(d, "DRAIN_SQKM").values[0], 2.0808);
  EXPECT_EQ(attr(d, "PPTAVG_SITE").values[0], 119.586);
  EXPECT_EQ(attr(d, "BFI_AVE").values[0], 57.64014);
  // A CAMELS basin among the 410 (lg10 = 06188000): DRAIN_SQKM equals CAMELS area_gages2.
  EXPECT_EQ(attr(d, "area").values[d.site_index("06188000")], 1730.28);
}

// jobs/nwis_temp_regional.ini trains on the sites with attributes: its site
// file must be exactly those, in any order.
TEST(ImportersAttributesReal, NwisRegionalSiteFileIsTheSitesWithAttributes) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real";
  const std::string n = real_dir() + "/nwis_wtemp_flow_prism_410sites_jswade";
  CsvImportOptions o;
  o.temp_file = n + "/data_download/StreamTemperature/ST_2016_2020.csv";
  o.sitelist = n + "/data_download/StreamTemperature/sitelist_2016_2020.csv";
  o.attributes = n + "/data_raw/gagesII_RF_2016_2020_subset.csv";
  const DataSet d = import_csv(o);
  const auto bad = sites_with_nan(d);
  std::set<std::string> want, got;
  for (const auto& id : d.site_ids)
    if (!bad.count(id)) want.insert(id);
  std::ifstream in(std::string(MTL_SOURCE_DIR) + "/jobs/nwis_temp_regional_sites.txt");
  ASSERT_TRUE(in);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line.substr(0, line.find('#')));
    for (std::string w; words >> w;) EXPECT_TRUE(got.insert(w).second) << "duplicate " << w;
  }
  EXPECT_EQ(got, want);
}

// DRB: units and roles (the zarr values themselves: zarr_test.cpp).
TEST(ImportersAttributesReal, DrbRolesAndUnits) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real";
  const std::string root = real_dir() + "/drb_river_dl_test_zarr";
  DrbImportOptions o;
  o.zarr_dir = root;
  o.attributes = root + "/test_seg_attr.csv";
  o.dayl_from_latitude = true;
  std::vector<std::string> warn;
  const DataSet d = import_drb(o, &warn);
  EXPECT_EQ(iso_date(d.time.front()), "2003-09-15");
  EXPECT_EQ(iso_date(d.time.back()), "2006-10-15");
  EXPECT_EQ(d.driver_names, (std::vector<std::string>{"seg_rain", "seg_tave_air", "seg_humid", "dayl"}));
  ASSERT_EQ(d.extras.size(), 2u);  // PRMS outputs: truth, not inputs
  EXPECT_EQ(d.extras[0].name, "seg_outflow");
  EXPECT_EQ(d.extras[1].name, "seg_tave_water");
  EXPECT_EQ(d.attribute_index("area"), -1);  // hru_area is not the drainage area
  // test_seg_attr.csv row of 2007: hru_area 2986.506221658845 acres, hru_lat 40.035398817121205.
  EXPECT_DOUBLE_EQ(attr(d, "hru_area").values[0], 2986.506221658845 * 4046.8564224e-6);
  EXPECT_EQ(attr(d, "hru_area").units, "km2");
  EXPECT_EQ(d.latitude[0], 40.035398817121205);
  EXPECT_EQ(attr(d, "seg_slope").values[0], 0.0142080001533);
  EXPECT_TRUE(sites_with_nan(d).empty());
  // Observed days per segment (README): 1125, 774, 804, 855; flow and temp share the mask.
  const std::vector<int> days = {1125, 774, 804, 855};
  for (int s = 0; s < d.n_sites(); ++s) {
    int n = 0;
    for (int t = 0; t < d.n_time(); ++t) {
      n += !std::isnan(at(d.temp, d, s, t));
      EXPECT_EQ(std::isnan(at(d.temp, d, s, t)), std::isnan(at(d.flow, d, s, t)));
    }
    EXPECT_EQ(n, days[s]) << d.site_ids[s];
  }
  std::string all;
  for (const auto& w : warn) all += w + "\n";
  EXPECT_NE(all.find("left out: flulc felev fflux"), std::string::npos) << all;
}


}  // namespace
}  // namespace mtl
