// Input data set file: exact round trips, site/driver selection in file
// order, the info reader, and one-line errors naming file, key and value.
// (xarray interoperability: tests/python/test_dataset_xarray.py.)
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>

#include "support/expect_error.hpp"
#include "mtl/dataset_io.hpp"
#include "mtl/errors.hpp"
#include "mtl/synth.hpp"

namespace mtl {
namespace {

namespace fs = std::filesystem;

class DataSetIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mtl_dataset_io_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

/// Three sites with leading-zero ids, days before 1970 included, NaN gaps.
DataSet small() {
  DataSet d;
  d.site_ids = {"01022500", "00000001", "12345678"};
  d.latitude = {44.82, std::nan(""), -10.5};
  for (int t = -3; t < 4; ++t) d.time.push_back(t);
  d.driver_names = {"prcp", "tmax"};
  d.driver_units = {"mm/day", "degC"};
  const size_t n = 3 * 7;
  d.drivers.assign(2, std::vector<float>(n));
  d.flow.resize(n);
  d.temp.resize(n);
  for (size_t i = 0; i < n; ++i) {
    d.drivers[0][i] = 0.1f * static_cast<float>(i);
    d.drivers[1][i] = -5.0f + static_cast<float>(i) / 3.0f;
    d.flow[i] = (i % 5 == 0) ? std::nanf("") : 1e-3f * static_cast<float>(i * i);
    d.temp[i] = (i % 2 == 0) ? std::nanf("") : 20.0f - static_cast<float>(i);
  }
  return d;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// Row s of a [site, time] grid.
std::vector<float> row(const std::vector<float>& v, int s, int nt) {
  return {v.begin() + s * nt, v.begin() + (s + 1) * nt};
}

TEST_F(DataSetIo, RoundTripIsExact) {
  const DataSet d = small();
  write_dataset(path("a.nc"), d);
  EXPECT_FALSE(fs::exists(path("a.nc.tmp")));
  const DataSet r = read_dataset(path("a.nc"));
  EXPECT_EQ(r.site_ids, d.site_ids);
  EXPECT_EQ(r.time, d.time);
  EXPECT_EQ(r.driver_names, d.driver_names);
  EXPECT_EQ(r.driver_units, d.driver_units);
  EXPECT_EQ(r.latitude[0], d.latitude[0]);
  EXPECT_TRUE(std::isnan(r.latitude[1]));
  EXPECT_EQ(r.latitude[2], d.latitude[2]);
  for (int c = 0; c < 2; ++c) EXPECT_TRUE(same_bits(r.drivers[c], d.drivers[c]));
  EXPECT_TRUE(same_bits(r.flow, d.flow));
  EXPECT_TRUE(same_bits(r.temp, d.temp));
}

TEST_F(DataSetIo, SelectionKeepsFileOrder) {
  const DataSet d = small();
  write_dataset(path("a.nc"), d);
  const DataSet r = read_dataset(path("a.nc"), {"12345678", "01022500", "12345678"}, {"tmax"});
  EXPECT_EQ(r.site_ids, (std::vector<std::string>{"01022500", "12345678"}));
  EXPECT_EQ(r.driver_names, std::vector<std::string>{"tmax"});
  ASSERT_EQ(r.n_sites(), 2);
  EXPECT_TRUE(same_bits(row(r.drivers[0], 0, 7), row(d.drivers[1], 0, 7)));
  EXPECT_TRUE(same_bits(row(r.drivers[0], 1, 7), row(d.drivers[1], 2, 7)));
  EXPECT_TRUE(same_bits(row(r.flow, 1, 7), row(d.flow, 2, 7)));
  EXPECT_TRUE(same_bits(row(r.temp, 0, 7), row(d.temp, 0, 7)));
  EXPECT_EQ(r.latitude, (std::vector<double>{44.82, -10.5}));
  // Drivers come in the requested order.
  const DataSet q = read_dataset(path("a.nc"), {"00000001"}, {"tmax", "prcp"});
  EXPECT_EQ(q.driver_names, (std::vector<std::string>{"tmax", "prcp"}));
  EXPECT_TRUE(same_bits(q.drivers[1], row(d.drivers[0], 1, 7)));
}

TEST_F(DataSetIo, Info) {
  write_dataset(path("a.nc"), small());
  const DataSetInfo info = read_dataset_info(path("a.nc"));
  EXPECT_EQ(info.site_ids, small().site_ids);
  EXPECT_EQ(info.time.front(), -3);
  EXPECT_EQ(info.driver_names, (std::vector<std::string>{"prcp", "tmax"}));
  EXPECT_EQ(info.latitude.size(), 3u);
}

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  mtl::test::expect_data_error(f, parts);
}

TEST_F(DataSetIo, Errors) {
  const std::string a = path("a.nc");
  write_dataset(a, small());
  expect_error([&] { read_dataset(a, {"01022500", "99"}); }, {a, "site '99'"});
  expect_error([&] { read_dataset(a, {}, {"srad"}); }, {a, "driver 'srad'", "prcp tmax"});
  expect_error([&] { read_dataset(path("missing.nc")); }, {"missing.nc", "not found"});
  DataSet bad = small();
  bad.flow.pop_back();
  expect_error([&] { write_dataset(path("b.nc"), bad); }, {"b.nc", "flow"});
  EXPECT_FALSE(fs::exists(path("b.nc")));
  bad = small();
  bad.time[3] += 1;  // gap in the time axis
  expect_error([&] { write_dataset(path("b.nc"), bad); }, {"not consecutive", "1969-12-31 -> 1970-01-02"});
}

/// A tiny file whose `site_id` (1 string) or `time` (int32 days) declares
/// `extent` values, chunked and never written: the file stays a few KB.
void write_declaring(const std::string& file, const std::string& huge, hsize_t extent) {
  const hid_t f = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, 8);
  const hsize_t site_n = huge == "site_id" ? extent : 1, time_n = huge == "time" ? extent : 1;
  const hsize_t chunk[2] = {std::min<hsize_t>(site_n, 1024), std::min<hsize_t>(time_n, 1024)};
  const hid_t dcpl[2] = {H5Pcreate(H5P_DATASET_CREATE), H5Pcreate(H5P_DATASET_CREATE)};
  H5Pset_chunk(dcpl[0], 1, &chunk[0]);
  H5Pset_chunk(dcpl[1], 1, &chunk[1]);
  const hid_t s1 = H5Screate_simple(1, &site_n, nullptr), s2 = H5Screate_simple(1, &time_n, nullptr);
  const hid_t ids = H5Dcreate2(f, "site_id", str, s1, H5P_DEFAULT, dcpl[0], H5P_DEFAULT);
  const hid_t time = H5Dcreate2(f, "time", H5T_NATIVE_INT32, s2, H5P_DEFAULT, dcpl[1], H5P_DEFAULT);
  const char units[] = "days since 1970-01-01";
  const hid_t ut = H5Tcopy(H5T_C_S1);
  H5Tset_size(ut, sizeof units);
  const hid_t scalar = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(time, "units", ut, scalar, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, ut, units);
  for (hid_t id : {a}) H5Aclose(id);
  for (hid_t id : {ids, time}) H5Dclose(id);
  for (hid_t id : {s1, s2, scalar}) H5Sclose(id);
  for (hid_t id : {str, ut}) H5Tclose(id);
  for (hid_t id : dcpl) H5Pclose(id);
  H5Fclose(f);
}

TEST_F(DataSetIo, AbsurdExtentsAreDataErrorsNotAllocations) {
  for (const std::string var : {"time", "site_id"}) {
    const std::string file = path(var + "_2e50.nc");
    write_declaring(file, var, hsize_t{1} << 50);
    ASSERT_LT(fs::file_size(file), 20000u);
    expect_error([&] { read_dataset_info(file); },
                 {file, "variable '" + var + "' declares shape [1125899906842624]", "impossible in a"});
  }
  // A modest extent of the same kind is read (fill values), not refused.
  write_declaring(path("time_ok.nc"), "time", 1000);
  EXPECT_THROW(read_dataset_info(path("time_ok.nc")), DataError);  // fill 0s: not consecutive days
  try {
    read_dataset_info(path("time_ok.nc"));
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()).find("declares"), std::string::npos) << e.what();
  }
}

