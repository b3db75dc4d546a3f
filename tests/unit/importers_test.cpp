// Importers: parsers on strings, then the real files in ../shared/data/real
// (skipped when absent) against values read by hand from those files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "support/expect_error.hpp"
#include "mtl/errors.hpp"
#include "mtl/importers.hpp"
#include "mtl/synth.hpp"

namespace mtl {
namespace {

namespace fs = std::filesystem;

// Stored floats: the parsers convert in double and round once to float, so
// the expected value is the float nearest to the double product (exact).
float as_float(double x) { return static_cast<float>(x); }

int32_t ymd(int y, int m, int d) { return days_from_civil(y, m, d); }

TEST(Importers, CamelsForcingFromString) {
  std::istringstream in(
      "  44.82\n 133.00\n 587675987\n"
      "Year Mnth Day Hr\tDayl(s)\tPRCP(mm/day)\tSRAD(W/m2)\tSWE(mm)\tTmax(C)\tTmin(C)\tVp(Pa)\n"
      "1980 01 01 12\t31185.94\t0.00\t247.36\t0.00\t-5.69\t-5.69\t257.60\n"
      "1980\t1\t2\t12\t31302.07\t1.50\t209.59\t0.00\t-3.05\t-3.10\t310.93");  // tabs, no newline
  const CamelsForcing f = parse_camels_forcing(in, "mem");
  EXPECT_EQ(f.latitude, 44.82);
  EXPECT_EQ(f.area_m2, 587675987.0);
  EXPECT_EQ(f.names, (std::vector<std::string>{"dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"}));
  EXPECT_EQ(f.units[1], "mm/day");
  EXPECT_EQ(f.time, (std::vector<int32_t>{ymd(1980, 1, 1), ymd(1980, 1, 2)}));
  EXPECT_EQ(f.values[0][0], 31185.94f);
  EXPECT_EQ(f.values[1][1], 1.5f);
  EXPECT_EQ(f.values[5][1], -3.1f);
}

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  mtl::test::expect_data_error(f, parts);
}

TEST(Importers, CamelsErrorsNameLineAndValue) {
  const std::string head = "1\n2\n3\nYear Mnth Day Hr dayl(s) prcp(mm/day)\n";
  expect_error([&] { std::istringstream in(head + "1980 01 01 12 1 x\n"); parse_camels_forcing(in, "f.txt"); },
               {"f.txt:5", "'x'", "prcp"});
  expect_error([&] { std::istringstream in(head + "1980 02 30 12 1 2\n"); parse_camels_forcing(in, "f.txt"); },
               {"f.txt:5", "bad date"});
  expect_error([&] {
    std::istringstream in(head + "1980 01 01 12 1 2\n1980 01 03 12 1 2\n");
    parse_camels_forcing(in, "f.txt");
  }, {"f.txt:6", "1980-01-03", "1980-01-01"});
  expect_error([&] { std::istringstream in("1\n2\n3\nYear Mnth Day Hr foo(s)\n"); parse_camels_forcing(in, "f.txt"); },
               {"f.txt:4", "foo(s)"});
}

TEST(Importers, CamelsStreamflowFromString) {
  std::istringstream in("01013500 1993 09 29   514.00 A\n01013500 1993 09 30  -999.00 M\n"
                        "01013500 1993 10 02     0.00 A:e\n");
  const DailySeries s = parse_camels_streamflow(in, "mem");
  EXPECT_EQ(s.time, (std::vector<int32_t>{ymd(1993, 9, 29), ymd(1993, 9, 30), ymd(1993, 10, 2)}));
  EXPECT_EQ(s.value[0], as_float(514.0 * kCfsToM3s));
  EXPECT_TRUE(std::isnan(s.value[1]));
  EXPECT_EQ(s.value[2], 0.0f);
}

TEST(Importers, WideCsvFromString) {
  std::istringstream in("Date,MonYr,sm1,md2\n10/1/2016,201610,13.7,NA\n10/2/2016,201610,,-1.5\n");
  const WideTable t = parse_wide_csv(in, "mem");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"sm1", "md2"}));
  EXPECT_EQ(t.time, (std::vector<int32_t>{ymd(2016, 10, 1), ymd(2016, 10, 2)}));
  EXPECT_EQ(t.values[0][0], 13.7);
  EXPECT_TRUE(std::isnan(t.values[1][0]));
  EXPECT_TRUE(std::isnan(t.values[0][1]));
  EXPECT_EQ(t.values[1][1], -1.5);
  std::istringstream sl("ID,site\nsm1,'01104475\nmd2,\"02336030\"\n");
  const auto pairs = parse_sitelist(sl, "mem");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"sm1", "01104475"}));
  EXPECT_EQ(pairs[1].second, "02336030");
  std::istringstream co("42.354541,-71.268112,'01104475\n");
  const auto c = parse_coords(co, "mem");
  EXPECT_EQ(c[0].site_id, "01104475");
  EXPECT_EQ(c[0].lat, 42.354541);
  std::istringstream bad("Date,a\n13/1/2016,1\n");
  expect_error([&] { parse_wide_csv(bad, "w.csv"); }, {"w.csv:2", "13/1/2016"});
}


