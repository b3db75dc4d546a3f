// Importers: parsers on strings, then the real files in ../shared/data/real
// (skipped when absent) against values read by hand from those files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
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


}  // namespace
}  // namespace mtl
