// Results file, phase 2 (rank 0, serial): string variables, coordinate
// variables, dimension scales (so netCDF-C/xarray see named dimensions) and
// attributes. Also the serial readers used by tests and tools.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <oneapi/dnnl/dnnl.h>

#include <cstring>
#include <map>

#include "mtl/h5.hpp"
#include "results_detail.hpp"

namespace mtl {
namespace {

/// Failure messages of every row, gathered to rank 0 ("" elsewhere / when done).
std::vector<std::string> gather_messages(const std::vector<RowView>& rows, int64_t n_rows,
                                         MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::vector<char> mine;
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
  int my_bytes = static_cast<int>(mine.size());
  std::vector<int> counts(size), displs(size);
  MPI_Gather(&my_bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  int total = 0;
  for (int r = 0; r < size; ++r) {
    displs[r] = total;
    total += counts[r];
  }
  std::vector<char> all(rank == 0 ? std::max(total, 1) : 1);
  MPI_Gatherv(mine.data(), my_bytes, MPI_CHAR, all.data(), counts.data(), displs.data(), MPI_CHAR,
              0, comm);
  std::vector<std::string> out(rank == 0 ? n_rows : 0);
  for (int pos = 0; rank == 0 && pos < total;) {
    int64_t row = 0;
    uint32_t len = 0;
    std::memcpy(&row, all.data() + pos, 8);
    std::memcpy(&len, all.data() + pos + 8, 4);
    out[row].assign(all.data() + pos + 12, len);
    pos += 12 + static_cast<int>(len);
  }
  return out;
}

H5Handle text_type(const std::string& s) {
  H5Handle t = h5_type(H5Tcopy(H5T_C_S1), "string type");
  h5_check(H5Tset_size(t, std::max<std::size_t>(s.size(), 1)), "string size");
  h5_check(H5Tset_strpad(t, H5T_STR_NULLPAD), "string pad");
  return t;
}

void attr_text(hid_t obj, const std::string& name, const std::string& value) {
  H5Handle t = text_type(value);
  H5Handle sp = h5_space(H5Screate(H5S_SCALAR), name);
  H5Handle a = h5_attr(H5Acreate2(obj, name.c_str(), t, sp, H5P_DEFAULT, H5P_DEFAULT), name);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  h5_check(H5Awrite(a, t, padded.data()), "attribute " + name);
}

void attr_values(hid_t obj, const std::string& name, hid_t type, const void* v, hsize_t n) {
  H5Handle sp = h5_space(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), name);
  H5Handle a = h5_attr(H5Acreate2(obj, name.c_str(), type, sp, H5P_DEFAULT, H5P_DEFAULT), name);
  h5_check(H5Awrite(a, type, v), "attribute " + name);
}

void attr_i64(hid_t obj, const std::string& name, int64_t v) {
  attr_values(obj, name, H5T_NATIVE_INT64, &v, 1);
}

/// A 1-D or n-D dataset written whole, serially.
H5Handle put_dataset(hid_t file, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims, const void* data) {
  H5Handle sp = h5_space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), name);
  H5Handle d = h5_dataset(
      H5Dcreate2(file, name.c_str(), type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name);
  h5_check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + name);
  return d;
}

H5Handle put_strings(hid_t file, const std::string& name, const std::vector<hsize_t>& dims,
                     const std::vector<std::string>& values) {
  H5Handle t = h5_type(H5Tcopy(H5T_C_S1), name);
  h5_check(H5Tset_size(t, H5T_VARIABLE), name);
  h5_check(H5Tset_cset(t, H5T_CSET_UTF8), name);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  return put_dataset(file, name, t, dims, ptrs.data());
}

const char* isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "all";
  }
}

std::string library_versions(std::string* hdf5, std::string* mpi) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  *hdf5 = std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(buf, &len);
  *mpi = std::string(buf, len);
  while (!mpi->empty() && (mpi->back() == '\n' || mpi->back() == '\0')) mpi->pop_back();
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (" + v->hash + ")";
}

struct Counts {
  int64_t done = 0, failed = 0, pending = 0;
};

void root_attributes(hid_t file, const Plan& plan, const ResultsMeta& meta, const Counts& c) {
  const Config& cfg = plan.cfg;
  std::string hdf5, mpi;
  const std::string onednn = library_versions(&hdf5, &mpi);
  attr_text(file, "ini", cfg.ini_text);
  attr_text(file, "effective_config", effective_ini(cfg));
  attr_text(file, "config_path", meta.config_path);
  attr_text(file, "experiment", cfg.experiment.name);
  attr_text(file, "primary", to_string(cfg.experiment.primary));
  attr_text(file, "auxiliary",
            cfg.experiment.has_auxiliary ? variable_name(cfg.experiment, cfg.experiment.auxiliary) : "none");
  attr_text(file, "scope", to_string(cfg.experiment.scope));
  attr_text(file, "program_version", MTL_VERSION);
  attr_text(file, "git_hash", MTL_GIT_HASH);
  attr_text(file, "onednn_version", onednn);
  attr_text(file, "onednn_isa", isa_name(dnnl_get_effective_cpu_isa()));
  attr_text(file, "hdf5_version", hdf5);
  attr_text(file, "mpi_version", mpi);
  attr_i64(file, "ranks", meta.ranks);
  attr_text(file, "start_time", meta.start_time);
  attr_text(file, "end_time", meta.end_time);
  attr_i64(file, "complete", c.pending == 0 ? 1 : 0);
  attr_i64(file, "runs_total", c.done + c.failed + c.pending);
  attr_i64(file, "runs_done", c.done);
  attr_i64(file, "runs_failed", c.failed);
  attr_i64(file, "runs_pending", c.pending);
  attr_text(file, "Conventions", "CF-1.8");
}

