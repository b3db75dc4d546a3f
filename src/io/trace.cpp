// HDF5 trace of one run; the layout is documented in trace.hpp and docs/training.md
// ("Tracing one run").
#include "mtl/trace.hpp"

#include <hdf5.h>

#include <vector>

#include "mtl/errors.hpp"
#include "mtl/h5.hpp"
#include "mtl/metrics.hpp"
#include "mtl/params.hpp"

namespace mtl {

namespace {

class TraceWriter {
 public:
  explicit TraceWriter(const std::string& path) : path_(path) {
    h5_quiet();
    file_ = wrap(h5_file, H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create file");
  }

  void group(const std::string& name) {
    H5Handle g = wrap(h5_group, H5Gcreate2(file_, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create group " + name);
    closed(g, "close group " + name);
  }

  /// The final flush: a failure here (disk full) must not go unnoticed.
  void close() { closed(file_, "close (data may not have reached the disk)"); }

  template <class T>
  void dataset(const std::string& name, const std::vector<hsize_t>& dims, const T* data) {
    hid_t type = native<T>();
    H5Handle space = wrap(h5_space, H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                                                     nullptr), "dataspace " + name);
    H5Handle ds = wrap(h5_dataset, H5Dcreate2(file_, name.c_str(), type, space, H5P_DEFAULT,
                                              H5P_DEFAULT, H5P_DEFAULT), "create " + name);
    hsize_t n = 1;
    for (hsize_t d : dims) n *= d;
    if (n > 0) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + name);
    closed(ds, "close " + name);
  }
  template <class T>
  void vector(const std::string& name, const std::vector<T>& v) {
    dataset(name, {v.size()}, v.data());
  }

  void attr(const std::string& obj, const std::string& name, const std::string& value) {
    H5Handle type = wrap(h5_type, H5Tcopy(H5T_C_S1), "string type");
    check(H5Tset_size(type, value.empty() ? 1 : value.size()), "string size");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "string cset");
    write_attr(obj, name, type, value.c_str());
  }
  void attr(const std::string& obj, const std::string& name, double value) {
    write_attr(obj, name, H5T_NATIVE_DOUBLE, &value);
  }
  /// A list of strings as one comma-separated attribute.
  void attr(const std::string& obj, const std::string& name, const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
    attr(obj, name, s);
  }

 private:
  template <class T>
  static hid_t native();