TEST(Importers, AttributeTableFromString) {
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

TEST(Importers, AttributeTableErrorsNameFileLineColumnValue) {
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
class ImportersFiles : public ::testing::Test {
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

TEST_F(ImportersFiles, CamelsAttributesMissingSiteIsNaNWithWarning) {
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

TEST_F(ImportersFiles, GagesAttributesByColumnIdOrSiteNumber) {
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

int day_index(const DataSet& d, int y, int m, int dd) { return ymd(y, m, dd) - d.time.front(); }
float at(const std::vector<float>& v, const DataSet& d, int s, int t) { return v[s * d.n_time() + t]; }

TEST(ImportersReal, CamelsCuahsiNldas) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real";
  const std::string root = real_dir() + "/camels_us_cuahsi_sample";
  const DataSet d = import_camels(root + "/basin_mean_forcing/nldas", root + "/usgs_streamflow",
                                  {"01022500", "06221400", "08023080"});
  d.check_shape("camels");
  // Union of forcing dates: 01022500 covers 1980-01-01..2014-12-31.
  EXPECT_EQ(iso_date(d.time.front()), "1980-01-01");
  EXPECT_EQ(iso_date(d.time.back()), "2014-12-31");
  EXPECT_EQ(d.latitude[0], 44.82);
  // 01022500 flow file line 1: "1980 01 01 395.00" cfs; line 1000: 1982-09-26 143.00.
  EXPECT_EQ(at(d.flow, d, 0, 0), as_float(395.0 * kCfsToM3s));
  EXPECT_EQ(at(d.flow, d, 0, day_index(d, 1982, 9, 26)), as_float(143.0 * kCfsToM3s));
  EXPECT_TRUE(std::isnan(at(d.flow, d, 0, day_index(d, 2014, 10, 1))));  // -999.00 M
  // Forcing line 1004 of 01022500: 1982-09-26 srad 399.91, tmax 13.78, vp 1201.00.
  const int srad = d.driver_index("srad"), tmax = d.driver_index("tmax"), vp = d.driver_index("vp");
  EXPECT_EQ(at(d.drivers[srad], d, 0, day_index(d, 1982, 9, 26)), 399.91f);
  EXPECT_EQ(at(d.drivers[tmax], d, 0, day_index(d, 1982, 9, 26)), 13.78f);
  EXPECT_EQ(at(d.drivers[vp], d, 0, day_index(d, 1982, 9, 26)), 1201.0f);
  // 06221400: forcing 1993-09-29 (prcp 0.34) .. 2013-10-03; flow starts 2002-06-30 (495 cfs).
  const int prcp = d.driver_index("prcp");
  EXPECT_TRUE(std::isnan(at(d.drivers[prcp], d, 1, day_index(d, 1993, 9, 28))));
  EXPECT_EQ(at(d.drivers[prcp], d, 1, day_index(d, 1993, 9, 29)), 0.34f);
  EXPECT_EQ(at(d.drivers[prcp], d, 1, day_index(d, 2013, 10, 3)), 15.54f);
  EXPECT_TRUE(std::isnan(at(d.flow, d, 1, day_index(d, 2002, 6, 29))));
  EXPECT_EQ(at(d.flow, d, 1, day_index(d, 2002, 6, 30)), as_float(495.0 * kCfsToM3s));
  EXPECT_TRUE(std::isnan(at(d.flow, d, 1, day_index(d, 2014, 10, 27))));  // -999.00 M
  // 08023080 flow starts 1993-10-08 with 0.00 cfs (a real zero, not missing).
  EXPECT_TRUE(std::isnan(at(d.flow, d, 2, day_index(d, 1993, 10, 7))));
  EXPECT_EQ(at(d.flow, d, 2, day_index(d, 1993, 10, 8)), 0.0f);
  for (float t : d.temp) ASSERT_TRUE(std::isnan(t));  // CAMELS has no water temperature
}

TEST(ImportersReal, CamelsDaymetAndDayLength) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real";
  const std::string root = real_dir() + "/camels_us_neuralhydrology_test/camels_us";
  const DataSet d = import_camels(root + "/basin_mean_forcing/daymet", root + "/usgs_streamflow", {});
  EXPECT_EQ(d.site_ids, (std::vector<std::string>{"01022500", "01547700", "02064000", "03015500"}));
  EXPECT_EQ(iso_date(d.time.back()), "2003-12-31");  // 01022500's Daymet file (no final newline)
  const int tmax = d.driver_index("tmax"), tmin = d.driver_index("tmin"), dayl = d.driver_index("dayl");
  EXPECT_EQ(at(d.drivers[tmax], d, 0, 0), -2.36f);  // 2000 01 01: tmax -2.36, tmin -14.36
  EXPECT_EQ(at(d.drivers[tmin], d, 0, 0), -14.36f);
  // Our day length (Spencer declination) against Daymet's on 2000-01-01 and
  // 2000-06-20 at 44.82 N: Daymet uses its own solar geometry; 0.5 % (about
  // 4 minutes) bounds the difference of the two published formulas.
  EXPECT_NEAR(day_length_seconds(44.82, 1), at(d.drivers[dayl], d, 0, 0), 0.005 * 31185.97);
  EXPECT_NEAR(day_length_seconds(44.82, 172), at(d.drivers[dayl], d, 0, day_index(d, 2000, 6, 20)),
              0.005 * 55411.63);
  // Flow ends with the streamflow files on 2002-12-31: 2003 is NaN.
  EXPECT_TRUE(std::isnan(at(d.flow, d, 0, day_index(d, 2003, 1, 1))));
  EXPECT_FALSE(std::isnan(at(d.flow, d, 0, day_index(d, 2002, 12, 31))));
}

TEST(ImportersReal, NwisWideCsv) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real";
  const std::string dd = real_dir() + "/nwis_wtemp_flow_prism_410sites_jswade/data_download";
  CsvImportOptions o;
  o.flow_file = dd + "/Discharge/Discharge_2016_2020.csv";
  o.temp_file = dd + "/StreamTemperature/ST_2016_2020.csv";
  o.drivers = {{"tmean", dd + "/AirTemperature/PRISM_tmean_2016_2020.csv"}};
  o.sitelist = dd + "/StreamTemperature/sitelist_2016_2020.csv";
  o.coords = dd + "/AirTemperature/sites_getprism.csv";
  o.dayl_from_latitude = true;
  const DataSet d = import_csv(o);
  d.check_shape("nwis");
  ASSERT_EQ(d.n_sites(), 410);
  EXPECT_EQ(d.n_time(), 1461);
  EXPECT_EQ(iso_date(d.time.front()), "2016-10-01");
  EXPECT_EQ(iso_date(d.time.back()), "2020-09-30");
  EXPECT_EQ(d.site_ids[0], "01104475");  // sm1, leading zero kept
  EXPECT_EQ(d.latitude[0], 42.354541);
  EXPECT_EQ(d.driver_names, (std::vector<std::string>{"tmean", "dayl"}));
  // Row 10/1/2016: sm1 discharge 0.2 cfs, water temperature 13.7, PRISM tmean 13.5.
  EXPECT_EQ(at(d.flow, d, 0, 0), as_float(0.2 * kCfsToM3s));
  EXPECT_EQ(at(d.temp, d, 0, 0), 13.7f);
  EXPECT_EQ(at(d.drivers[0], d, 0, 0), 13.5f);
  // Last row 9/30/2020: sm1 discharge 0.1 cfs.
  EXPECT_EQ(at(d.flow, d, 0, 1460), as_float(0.1 * kCfsToM3s));
  // sm13 = '14211499 (12th site column) has NA water temperature on 10/1/2016.
  const int s13 = d.site_index("14211499");
  ASSERT_EQ(s13, 11);
  EXPECT_TRUE(std::isnan(at(d.temp, d, s13, 0)));
  EXPECT_EQ(at(d.temp, d, s13, 1), 12.2f);
  EXPECT_EQ(d.latitude[s13], 45.476787);
  EXPECT_EQ(at(d.drivers[1], d, 0, 0), as_float(day_length_seconds(42.354541, day_of_year(d.time[0]))));
}


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
TEST(ImportersReal, CamelsAttributes) {
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
TEST(ImportersReal, NwisGagesAttributes) {
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
TEST(ImportersReal, NwisRegionalSiteFileIsTheSitesWithAttributes) {
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
TEST(ImportersReal, DrbRolesAndUnits) {
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
