// zarr v2 reader: small arrays written here (raw and blosc chunks, edge
// chunks, a missing chunk) and the errors for what it does not support.
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

}  // namespace
}  // namespace mtl