/// small() plus a truth series and a per-site truth value.
DataSet with_truth() {
  DataSet d = small();
  std::vector<float> v(d.flow.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = 100.0f + static_cast<float>(i);
  d.extras.push_back({"swe_true", "mm", "true snow", v});
  d.site_values.push_back({"share", "1", "a share", {0.5, 0.25, std::nan("")}});
  return d;
}

// Truth series are written with mtl_role = truth: never a default input, but
// readable as a named driver or as an extra series; per-site values come along.
TEST_F(DataSetIo, TruthSeriesAreNotDefaultInputs) {
  const DataSet d = with_truth();
  write_dataset(path("t.nc"), d);
  const DataSetInfo info = read_dataset_info(path("t.nc"));
  EXPECT_EQ(info.driver_names, (std::vector<std::string>{"prcp", "tmax"}));
  EXPECT_EQ(info.extra_names, std::vector<std::string>{"swe_true"});
  const DataSet r = read_dataset(path("t.nc"));
  EXPECT_EQ(r.driver_names, (std::vector<std::string>{"prcp", "tmax"}));
  EXPECT_TRUE(r.extras.empty());
  ASSERT_EQ(r.site_values.size(), 1u);
  EXPECT_EQ(r.site_values[0].name, "share");
  EXPECT_EQ(r.site_values[0].values[1], 0.25);
  const DataSet named = read_dataset(path("t.nc"), {"12345678"}, {"swe_true", "prcp"}, {"swe_true"});
  EXPECT_EQ(named.driver_names, (std::vector<std::string>{"swe_true", "prcp"}));
  EXPECT_EQ(named.driver_units[0], "mm");
  EXPECT_TRUE(same_bits(named.drivers[0], row(d.extras[0].values, 2, 7)));
  ASSERT_EQ(named.extras.size(), 1u);
  EXPECT_EQ(named.extras[0].long_name, "true snow");
  EXPECT_TRUE(same_bits(named.extras[0].values, row(d.extras[0].values, 2, 7)));
  EXPECT_TRUE(std::isnan(named.site_values[0].values[0]));  // site 12345678's value
  // A round trip through the writer keeps the truth as truth.
  DataSet all = read_dataset(path("t.nc"), {}, {}, {"swe_true"});
  write_dataset(path("u.nc"), all);
  EXPECT_EQ(read_dataset_info(path("u.nc")).extra_names, std::vector<std::string>{"swe_true"});
  expect_error([&] { read_dataset(path("t.nc"), {}, {}, {"nope"}); }, {"series 'nope'", "truth series: swe_true"});
  all.extras.push_back(all.extras[0]);
  expect_error([&] { write_dataset(path("v.nc"), all); }, {"v.nc", "'swe_true' twice"});
}

// Basin attributes are written with mtl_role = attribute and read back apart
// from the truth: never drivers, kept through a round trip, readable alone
// (read_site_attributes) in file order for any requested sites.
TEST_F(DataSetIo, AttributesRoundTripApartFromTruth) {
  DataSet d = with_truth();
  d.attributes.push_back({"area", "km2", "catchment area", {50.0, 1234.5, 7.0}});
  d.attributes.push_back({"aridity", "1", "", {0.5, std::nan(""), 2.0}});
  write_dataset(path("a.nc"), d);
  EXPECT_EQ(read_dataset_info(path("a.nc")).driver_names, (std::vector<std::string>{"prcp", "tmax"}));
  const DataSet r = read_dataset(path("a.nc"));
  ASSERT_EQ(r.attributes.size(), 2u);
  ASSERT_EQ(r.site_values.size(), 1u);
  EXPECT_EQ(r.attributes[0].name, "area");
  EXPECT_EQ(r.attributes[0].units, "km2");
  EXPECT_EQ(r.attributes[0].values, (std::vector<double>{50.0, 1234.5, 7.0}));
  EXPECT_TRUE(std::isnan(r.attributes[1].values[1]));
  EXPECT_EQ(r.attribute_index("aridity"), 1);
  const DataSet only = read_site_attributes(path("a.nc"), {d.site_ids[2], d.site_ids[0]});
  EXPECT_EQ(only.site_ids, (std::vector<std::string>{d.site_ids[0], d.site_ids[2]}));
  EXPECT_EQ(only.attributes[0].values, (std::vector<double>{50.0, 7.0}));
  write_dataset(path("b.nc"), r);
  EXPECT_EQ(read_dataset(path("b.nc")).attributes[0].values, r.attributes[0].values);
  d.attributes.push_back({"share", "1", "", {1, 2, 3}});  // a truth value's name
  expect_error([&] { write_dataset(path("c.nc"), d); }, {"c.nc", "'share' twice"});
}

// experiment.auxiliary naming a series: it replaces temp; an input or a
// missing series is a one-line data error naming file, key and value.
TEST_F(DataSetIo, ExperimentDataPutsTheAuxiliarySeriesInTheTempSlot) {
  const DataSet d = with_truth();
  write_dataset(path("t.nc"), d);
  Config cfg;
  cfg.data.file = path("t.nc");
  cfg.experiment.aux_series = "swe_true";
  const DataSet r = read_experiment_data(cfg, {"00000001"});
  EXPECT_TRUE(same_bits(r.temp, row(d.extras[0].values, 1, 7)));
  EXPECT_TRUE(same_bits(r.flow, row(d.flow, 1, 7)));
  EXPECT_TRUE(r.extras.empty());
  cfg.experiment.aux_series = "tmax";  // a default input
  expect_error([&] { read_experiment_data(cfg, {}); }, {"t.nc", "[experiment] auxiliary = 'tmax'", "input"});
  cfg.data.drivers = {"prcp"};  // not an input any more: allowed
  EXPECT_TRUE(same_bits(read_experiment_data(cfg, {}).temp, d.drivers[1]));
  cfg.experiment.aux_series = "nope";
  expect_error([&] { read_experiment_data(cfg, {}); }, {"t.nc", "auxiliary = 'nope'", "truth series: swe_true"});
}

// Not a timed test (nothing asserted on time): prints the read time of the
// default 101-site, 40-year world for the report.
TEST_F(DataSetIo, DefaultWorldReadTime) {
  SynthOptions o;
  const DataSet d = synth_world(o);
  write_dataset(path("synth101.nc"), d);
  const auto t0 = std::chrono::steady_clock::now();
  const DataSet r = read_dataset(path("synth101.nc"));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("read 101 sites x 40 years (%zu MB) in %.3f s\n",
              static_cast<size_t>(fs::file_size(path("synth101.nc")) >> 20), s);
  EXPECT_TRUE(same_bits(r.flow, d.flow));
  const DataSet one = read_dataset(path("synth101.nc"), {"synth050"});
  EXPECT_TRUE(same_bits(one.temp, row(d.temp, 50, d.n_time())));
}

}  // namespace
}  // namespace mtl
