// Results file, phase 2 (rank 0, serial): string variables, coordinate
// variables, dimension scales (so netCDF-C/xarray see named dimensions) and
// attributes (their content: results_cf.cpp). Also the serial readers used by
// tests and tools.
#include <hdf5.h>
#include <hdf5_hl.h>

#include <cstring>
#include <map>

#include "mtl/h5.hpp"
#include "collective.hpp"
#include "results_detail.hpp"

namespace mtl {
namespace {

/// Failure messages of every row, gathered to rank 0 ("" elsewhere / when done).
std::vector<std::string> gather_messages(const std::vector<RowView>& rows, int64_t n_rows,
                                         MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string mine;  // per message: row (8 bytes), length (4), text
  for (const RowView& r : rows) {
    if (!r.result || r.result->message.empty()) continue;
    const std::string& m = r.result->message;
    const uint32_t len = static_cast<uint32_t>(m.size());
    mine.insert(mine.end(), reinterpret_cast<const char*>(&r.row),
                reinterpret_cast<const char*>(&r.row) + 8);
    mine.insert(mine.end(), reinterpret_cast<const char*>(&len),
                reinterpret_cast<const char*>(&len) + 4);
    mine.insert(mine.end(), m.begin(), m.end());
  }
  const std::string all = gather_to_root(mine, comm);
  std::vector<std::string> out(rank == 0 ? n_rows : 0);
  for (std::size_t pos = 0; pos < all.size();) {
    int64_t row = 0;
    uint32_t len = 0;
    std::memcpy(&row, all.data() + pos, 8);
    std::memcpy(&len, all.data() + pos + 8, 4);
    out[row].assign(all.data() + pos + 12, len);
    pos += 12 + len;
  }
  return out;
}

void finish_serial(const std::string& path, const Plan& plan, const std::vector<std::string>& msgs,
                   const ResultsMeta& meta, const Counts& counts) {
  const ResultsShape s = results_shape(plan);
  H5Handle file = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "reopen " + path);
  {
    auto coords = coordinates(file, plan, s);
    const std::vector<hsize_t> run_dims{static_cast<hsize_t>(s.sites), static_cast<hsize_t>(s.lambdas),
                                        static_cast<hsize_t>(s.seeds)};
    H5Handle msg = put_strings(file, "message", run_dims, msgs);
    describe(msg, {"message", H5T_NATIVE_CHAR, nullptr, {"site", "lambda", "seed"}, "",
                   "failure reason (empty when done)"},
             coords);
    msg.close("close message");
    for (const DatasetSpec& spec : dataset_specs(plan)) {
      H5Handle d = h5_dataset(H5Dopen2(file, spec.name.c_str(), H5P_DEFAULT), spec.name);
      describe(d, spec, coords);
      d.close("close " + spec.name);
    }
    for (auto& [name, d] : coords) d.close("close " + name);
  }
  root_attributes(file, plan, meta, counts);
  // Closing flushes every change: its failure (disk full) must not go unnoticed.
  file.close("close " + path + " (data may not have reached the disk)");
}

}  // namespace

void finish_results(const std::string& path, const Plan& plan, const std::vector<RowView>& rows,
                    const ResultsMeta& meta, MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  const ResultsShape s = results_shape(plan);
  const std::vector<std::string> msgs = gather_messages(rows, s.rows(), comm);
  // Per-run counts: a multi_site run appears once per site in `rows`.
  const int64_t copies = plan.grid.scope == Scope::multi_site ? s.sites : 1;
  int64_t local[3] = {0, 0, 0}, total[3] = {0, 0, 0};
  for (const RowView& r : rows) {
    const RunStatus st = r.result ? r.result->status : RunStatus::pending;
    ++local[static_cast<int>(st) == 1 ? 0 : static_cast<int>(st) == 2 ? 1 : 2];
  }
  MPI_Allreduce(local, total, 3, MPI_INT64_T, MPI_SUM, comm);
  const Counts counts{total[0] / copies, total[1] / copies, total[2] / copies};
  std::string error;
  if (rank == 0) {
    try {
      finish_serial(path, plan, msgs, meta, counts);
    } catch (const std::exception& e) {
      error = path + ": " + e.what();
    }
  }
  int failed = error.empty() ? 0 : 1;
  MPI_Bcast(&failed, 1, MPI_INT, 0, comm);  // nobody leaves before rank 0 is done
  if (failed) throw AgreedWriteError(rank == 0 ? error : path + ": rank 0 could not finish the file");
}

std::vector<double> read_results_f64(const std::string& path, const std::string& name) {
  H5Handle f = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path);
  H5Handle d = h5_dataset(H5Dopen2(f, name.c_str(), H5P_DEFAULT), path + ": " + name);
  H5Handle sp = h5_space(H5Dget_space(d), name);
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)));
  h5_check(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
  return v;
}

std::vector<int8_t> read_results_status(const std::string& path) {
  H5Handle f = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path);
  H5Handle d = h5_dataset(H5Dopen2(f, "status", H5P_DEFAULT), path + ": status");
  H5Handle sp = h5_space(H5Dget_space(d), "status");
  std::vector<int8_t> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)));
  h5_check(H5Dread(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "status");
  return v;
}

int64_t read_results_int_attr(const std::string& path, const std::string& name) {
  H5Handle f = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path);
  H5Handle a = h5_attr(H5Aopen(f, name.c_str(), H5P_DEFAULT), path + ": attribute " + name);
  int64_t v = 0;
  h5_check(H5Aread(a, H5T_NATIVE_INT64, &v), name);
  return v;
}

}  // namespace mtl
