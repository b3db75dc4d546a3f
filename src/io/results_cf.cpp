// What the results file says about itself (CF-1.8 conventions, netCDF-4 form):
// coordinate variables with their attributes, the attributes of every dataset,
// and the root attributes. Checked by tests/python/test_results_cf.py.
#include <hdf5.h>
#include <hdf5_hl.h>

#include <map>
#include <numeric>

#include "mtl/backend.hpp"
#include "mtl/h5.hpp"
#include "mtl/version.hpp"
#include "mtl/provenance.hpp"
#include "results_detail.hpp"

namespace mtl {
namespace {

H5Handle text_type(const std::string& s) {
  H5Handle t = h5_type(H5Tcopy(H5T_C_S1), "string type");
  h5_check(H5Tset_size(t, std::max<std::size_t>(s.size(), 1)), "string size");
  h5_check(H5Tset_strpad(t, H5T_STR_NULLPAD), "string pad");
  return t;
}

void attr_i64(hid_t obj, const std::string& name, int64_t v) {
  attr_values(obj, name, H5T_NATIVE_INT64, &v, 1);
}

void library_versions(std::string* hdf5, std::string* mpi) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  *hdf5 = std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(buf, &len);
  *mpi = std::string(buf, len);
  while (!mpi->empty() && (mpi->back() == '\n' || mpi->back() == '\0')) mpi->pop_back();
}

/// 0, 1, ..., n-1 as int32.
std::vector<int32_t> iota32(int64_t n, int32_t first = 0) {
  std::vector<int32_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), first);
  return v;
}

}  // namespace

void attr_text(hid_t obj, const std::string& name, const std::string& value) {
  H5Handle t = text_type(value);
  H5Handle sp = h5_space(H5Screate(H5S_SCALAR), name);
  H5Handle a = h5_attr(H5Acreate2(obj, name.c_str(), t, sp, H5P_DEFAULT, H5P_DEFAULT), name);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  h5_check(H5Awrite(a, t, padded.data()), "attribute " + name);
  a.close("close attribute " + name);
}

void attr_values(hid_t obj, const std::string& name, hid_t type, const void* v, hsize_t n) {
  H5Handle sp = h5_space(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), name);
  H5Handle a = h5_attr(H5Acreate2(obj, name.c_str(), type, sp, H5P_DEFAULT, H5P_DEFAULT), name);
  h5_check(H5Awrite(a, type, v), "attribute " + name);
  a.close("close attribute " + name);
}

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

void root_attributes(hid_t file, const Plan& plan, const ResultsMeta& meta, const Counts& c) {
  const Config& cfg = plan.cfg;
  std::string hdf5, mpi;
  library_versions(&hdf5, &mpi);
  const std::string program = "mtl_mpi " + program_version() + " (git " + git_hash() + ")";
  // CF-1.8 section 2.6.2 description attributes.
  attr_text(file, "Conventions", "CF-1.8");
  attr_text(file, "title", "mtl_mpi results of experiment " + cfg.experiment.name);
  attr_text(file, "source", program);
  attr_text(file, "history", meta.end_time + " " + program + " " + meta.config_path);
  attr_text(file, "references",
            "Sadler et al. (2022), Water Resources Research, doi:10.1029/2021WR030138");
  attr_text(file, "ini", cfg.ini_text);
  attr_text(file, "effective_config", effective_ini(cfg));
  attr_text(file, "config_path", meta.config_path);
  attr_text(file, "experiment", cfg.experiment.name);
  attr_text(file, "primary", to_string(cfg.experiment.primary));
  attr_text(file, "auxiliary",
            cfg.experiment.has_auxiliary ? variable_name(cfg.experiment, cfg.experiment.auxiliary)
                                         : "none");
  attr_text(file, "scope", to_string(cfg.experiment.scope));
  // How the targets were scaled and which attributes were inputs (issue 19).
  attr_text(file, "inputs", inputs_text(plan));
  attr_text(file, "flow_scaling", to_string(cfg.data.flow_scaling));
  attr_text(file, "loss", to_string(cfg.model.loss));
  // The digest of the input values the runs read, as the journal's resume check
  // has it (provenance.hpp): two files with the same digest ran on the same data.
  attr_text(file, "data_digest", plan.data_digest.empty() ? "unknown" : plan.data_digest);
  attr_text(file, "program_version", program_version());
  attr_text(file, "git_hash", git_hash());
  attr_text(file, "onednn_version", onednn_version() + " (" + onednn_hash() + ")");
  // What computed the LSTM in this launch (backend.hpp); onednn_isa is oneDNN's
  // ISA, which the onednn backend uses (the kernels backend does not).
  const NumericPath path = numeric_path(cfg.train.backend);
  attr_text(file, "numeric_path", path.text());
  attr_text(file, "lstm_backend", path.backend == BackendKind::kernels ? "kernels" : "onednn");
  attr_text(file, "lstm_isa", path.isa);
  attr_text(file, "onednn_isa", onednn_isa());
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
}

