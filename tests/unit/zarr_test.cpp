// zarr v2 reader: small arrays written here (raw and blosc chunks, edge
// chunks, a missing chunk), the errors for what it does not support, and
// river-dl's DRB store against derived_csv/ (a conversion by python zarr)
// value by value, skipped without ../shared.
#include <blosc.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/expect_error.hpp"
#include "mtl/importers.hpp"
#include "mtl/zarr.hpp"

namespace mtl {
namespace {

namespace fs = std::filesystem;

class ImportersZarr : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mtl_zarr_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  static std::string meta(const std::string& dtype, const std::string& compressor,
                          const std::string& order = "C", const std::string& fill = "\"NaN\"") {
    return "{\"chunks\": [2, 2], \"compressor\": " + compressor + ", \"dtype\": \"" + dtype +
           "\", \"fill_value\": " + fill + ", \"filters\": null, \"order\": \"" + order +
           "\", \"shape\": [3, 3], \"zarr_format\": 2}";
  }
  template <typename T>
  static std::string raw(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  fs::path dir_;
};

// A 3x3 array in 2x2 chunks: chunk (1,1) holds one real element, the rest is
// padding that must be ignored; chunk 0.1 is absent and reads as fill_value.
TEST_F(ImportersZarr, RawChunksEdgesAndFill) {
  write(".zarray", meta("<f8", "null", "C", "-1.5"));
  write(".zattrs", "{\"_ARRAY_DIMENSIONS\": [\"a\", \"b\"], \"units\": \"m\"}");
  write("0.0", raw(std::vector<double>{0, 1, 3, 4}));
  write("1.0", raw(std::vector<double>{6, 7, 99, 99}));
  write("1.1", raw(std::vector<double>{8, 99, 99, 99}));
  const ZarrArray a = read_zarr_array(dir_.string());
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{3, 3}));
  EXPECT_EQ(a.values, (std::vector<double>{0, 1, -1.5, 3, 4, -1.5, 6, 7, 8}));
  EXPECT_EQ(a.dims, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(a.attrs.at("units"), "m");
}

TEST_F(ImportersZarr, BloscChunksAndIntegers) {
  write(".zarray", meta("<i8", "{\"id\": \"blosc\", \"cname\": \"lz4\", \"clevel\": 5, \"shuffle\": 1, \"blocksize\": 0}"));
  const std::map<std::string, std::vector<int64_t>> chunks = {
      {"0.0", {10, 11, 13, 14}}, {"0.1", {12, -1, 15, -1}}, {"1.0", {16, 17, -1, -1}}, {"1.1", {18, -1, -1, -1}}};
  for (const auto& [key, v] : chunks) {
    std::string out(v.size() * 8 + BLOSC_MAX_OVERHEAD, '\0');
    const int n = blosc_compress(5, 1, 8, v.size() * 8, v.data(), out.data(), out.size());
    ASSERT_GT(n, 0);
    write(key, out.substr(0, static_cast<size_t>(n)));
  }
  const ZarrArray a = read_zarr_array(dir_.string());
  EXPECT_EQ(a.values, (std::vector<double>{10, 11, 12, 13, 14, 15, 16, 17, 18}));
}

TEST_F(ImportersZarr, UnsupportedIsAOneLineError) {
  write("0.0", raw(std::vector<double>{0, 1, 3, 4}));
  write(".zarray", meta(">f8", "null"));
  test::expect_data_error([&] { read_zarr_array(dir_.string()); }, {".zarray", "dtype", ">f8"});
  write(".zarray", meta("<f8", "null", "F"));
  test::expect_data_error([&] { read_zarr_array(dir_.string()); }, {".zarray", "order", "'F'"});
  write(".zarray", meta("<f8", "{\"id\": \"zstd\"}"));
  test::expect_data_error([&] { read_zarr_array(dir_.string()); }, {".zarray", "compressor", "zstd"});
  write(".zarray", meta("<f8", "null"));  // a raw chunk of the wrong size
  write("0.1", raw(std::vector<double>{1}));
  test::expect_data_error([&] { read_zarr_array(dir_.string()); }, {"0.1", "8 bytes", "expected 32"});
  write(".zarray", "{\"shape\": [3,");
  test::expect_data_error([&] { read_zarr_array(dir_.string()); }, {".zarray", "not JSON"});
}

std::string real_dir() {
  const std::string d = std::string(MTL_SHARED_DIR) + "/data/real/drb_river_dl_test_zarr";
  return fs::is_directory(d) ? d : "";
}

double csv_value(const std::string& s) { return s.empty() ? std::nan("") : std::stod(s); }

// Every value of every array against the CSV that python zarr wrote (exact:
// both are the same doubles printed with repr's round-trip precision, read
// back by strtod; our store is float32 for series, so compare there).
TEST(ImportersRealDrb, ZarrMatchesDerivedCsv) {
  if (real_dir().empty()) GTEST_SKIP() << "no ../shared/data/real/drb_river_dl_test_zarr";
  const std::string root = real_dir();
  DrbImportOptions opt;
  opt.zarr_dir = root;
  opt.attributes = root + "/test_seg_attr.csv";
  std::vector<std::string> warnings;
  const DataSet d = import_drb(opt, &warnings);
  ASSERT_EQ(d.n_sites(), 4);
  EXPECT_EQ(d.site_ids, (std::vector<std::string>{"2007", "2012", "2014", "2037"}));
  std::ifstream in(root + "/derived_csv/drb_4segments_2003-09-15_2006-10-15.csv");
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line, "seg_id_nat,date,temp_c_obs,discharge_cms_obs,seg_rain,seg_tave_air,seg_humid,seg_slope,"
                  "seg_outflow_prms,seg_tave_water_prms");
  const int slope = d.attribute_index("seg_slope");
  ASSERT_GE(slope, 0);
  std::map<std::string, int> seen;
  long rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f(1);
    for (char c : line) {
      if (c == ',') f.emplace_back();
      else f.back().push_back(c);
    }
    ASSERT_EQ(f.size(), 10u) << line;
    const int s = d.site_index(f[0]);
    ASSERT_GE(s, 0) << line;
    const int t = static_cast<int>(std::find_if(d.time.begin(), d.time.end(),
                                                [&](int32_t x) { return iso_date(x) == f[1]; }) - d.time.begin());
    ASSERT_LT(t, d.n_time()) << line;
    const size_t k = static_cast<size_t>(s) * d.n_time() + t;
    const auto same = [&](float got, const std::string& want) {
      return std::isnan(csv_value(want)) ? std::isnan(got) : got == static_cast<float>(csv_value(want));
    };
    EXPECT_TRUE(same(d.temp[k], f[2])) << line;
    EXPECT_TRUE(same(d.flow[k], f[3])) << line;
    for (int c = 0; c < 3; ++c) EXPECT_TRUE(same(d.drivers[c][k], f[4 + c])) << line;
    EXPECT_EQ(d.attributes[slope].values[s], csv_value(f[7])) << line;
    EXPECT_TRUE(same(d.extras[0].values[k], f[8])) << line;
    EXPECT_TRUE(same(d.extras[1].values[k], f[9])) << line;
    ++seen[f[0]];
    ++rows;
  }
  EXPECT_EQ(rows, static_cast<long>(d.n_sites()) * d.n_time());
  for (const auto& id : d.site_ids) EXPECT_EQ(seen[id], d.n_time()) << id;
}

}  // namespace
}  // namespace mtl
