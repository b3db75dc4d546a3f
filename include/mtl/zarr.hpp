#pragma once
// Reader of one zarr v2 array (https://zarr.readthedocs.io/en/stable/spec/v2.html):
// a folder with .zarray, optional .zattrs and one file per chunk. Enough for
// river-dl's stores: little-endian f4/f8/i4/i8, C order, no filters, compressor
// none or blosc (Debian's libblosc). Anything else is a DataError naming the
// array, the key and the value, never a silent misread.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mtl {

struct ZarrArray {
  std::string path;                          // the array's folder
  std::vector<std::size_t> shape;
  std::vector<double> values;                // C order; fill_value where a chunk file is absent
  std::vector<std::string> dims;             // .zattrs _ARRAY_DIMENSIONS (xarray), may be empty
  std::map<std::string, std::string> attrs;  // the string-valued .zattrs entries (units ...)
};

/// Reads the whole array. Integers must fit a double exactly (|v| <= 2^53).
ZarrArray read_zarr_array(const std::string& dir);

}  // namespace mtl
