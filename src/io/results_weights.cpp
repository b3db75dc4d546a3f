// [output] weights = final: every run's final parameters in the results file,
// under PyTorch's names (params.hpp, torch_params), and the z-score statistics
// of its training period, so that a run can be reloaded and predict
// (analysis/predict.py). Per run (site, lambda, seed), float32, NaN unless done:
//   weight_ih_l0 (gate_unit, driver)   weight_hh_l0 (gate_unit, hidden)
//   bias_ih_l0, bias_hh_l0 (gate_unit) head_weight (output, hidden)   head_bias (output)
//   x_mean_<driver>, x_std_<driver>    in that driver's units (one dataset per
//                                      driver, as CF wants one unit per variable;
//                                      a std of degC is in K)
//   y_mean_<target>, y_std_<target>    float64; of ln(q + 0.001) when data.log_flow
// A multi_site run repeats its weights on every site row.
#include <limits>

#include "mtl/errors.hpp"
#include "mtl/params.hpp"
#include "results_detail.hpp"

namespace mtl {
namespace {

const float kNaN32 = std::numeric_limits<float>::quiet_NaN();
const double kNaN64 = std::numeric_limits<double>::quiet_NaN();

struct Tensor {
  const char* name;
  std::vector<std::string> tail;  // dims after (site, lambda, seed)
  const char* long_name;
};
const Tensor kTensors[] = {
    {"weight_ih_l0", {"gate_unit", "driver"}, "LSTM input weights (PyTorch nn.LSTM weight_ih_l0)"},
    {"weight_hh_l0", {"gate_unit", "hidden"}, "LSTM recurrent weights (PyTorch weight_hh_l0)"},
    {"bias_ih_l0", {"gate_unit"}, "LSTM bias (PyTorch bias_ih_l0; the one combined bias)"},
    {"bias_hh_l0", {"gate_unit"}, "LSTM recurrent bias (PyTorch bias_hh_l0; zeros)"},
    {"head_weight", {"output", "hidden"}, "linear output heads, weight (row 0 primary)"},
    {"head_bias", {"output"}, "linear output heads, bias"},
};

const std::vector<float>& tensor_of(const TorchParams& t, const std::string& name) {
  if (name == "weight_ih_l0") return t.weight_ih_l0;
  if (name == "weight_hh_l0") return t.weight_hh_l0;
  if (name == "bias_ih_l0") return t.bias_ih_l0;
  if (name == "bias_hh_l0") return t.bias_hh_l0;
  if (name == "head_weight") return t.head_weight;
  return t.head_bias;
}

bool has_weights(const RowView& r, std::size_t total) {
  return r.result && r.result->status == RunStatus::done && r.scaling &&
         r.result->final_params.size() == total;
}

}  // namespace

void add_weight_specs(const Plan& plan, std::vector<DatasetSpec>& v) {
  if (plan.cfg.output.weights != WeightsOutput::final) return;
  if (plan.drivers.empty() || plan.drivers.size() != plan.driver_units.size())
    throw ResultsError("results layout: [output] weights = final needs the plan's driver names");
  for (const Tensor& t : kTensors) {
    DatasetSpec s{t.name, H5T_NATIVE_FLOAT, &kNaN32, run_dims(t.tail), "1", t.long_name};
    s.source = "weights";
    v.push_back(s);
  }
  for (std::size_t k = 0; k < plan.drivers.size(); ++k) {
    const std::string& d = plan.drivers[k];
    for (const char* stat : {"mean", "std"}) {
      const std::string& u = plan.driver_units[k];
      DatasetSpec s{std::string("x_") + stat + "_" + d, H5T_NATIVE_FLOAT, &kNaN32, run_dims({}),
                    std::string(stat) == "std" ? difference_units(u) : u,
                    std::string("training-period ") + stat + " of driver " + d + " (z-score input)"};
      s.source = std::string("x_") + stat;
      s.target = static_cast<int>(k);  // the driver's position
      v.push_back(s);
    }
  }
  const bool log_flow = plan.cfg.data.log_flow;
  for (Variable t : {Variable::flow, Variable::temp}) {
    for (const char* stat : {"mean", "std"}) {
      std::string units = units_of(t);
      if (std::string(stat) == "std") units = difference_units(units);
      if (t == Variable::flow && log_flow) units = "1";  // of ln(q / (m3 s-1) + 0.001)
      DatasetSpec s{std::string("y_") + stat + "_" + to_string(t), H5T_NATIVE_DOUBLE, &kNaN64,
                    run_dims({}), units,
                    std::string("training-period ") + stat + " of " + to_string(t) +
                        (t == Variable::flow && log_flow ? " (of ln(flow + 0.001))" : "") +
                        " (z-score target)"};
      s.source = std::string("y_") + stat;
      s.target = static_cast<int>(t);
      v.push_back(s);
    }
  }
}

RowWriter weight_writer(const DatasetSpec& spec, const Plan& plan) {
  if (spec.source == "weights") {
    const ParamLayout L = make_param_layout(static_cast<int>(plan.drivers.size()), plan.cfg.model.hidden);
    const ResultsShape s = results_shape(plan);
    std::size_t n = 1;
    for (std::size_t d = 3; d < spec.dims.size(); ++d) n *= static_cast<std::size_t>(dim_size(s, spec.dims[d]));
    const std::string name = spec.name;
    return [L, n, name](const RowView& r, char* o) {
      if (!has_weights(r, L.total)) {
        for (std::size_t i = 0; i < n; ++i) put<float>(o, i, kNaN32);
        return;
      }
      const TorchParams t = torch_params(r.result->final_params.data(), L);
      const std::vector<float>& x = tensor_of(t, name);
      for (std::size_t i = 0; i < n; ++i) put<float>(o, i, x[i]);
    };
  }
  if (spec.source.rfind("x_", 0) != 0 && spec.source.rfind("y_", 0) != 0) return {};
  const std::size_t total =
      make_param_layout(static_cast<int>(plan.drivers.size()), plan.cfg.model.hidden).total;
  const int k = spec.target;
  if (spec.source == "x_mean" || spec.source == "x_std") {
    const bool mean = spec.source == "x_mean";
    return [total, k, mean](const RowView& r, char* o) {
      const bool ok = has_weights(r, total) && k < static_cast<int>(r.scaling->x_mean.size());
      put<float>(o, 0, ok ? (mean ? r.scaling->x_mean[k] : r.scaling->x_std[k]) : kNaN32);
    };
  }
  if (spec.source == "y_mean" || spec.source == "y_std") {
    const bool mean = spec.source == "y_mean";
    return [total, k, mean](const RowView& r, char* o) {
      const bool ok = has_weights(r, total);
      put<double>(o, 0, ok ? (mean ? r.scaling->y_mean[k] : r.scaling->y_std[k]) : kNaN64);
    };
  }
  return {};
}

}  // namespace mtl