  void write_attr(const std::string& obj, const std::string& name, hid_t type, const void* v) {
    H5Handle space = wrap(h5_space, H5Screate(H5S_SCALAR), "scalar space");
    H5Handle a = wrap(h5_attr, H5Acreate_by_name(file_, obj.c_str(), name.c_str(), type, space,
                                                 H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "attribute " + obj + "@" + name);
    check(H5Awrite(a, type, v), "write attribute " + name);
    closed(a, "close attribute " + name);
  }
  template <class F>
  H5Handle wrap(F make, hid_t id, const std::string& what) {
    if (id < 0) throw ResultsError("trace " + path_ + ": HDF5: " + what);
    return make(id, what);
  }
  void check(herr_t status, const std::string& what) {
    if (status < 0) throw ResultsError("trace " + path_ + ": HDF5: " + what);
  }
  void closed(H5Handle& h, const std::string& what) {
    try {
      h.close(what);
    } catch (const Error&) {
      check(-1, what);
    }
  }

  std::string path_;
  H5Handle file_;
};

template <>
hid_t TraceWriter::native<float>() { return H5T_NATIVE_FLOAT; }
template <>
hid_t TraceWriter::native<double>() { return H5T_NATIVE_DOUBLE; }
template <>
hid_t TraceWriter::native<int32_t>() { return H5T_NATIVE_INT32; }

const char* part_group(int p) {
  static const char* names[kNumParts] = {"train_eval", "val", "test"};
  return names[p];
}

void write_sequences(TraceWriter& w, const std::string& g, const SequenceSet& s) {
  const hsize_t T = s.seq_len, N = s.n_seq, C = s.n_in;
  w.group(g);
  w.dataset(g + "/x", {T, N, C}, s.x.data());
  w.dataset(g + "/y", {T, N, 2}, s.y.data());
  w.dataset(g + "/day", {T, N}, s.day.data());
}

/// Flat params -> PyTorch nn.LSTM tensors (params.hpp, torch_params).
void write_params(TraceWriter& w, const std::string& g, const std::vector<float>& p,
                  const ParamLayout& L) {
  const hsize_t C = L.n_in, H = L.hidden, G = kNumGates * H;
  const TorchParams t = torch_params(p.data(), L);
  w.group(g);
  w.dataset(g + "/weight_ih_l0", {G, C}, t.weight_ih_l0.data());
  w.dataset(g + "/weight_hh_l0", {G, H}, t.weight_hh_l0.data());
  w.dataset(g + "/bias_ih_l0", {G}, t.bias_ih_l0.data());
  w.dataset(g + "/bias_hh_l0", {G}, t.bias_hh_l0.data());
  w.dataset(g + "/head_weight", {2, H}, t.head_weight.data());
  w.dataset(g + "/head_bias", {2}, t.head_bias.data());
}

/// Prediction::value is [day][Variable]; the trace stores [day][role].
void write_predictions(TraceWriter& w, const SiteData& data, const RunTrace& trace) {
  w.group("/prediction");
  const Variable roles[2] = {data.primary, data.auxiliary};
  for (int p = 0; p < kNumParts; ++p) {
    std::vector<float> value;
    std::vector<int32_t> day, site;
    for (const Prediction& pr : trace.predictions) {
      if (static_cast<int>(pr.part) != p) continue;
      for (std::size_t i = 0; i < pr.day.size(); ++i) {
        day.push_back(pr.day[i]);
        site.push_back(pr.site_index);
        for (Variable v : roles) value.push_back(pr.value[i * kNumVariables + static_cast<int>(v)]);
      }
    }
    const std::string g = std::string("/prediction/") + to_string(static_cast<Part>(p));
    w.group(g);
    w.dataset(g + "/value", {day.size(), 2}, value.data());
    w.vector(g + "/day", day);
    w.vector(g + "/site", site);
  }
}

void write_metrics(TraceWriter& w, const SiteData& data, const RunResult& r) {
  const auto& names = metric_names();
  const Variable roles[2] = {data.primary, data.auxiliary};
  std::vector<double> v;
  for (const SiteMetrics& s : r.sites)
    for (int p = 0; p < kNumParts; ++p)
      for (Variable var : roles)
        for (std::size_t k = 0; k < names.size(); ++k)
          v.push_back(metric_value(s.m[p][static_cast<int>(var)], k));
  w.group("/metrics");
  w.dataset("/metrics/values", {r.sites.size(), kNumParts, 2, names.size()}, v.data());
  w.attr("/metrics/values", "names", names);
  w.attr("/metrics/values", "partitions", std::vector<std::string>{"train", "val", "test"});
  w.attr("/metrics/values", "variables",
         std::vector<std::string>{to_string(roles[0]), to_string(roles[1])});
}

}  // namespace

void write_trace(const std::string& path, const RunSpec& run, const SiteData& data,
                 const Config& cfg, const RunResult& result, const RunTrace& trace) {
  TraceWriter w(path);
  write_sequences(w, "/train", data.train);
  for (int p = 0; p < kNumParts; ++p) write_sequences(w, part_group(p), data.eval[p]);
  w.group("/normalization");
  w.vector("/normalization/x_mean", data.scaling.x_mean);
  w.vector("/normalization/x_std", data.scaling.x_std);
  const std::vector<double> y_mean{data.scaling.y_mean[static_cast<int>(data.primary)],
                                   data.scaling.y_mean[static_cast<int>(data.auxiliary)]};
  const std::vector<double> y_std{data.scaling.y_std[static_cast<int>(data.primary)],
                                  data.scaling.y_std[static_cast<int>(data.auxiliary)]};
  w.vector("/normalization/y_mean", y_mean);
  w.vector("/normalization/y_std", y_std);
  w.attr("/normalization", "log_flow", data.scaling.log_flow ? 1.0 : 0.0);
  const ParamLayout L = make_param_layout(data.train.n_in, cfg.model.hidden);
  if (trace.initial_params.size() == L.total) write_params(w, "/initial", trace.initial_params, L);
  if (trace.final_params.size() == L.total) write_params(w, "/final", trace.final_params, L);
  w.group("/loss");
  w.vector("/loss/total", result.loss_total);
  w.vector("/loss/primary", result.loss_primary);
  w.vector("/loss/auxiliary", result.loss_auxiliary);
  if (!result.val_loss.empty()) w.vector("/loss/val", result.val_loss);
  write_predictions(w, data, trace);
  write_metrics(w, data, result);
  w.attr("/", "run_id", static_cast<double>(run.run_id));
  w.attr("/", "site_ids", data.site_ids);
  w.attr("/", "lambda", run.lambda);
  w.attr("/", "seed", static_cast<double>(run.seed));
  w.attr("/", "status", result.status == RunStatus::done ? "done" : result.status == RunStatus::failed ? "failed" : "pending");
  w.attr("/", "message", result.message);
  w.attr("/", "epochs_run", static_cast<double>(result.epochs_run));
  w.attr("/", "train_seconds", result.train_seconds);
  w.attr("/", "primary", data.variable_names[static_cast<int>(data.primary)]);
  w.attr("/", "auxiliary", data.has_auxiliary ? data.variable_names[static_cast<int>(data.auxiliary)] : "none");
  w.attr("/", "config", cfg.ini_text);
  w.close();
}

}  // namespace mtl
