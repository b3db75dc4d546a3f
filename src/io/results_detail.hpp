#pragma once
// Internal to the results writer (src/io/results*.cpp): the dataset table and
// the two write phases.
#include <hdf5.h>
#include <mpi.h>

#include <functional>
#include <string>
#include <vector>

#include "mtl/results.hpp"

namespace mtl {

/// Number of f64 metrics (rmse ... bias); n_obs is written separately as i64.
constexpr int kMetricCount = 10;

/// One row of the (site, lambda, seed) table as this rank writes it.
struct RowView {
  int64_t row = 0;                      // flat (site, lambda, seed) index
  const RunResult* result = nullptr;    // nullptr: pending
  int rank = -1;                        // rank that trained it; -1 pending
  int site_index = 0;
  const SiteMetrics* metrics = nullptr; // nullptr: no metrics (pending/failed)
};

/// A numeric per-row dataset: name, HDF5 type, fill value, dimension names
/// (the first three are always site, lambda, seed).
struct DatasetSpec {
  std::string name;
  hid_t type;
  const void* fill;
  std::vector<std::string> dims;
  std::string units;   // "" = no units attribute
  std::string long_name;
};

std::vector<DatasetSpec> dataset_specs(const ResultsShape& shape);
int64_t dim_size(const ResultsShape& shape, const std::string& dim);

/// Writes one row's inner block (product of dims after seed) of a dataset.
using RowWriter = std::function<void(const RowView&, char* out)>;
RowWriter row_writer(const DatasetSpec& spec, const Plan& plan);

/// Phase 2: gather failure messages to rank 0, which reopens the file serially
/// and adds string/coordinate variables, dimension scales and attributes.
void finish_results(const std::string& path, const Plan& plan, const std::vector<RowView>& rows,
                    const ResultsMeta& meta, MPI_Comm comm);

}  // namespace mtl