std::map<std::string, H5Handle> coordinates(hid_t file, const Plan& plan, const ResultsShape& s) {
  std::map<std::string, H5Handle> c;
  const auto n = [](int64_t k) { return std::vector<hsize_t>{static_cast<hsize_t>(k)}; };
  const auto ints = [&](const std::string& name, const std::vector<int32_t>& v) {
    c[name] = put_dataset(file, name, H5T_NATIVE_INT32, n(static_cast<int64_t>(v.size())), v.data());
  };
  c["site"] = put_strings(file, "site", n(s.sites), plan.grid.sites);
  attr_text(c["site"], "long_name", "site identifier (input data set)");
  c["lambda"] = put_dataset(file, "lambda", H5T_NATIVE_DOUBLE, n(s.lambdas),
                            plan.cfg.grid.lambdas.data());
  attr_text(c["lambda"], "long_name", "weight of the auxiliary loss, L = L_primary + lambda L_auxiliary");
  attr_text(c["lambda"], "units", "1");
  ints("seed", plan.cfg.grid.seeds);
  attr_text(c["seed"], "long_name", "random seed (initial weights; identical for every lambda)");
  c["partition"] = put_strings(file, "partition", n(3), {"train", "val", "test"});
  attr_text(c["partition"], "long_name", "data partition (period of [data] train, val, test)");
  c["variable"] = put_strings(file, "variable", n(2),
                             {"flow", variable_name(plan.cfg.experiment, Variable::temp)});
  attr_text(c["variable"], "long_name", "target variable (flow: streamflow, temp: stream water temperature)");
  ints("month", iota32(12, 1));
  attr_text(c["month"], "long_name", "calendar month (1 = January)");
  if (s.epochs > 0) {
    ints("epoch", iota32(s.epochs, 1));
    attr_text(c["epoch"], "long_name", "training epoch (1 = first)");
  }
  const DateRange ranges[] = {plan.cfg.data.train, plan.cfg.data.val, plan.cfg.data.test};
  const char* names[] = {"time_train", "time_val", "time"};
  for (int p = 0; p < kNumParts; ++p) {
    if (s.pred_days[p] == 0) continue;
    ints(names[p], iota32(s.pred_days[p], ranges[p].first));
    attr_text(c[names[p]], "standard_name", "time");
    attr_text(c[names[p]], "long_name", std::string("day of the ") + to_string(static_cast<Part>(p)) + " period");
    attr_text(c[names[p]], "units", "days since 1970-01-01");
    attr_text(c[names[p]], "calendar", "proleptic_gregorian");
  }
  if (s.hidden > 0) {  // saved weights (results_weights.cpp)
    ints("gate_unit", iota32(4 * s.hidden));
    attr_text(c["gate_unit"], "long_name", "LSTM gate unit: gates i, f, g, o (PyTorch order), hidden units each");
    ints("hidden", iota32(s.hidden));
    attr_text(c["hidden"], "long_name", "LSTM hidden unit");
    c["driver"] = put_strings(file, "driver", n(s.n_in), plan.drivers);
    attr_text(c["driver"], "long_name", "model input (driver), in input order");
    const Config& cfg = plan.cfg;
    c["output"] = put_strings(file, "output", n(2), {to_string(cfg.experiment.primary),
                            cfg.experiment.has_auxiliary ? to_string(cfg.experiment.auxiliary) : "none"});
    // Not "head": that would shadow xarray.Dataset.head.
    attr_text(c["output"], "long_name", "output head: primary target, auxiliary target");
  }
  for (auto& [name, d] : c) h5_check(H5DSset_scale(d, name.c_str()), "dimension scale " + name);
  return c;
}

void describe(hid_t d, const DatasetSpec& spec, std::map<std::string, H5Handle>& coords) {
  for (std::size_t i = 0; i < spec.dims.size(); ++i) {
    h5_check(H5DSattach_scale(d, coords.at(spec.dims[i]), static_cast<unsigned>(i)),
             "attach " + spec.dims[i] + " to " + spec.name);
  }
  // Only floating-point data are masked: a _FillValue on an integer (status 0
  // = pending, n_obs -1) would make xarray turn the whole variable into float64.
  const bool masked = H5Tget_class(spec.type) == H5T_FLOAT;
  if (spec.fill && masked) attr_values(d, "_FillValue", spec.type, spec.fill, 1);
  if (!spec.units.empty()) attr_text(d, "units", spec.units);
  if (!spec.long_name.empty()) attr_text(d, "long_name", spec.long_name);
  if (!spec.standard_name.empty()) attr_text(d, "standard_name", spec.standard_name);
  if (!spec.comment.empty()) attr_text(d, "comment", spec.comment);
  if (spec.name == "status") {
    const int8_t flags[] = {0, 1, 2};
    attr_values(d, "flag_values", H5T_NATIVE_INT8, flags, 3);
    attr_text(d, "flag_meanings", "pending done failed");
  }
}

}  // namespace mtl