/// Coordinate variables as dimension scales, by dimension name.
std::map<std::string, H5Handle> coordinates(hid_t file, const Plan& plan, const ResultsShape& s) {
  std::map<std::string, H5Handle> c;
  const auto n = [](int64_t k) { return std::vector<hsize_t>{static_cast<hsize_t>(k)}; };
  c["site"] = put_strings(file, "site", n(s.sites), plan.grid.sites);
  c["lambda"] = put_dataset(file, "lambda", H5T_NATIVE_DOUBLE, n(s.lambdas),
                            plan.cfg.grid.lambdas.data());
  c["seed"] = put_dataset(file, "seed", H5T_NATIVE_INT32, n(s.seeds), plan.cfg.grid.seeds.data());
  c["partition"] = put_strings(file, "partition", n(3), {"train", "val", "test"});
  c["variable"] = put_strings(file, "variable", n(2),
                             {"flow", variable_name(plan.cfg.experiment, Variable::temp)});
  std::vector<int32_t> months{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  c["month"] = put_dataset(file, "month", H5T_NATIVE_INT32, n(12), months.data());
  if (s.epochs > 0) {
    std::vector<int32_t> e(s.epochs);
    for (int64_t i = 0; i < s.epochs; ++i) e[i] = static_cast<int32_t>(i + 1);
    c["epoch"] = put_dataset(file, "epoch", H5T_NATIVE_INT32, n(s.epochs), e.data());
  }
  const DateRange ranges[] = {plan.cfg.data.train, plan.cfg.data.val, plan.cfg.data.test};
  const char* names[] = {"time_train", "time_val", "time"};
  for (int p = 0; p < kNumParts; ++p) {
    if (s.pred_days[p] == 0) continue;
    std::vector<int32_t> days(s.pred_days[p]);
    for (int64_t i = 0; i < s.pred_days[p]; ++i) days[i] = ranges[p].first + static_cast<int32_t>(i);
    c[names[p]] = put_dataset(file, names[p], H5T_NATIVE_INT32, n(s.pred_days[p]), days.data());
    attr_text(c[names[p]], "units", "days since 1970-01-01");
    attr_text(c[names[p]], "calendar", "proleptic_gregorian");
  }
  for (auto& [name, d] : c) h5_check(H5DSset_scale(d, name.c_str()), "dimension scale " + name);
  return c;
}

void describe(hid_t d, const DatasetSpec& spec, std::map<std::string, H5Handle>& coords) {
  for (std::size_t i = 0; i < spec.dims.size(); ++i) {
    h5_check(H5DSattach_scale(d, coords.at(spec.dims[i]), static_cast<unsigned>(i)),
             "attach " + spec.dims[i] + " to " + spec.name);
  }
  // status 0 (pending) and epochs_run 0 are values, not missing data: no
  // _FillValue there, or xarray would turn pending runs into NaN.
  const bool masked = spec.name != "status" && spec.name != "epochs_run";
  if (spec.fill && masked) attr_values(d, "_FillValue", spec.type, spec.fill, 1);
  if (!spec.units.empty()) attr_text(d, "units", spec.units);
  if (!spec.long_name.empty()) attr_text(d, "long_name", spec.long_name);
  if (spec.name == "status") {
    const int8_t flags[] = {0, 1, 2};
    attr_values(d, "flag_values", H5T_NATIVE_INT8, flags, 3);
    attr_text(d, "flag_meanings", "pending done failed");
  }
}

void finish_serial(const std::string& path, const Plan& plan, const std::vector<std::string>& msgs,
                   const ResultsMeta& meta, const Counts& counts) {
  const ResultsShape s = results_shape(plan);
  H5Handle file = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "reopen " + path);
  auto coords = coordinates(file, plan, s);
  const std::vector<hsize_t> run_dims{static_cast<hsize_t>(s.sites), static_cast<hsize_t>(s.lambdas),
                                      static_cast<hsize_t>(s.seeds)};
  H5Handle msg = put_strings(file, "message", run_dims, msgs);
  describe(msg, {"message", H5T_NATIVE_CHAR, nullptr, {"site", "lambda", "seed"}, "",
                 "failure reason (empty when done)"},
           coords);
  for (const DatasetSpec& spec : dataset_specs(s)) {
    H5Handle d = h5_dataset(H5Dopen2(file, spec.name.c_str(), H5P_DEFAULT), spec.name);
    describe(d, spec, coords);
  }
  root_attributes(file, plan, meta, counts);
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
      error = e.what();
    }
  }
  int failed = error.empty() ? 0 : 1;
  MPI_Bcast(&failed, 1, MPI_INT, 0, comm);  // nobody leaves before rank 0 is done
  if (failed) throw ResultsError(rank == 0 ? error : path + ": rank 0 could not finish the file");
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
