// Results file, phase 1 (collective): every rank creates every numeric dataset
// with the plan's extents and writes the rows of its own block with one
// collective transfer per dataset (union of rectangular hyperslabs; ranks
// with nothing to write take part with an empty selection).
#include "mtl/results.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "mtl/h5.hpp"
#include "results_detail.hpp"

namespace mtl {

std::vector<Box> flat_range_boxes(const std::vector<int64_t>& dims, int64_t begin, int64_t end) {
  std::vector<Box> out;
  if (begin >= end) return out;
  if (dims.size() == 1) {
    out.push_back({{begin}, {end - begin}});
    return out;
  }
  const std::vector<int64_t> inner_dims(dims.begin() + 1, dims.end());
  int64_t inner = 1;
  for (auto d : inner_dims) inner *= d;
  auto prefixed = [&](int64_t outer, std::vector<Box> boxes) {
    for (auto& b : boxes) {
      b.start.insert(b.start.begin(), outer);
      b.count.insert(b.count.begin(), 1);
      out.push_back(std::move(b));
    }
  };
  const int64_t first_outer = begin / inner, last_outer = (end - 1) / inner;
  if (first_outer == last_outer) {
    prefixed(first_outer, flat_range_boxes(inner_dims, begin % inner, (end - 1) % inner + 1));
    return out;
  }
  int64_t full_begin = first_outer, full_end = last_outer + 1;  // whole outer slices
  if (begin % inner != 0) {
    prefixed(first_outer, flat_range_boxes(inner_dims, begin % inner, inner));
    full_begin = first_outer + 1;
  }
  const bool partial_tail = end % inner != 0;
  if (partial_tail) full_end = last_outer;
  if (full_end > full_begin) {
    Box b{{full_begin}, {full_end - full_begin}};
    for (auto d : inner_dims) {
      b.start.push_back(0);
      b.count.push_back(d);
    }
    out.push_back(std::move(b));
  }
  if (partial_tail) prefixed(last_outer, flat_range_boxes(inner_dims, 0, end % inner));
  return out;
}

ResultsShape results_shape(const Plan& plan) {
  ResultsShape s;
  s.sites = static_cast<int64_t>(plan.grid.sites.size());
  s.lambdas = plan.grid.n_lambdas;
  s.seeds = plan.grid.n_seeds;
  const Config& cfg = plan.cfg;
  if (cfg.output.loss_curves) s.epochs = cfg.train.epochs;
  if (cfg.output.predictions != PredictionOutput::none) s.pred_days[2] = cfg.data.test.days();
  if (cfg.output.predictions == PredictionOutput::all) {
    s.pred_days[0] = cfg.data.train.days();
    s.pred_days[1] = cfg.data.val.days();
  }
  if (cfg.output.weights == WeightsOutput::final) {
    s.hidden = cfg.model.hidden;
    s.n_in = static_cast<int64_t>(plan.drivers.size());
  }
  return s;
}

int64_t results_payload_bytes(const Plan& plan) {
  const ResultsShape s = results_shape(plan);
  int64_t per_row = 16;  // message: variable-length reference
  for (const DatasetSpec& spec : dataset_specs(plan)) {
    int64_t n = static_cast<int64_t>(H5Tget_size(spec.type));
    for (std::size_t d = 3; d < spec.dims.size(); ++d) n *= dim_size(s, spec.dims[d]);
    per_row += n;
  }
  return per_row * s.rows();
}

namespace {

const SiteMetrics* find_site(const RunResult* r, int site) {
  if (r == nullptr) return nullptr;
  for (const auto& s : r->sites) {
    if (s.site_index == site) return &s;
  }
  return nullptr;
}

/// Rows of this rank in file order plus the hyperslab boxes they cover.
void block_rows(const Plan& plan, const std::vector<BlockRow>& rows, int rank,
                std::vector<RowView>& refs, std::vector<Box>& boxes) {
  const RunRange& block = plan.blocks[rank];
  const ResultsShape s = results_shape(plan);
  const std::vector<int64_t> dims{s.sites, s.lambdas, s.seeds};
  const bool multi = plan.grid.scope == Scope::multi_site;
  const int64_t per_site = multi ? s.lambdas * s.seeds : 0;
  const int64_t slots = multi ? s.sites : 1;
  for (int64_t slot = 0; slot < slots; ++slot) {
    for (int64_t i = 0; i < block.size(); ++i) {
      const RunSpec& run = plan.grid.runs[block.begin + i];
      const int site = multi ? static_cast<int>(slot) : run.site_index;
      const BlockRow& row = rows[i];
      const int64_t flat = multi ? slot * per_site + block.begin + i : block.begin + i;
      refs.push_back({flat, row.result, row.rank, site, find_site(row.result, site), row.scaling});
    }
    auto b = flat_range_boxes(dims, slot * per_site + block.begin, slot * per_site + block.end);
    boxes.insert(boxes.end(), b.begin(), b.end());
  }
}

/// Create a dataset collectively and write this rank's boxes of it.
void write_results_dataset(hid_t file, const DatasetSpec& spec, const std::vector<hsize_t>& dims,
                   const std::vector<Box>& boxes, const void* buf, hsize_t n_elems,
                   hid_t dxpl) {
  const int rank = static_cast<int>(dims.size());
  H5Handle fspace = h5_space(H5Screate_simple(rank, dims.data(), nullptr), spec.name);
  H5Handle dcpl = h5_plist(H5Pcreate(H5P_DATASET_CREATE), spec.name);
  h5_check(H5Pset_fill_value(dcpl, spec.type, spec.fill), "fill value of " + spec.name);
  // Every element is written by exactly one rank (blocks cover the grid), so
  // writing the fill value first would only double the I/O.
  h5_check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), "fill time of " + spec.name);
  H5Handle dset = h5_dataset(H5Dcreate2(file, spec.name.c_str(), spec.type, fspace, H5P_DEFAULT,
                                        dcpl, H5P_DEFAULT),
                             "create " + spec.name);
  h5_check(H5Sselect_none(fspace), spec.name);
  for (const auto& b : boxes) {
    std::vector<hsize_t> start(dims.size(), 0), count(dims);
    for (std::size_t d = 0; d < b.start.size(); ++d) {
      start[d] = static_cast<hsize_t>(b.start[d]);
      count[d] = static_cast<hsize_t>(b.count[d]);
    }
    h5_check(H5Sselect_hyperslab(fspace, H5S_SELECT_OR, start.data(), nullptr, count.data(),
                                 nullptr),
             "select rows of " + spec.name);
  }
  const hsize_t mem_dims = n_elems > 0 ? n_elems : 1;
  H5Handle mspace = h5_space(H5Screate_simple(1, &mem_dims, nullptr), spec.name);
  if (n_elems == 0) h5_check(H5Sselect_none(mspace), spec.name);
  h5_check(H5Dwrite(dset, spec.type, mspace, fspace, dxpl, buf), "write " + spec.name);
  dset.close("close " + spec.name);
}

