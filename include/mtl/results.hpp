#pragma once
// The one results file (layout: docs/results.md).
// Written in two phases: all ranks create every numeric dataset and write the
// rows of their own block with collective MPI-IO transfers; then rank 0 alone
// reopens the file serially to add the string variables (site, partition,
// variable, message), the coordinate variables, dimension scales and
// attributes, because netCDF-C cannot read fixed-length string variables and
// parallel HDF5 cannot write variable-length ones.
#include <mpi.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/errors.hpp"
#include "mtl/runner.hpp"
#include "mtl/train.hpp"

namespace mtl {

/// Root attributes that are not derivable from the plan.
struct ResultsMeta {
  std::string config_path;
  std::string start_time, end_time;  // ISO 8601 UTC
  int ranks = 1;
};

/// One row source: this rank's result for a run of its block (status pending if
/// not trained) and the rank that trained it (-1 when pending).
struct BlockRow {
  const RunResult* result = nullptr;
  int rank = -1;
  const Scaling* scaling = nullptr;  // of result->final_params ([output] weights = final)
};

/// Dataset shapes derived from the plan (used by the writer and for sizing).
struct ResultsShape {
  int64_t sites = 0, lambdas = 0, seeds = 0;
  int64_t epochs = 0;                        // 0 = no loss curves
  std::array<int64_t, 3> pred_days{};        // per Part; 0 = not written
  int64_t hidden = 0, n_in = 0;              // saved weights' H and C; 0 = not written
  int64_t rows() const { return sites * lambdas * seeds; }
};
ResultsShape results_shape(const Plan& plan);
/// Bytes of raw dataset payload (what dominates the file size).
int64_t results_payload_bytes(const Plan& plan);

/// Thrown by write_results on every rank alike (rank 0's serial phase failed
/// and told the others). Any other exception from write_results is this
/// rank's alone: the other ranks may be waiting inside an HDF5/MPI-IO
/// collective, so the caller must abort them (MPI_Abort) rather than agree.
struct AgreedWriteError : ResultsError {
  using ResultsError::ResultsError;
};

/// Collective over comm: write `path` (created or truncated). rows[i] belongs to
/// run plan.blocks[rank].begin + i. Rank 0 then finishes the file serially.
/// Every HDF5 result is checked, file closes included. Throws AgreedWriteError
/// (every rank) or anything else (this rank only; see AgreedWriteError).
void write_results(const std::string& path, const Plan& plan, const std::vector<BlockRow>& rows,
                   const ResultsMeta& meta, MPI_Comm comm);

/// Contiguous flat range [begin, end) of a row-major array with dims `dims`,
/// split into at most 2*dims.size()-1 rectangular boxes in increasing order.
struct Box {
  std::vector<int64_t> start, count;
};
std::vector<Box> flat_range_boxes(const std::vector<int64_t>& dims, int64_t begin, int64_t end);

/// Serial readers for tests and tools.
std::vector<double> read_results_f64(const std::string& path, const std::string& name);
std::vector<int8_t> read_results_status(const std::string& path);
int64_t read_results_int_attr(const std::string& path, const std::string& name);

}  // namespace mtl
