#pragma once
// Private helpers of the data-set reader/writer: string attributes and the
// netCDF-4 naming conventions (not a public header).
#include <hdf5.h>

#include <algorithm>
#include <string>

#include "mtl/h5.hpp"

namespace mtl::nc {

/// netCDF-C marks a dimension without coordinate variable by this scale name
/// (followed by the length in 10 characters).
constexpr const char* kDimWithoutVariable = "This is a netCDF dimension but not a netCDF variable.";

/// Scalar fixed-length ASCII string attribute (netCDF-C's NC_CHAR form).
inline void write_string_attr(hid_t obj, const std::string& name, const std::string& value) {
  H5Handle type = h5_type(H5Tcopy(H5T_C_S1), "copy string type");
  h5_check(H5Tset_size(type, std::max<size_t>(value.size(), 1)), "string size");
  h5_check(H5Tset_strpad(type, H5T_STR_NULLTERM), "string pad");
  H5Handle space = h5_space(H5Screate(H5S_SCALAR), "scalar space");
  H5Handle attr = h5_attr(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                          "create attribute " + name);
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  h5_check(H5Awrite(attr, type, padded.data()), "write attribute " + name);
}

/// String attribute, fixed-length or variable-length; nullopt-like "" + false when absent.
inline bool read_string_attr(hid_t obj, const std::string& name, std::string& out) {
  if (H5Aexists(obj, name.c_str()) <= 0) return false;
  H5Handle attr = h5_attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "open attribute " + name);
  H5Handle type = h5_type(H5Aget_type(attr), "attribute type " + name);
  if (H5Tget_class(type) != H5T_STRING) return false;
  if (H5Tis_variable_str(type) > 0) {
    H5Handle mem = h5_type(H5Tcopy(type), "string type");
    char* value = nullptr;
    H5Handle space = h5_space(H5Aget_space(attr), "attribute space");
    if (H5Sget_simple_extent_npoints(space) != 1) return false;
    h5_check(H5Aread(attr, mem, &value), "read attribute " + name);
    out = value ? value : "";
    H5free_memory(value);
    return true;
  }
  H5Handle space = h5_space(H5Aget_space(attr), "attribute space");
  if (H5Sget_simple_extent_npoints(space) != 1) return false;  // buf holds one string only
  const size_t size = H5Tget_size(type);
  std::string buf(size, '\0');
  h5_check(H5Aread(attr, type, buf.data()), "read attribute " + name);
  out = buf.substr(0, buf.find('\0'));
  return true;
}

}  // namespace mtl::nc