/// Test hook for tests/mpi/collective_fault_test.sh: MTL_TEST_FAULT=<where>@<rank>
/// makes that rank fail at `where`, as an HDF5 error on one rank would.
void fault_point(const char* where, int rank) {
  const char* env = std::getenv("MTL_TEST_FAULT");
  if (env != nullptr && std::string(env) == std::string(where) + "@" + std::to_string(rank)) {
    throw ResultsError(std::string("injected fault (MTL_TEST_FAULT=") + env + ")");
  }
}

/// Phase 1: every rank creates every dataset and writes its rows.
void write_collective(const std::string& path, const Plan& plan, const std::vector<RowView>& refs,
                      const std::vector<Box>& boxes, int rank, MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  const H5CollectivePhase phase(size > 1);  // first: outlives every handle below
  const ResultsShape shape = results_shape(plan);
  H5Handle fapl = h5_plist(H5Pcreate(H5P_FILE_ACCESS), path);
  h5_check(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), "MPI-IO access for " + path);
  H5Handle file = h5_file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl),
                          "cannot create results file " + path);
  H5Handle dxpl = h5_plist(H5Pcreate(H5P_DATASET_XFER), path);
  h5_check(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "collective transfer");
  int index = 0;
  for (const DatasetSpec& spec : dataset_specs(plan)) {
    if (index++ == 1) fault_point("write_results", rank);
    std::vector<hsize_t> dims;
    for (const auto& d : spec.dims) dims.push_back(static_cast<hsize_t>(dim_size(shape, d)));
    std::size_t inner = 1;
    for (std::size_t d = 3; d < dims.size(); ++d) inner *= dims[d];
    const RowWriter writer = row_writer(spec, plan);
    std::vector<char> buf(refs.size() * inner * H5Tget_size(spec.type));
    const std::size_t row_bytes = inner * H5Tget_size(spec.type);
    for (std::size_t i = 0; i < refs.size(); ++i) {
      writer(refs[i], buf.data() + i * row_bytes);
    }
    write_results_dataset(file, spec, dims, boxes, buf.data(), refs.size() * inner, dxpl);
  }
  file.close("close " + path + " (data may not have reached the disk)");
}

}  // namespace

void write_results(const std::string& path, const Plan& plan, const std::vector<BlockRow>& rows,
                   const ResultsMeta& meta, MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  h5_quiet();
  std::vector<RowView> refs;
  std::vector<Box> boxes;
  block_rows(plan, rows, rank, refs, boxes);
  try {
    write_collective(path, plan, refs, boxes, rank, comm);
  } catch (const std::exception& e) {
    throw ResultsError(path + ": " + e.what());  // this rank's alone: the caller aborts
  }
  finish_results(path, plan, refs, meta, comm);
}

}  // namespace mtl
