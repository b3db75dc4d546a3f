#pragma once
// Internal to the results writer (src/io/results*.cpp): the dataset table and
// the two write phases.
#include <hdf5.h>
#include <mpi.h>

#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "mtl/h5.hpp"
#include "mtl/results.hpp"

namespace mtl {

/// One row of the (site, lambda, seed) table as this rank writes it.
struct RowView {
  int64_t row = 0;                      // flat (site, lambda, seed) index
  const RunResult* result = nullptr;    // nullptr: pending
  int rank = -1;                        // rank that trained it; -1 pending
  int site_index = 0;
  const SiteMetrics* metrics = nullptr; // nullptr: no metrics (pending/failed)
  const Scaling* scaling = nullptr;     // z-scores of result->final_params (weights only)
};

/// A numeric per-row dataset: name, HDF5 type, fill value, dimension names (the
/// first three are always site, lambda, seed), CF attributes, and what its row
/// writer reads. Integer datasets get no _FillValue attribute (xarray would turn
/// them into float64): their sentinel, if any, is stated in `comment`.
struct DatasetSpec {
  std::string name;
  hid_t type;
  const void* fill;
  std::vector<std::string> dims;
  std::string units;                 // UDUNITS-2; "" = no units attribute
  std::string long_name;
  std::string standard_name = "";    // CF standard name, where one exists
  std::string comment = "";
  std::string source = "";           // the RunResult field / metric it holds ("" = name)
  int target = -1;                   // Variable of a per-target dataset; -1: all on `variable`
  int part = -1;                     // Part of a prediction dataset
  double MetricSet::*metric = nullptr;  // the MetricSet field of a metric dataset
};

/// Fill values: NaN for floating point; integers' sentinels (no _FillValue attribute).
inline const double kFillF64 = std::numeric_limits<double>::quiet_NaN();
inline const float kFillF32 = std::numeric_limits<float>::quiet_NaN();
inline const int64_t kFillI64 = -1;
inline const int32_t kFillI32 = -1;
inline const int32_t kZeroI32 = 0;
inline const int8_t kFillI8 = 0;

std::vector<DatasetSpec> dataset_specs(const Plan& plan);
int64_t dim_size(const ResultsShape& shape, const std::string& dim);

/// The saved weights and their scaling ([output] weights = final; results_weights.cpp).
void add_weight_specs(const Plan& plan, std::vector<DatasetSpec>& specs);

/// Writes one row's inner block (product of dims after seed) of a dataset.
using RowWriter = std::function<void(const RowView&, char* out)>;
RowWriter row_writer(const DatasetSpec& spec, const Plan& plan);
RowWriter weight_writer(const DatasetSpec& spec, const Plan& plan);  // {} if not a weight

/// Units of a difference of quantities in `units` (an RMSE, a bias, a standard
/// deviation): K for temperatures in degC, since degC is an offset unit and CF
/// recommends K for temperature differences; otherwise `units` itself.
std::string difference_units(const std::string& units);

/// Per-row helpers shared by the writers.
template <class T>
void put(char* out, std::size_t i, T v) {
  std::memcpy(out + i * sizeof(T), &v, sizeof(T));
}
inline std::vector<std::string> run_dims(std::vector<std::string> tail) {
  std::vector<std::string> d{"site", "lambda", "seed"};
  d.insert(d.end(), tail.begin(), tail.end());
  return d;
}

/// Runs by status over the whole grid (root attributes).
struct Counts {
  int64_t done = 0, failed = 0, pending = 0;
};

/// Metadata of phase 2 (results_cf.cpp): HDF5 helpers, the coordinate
/// variables as dimension scales (by dimension name), a dataset's attributes
/// and scale attachments, and the root attributes.
void attr_text(hid_t obj, const std::string& name, const std::string& value);
void attr_values(hid_t obj, const std::string& name, hid_t type, const void* v, hsize_t n);
H5Handle put_dataset(hid_t file, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims, const void* data);
H5Handle put_strings(hid_t file, const std::string& name, const std::vector<hsize_t>& dims,
                     const std::vector<std::string>& values);
std::map<std::string, H5Handle> coordinates(hid_t file, const Plan& plan, const ResultsShape& s);
void describe(hid_t d, const DatasetSpec& spec, std::map<std::string, H5Handle>& coords);
void root_attributes(hid_t file, const Plan& plan, const ResultsMeta& meta, const Counts& c);

/// Phase 2: gather failure messages to rank 0, which reopens the file serially
/// and adds string/coordinate variables, dimension scales and attributes.
void finish_results(const std::string& path, const Plan& plan, const std::vector<RowView>& rows,
                    const ResultsMeta& meta, MPI_Comm comm);

}  // namespace mtl
