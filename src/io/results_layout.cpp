// The results file's table of per-row datasets (docs/results.md) with
// their CF attributes; how one row of each is filled: results_rows.cpp.
//
// Units: one UDUNITS-2 string per dataset. Dimensionless scores (NSE, KGE, the
// RMSE of logarithms) keep the `variable` axis; quantities in the target's own
// units (RMSE, bias, predictions) are one dataset per target, e.g. rmse_flow
// [m3 s-1] and rmse_temp [K]: a temperature *difference* is given in K, as CF
// recommends, since degC is an offset unit.
#include "mtl/errors.hpp"
#include "mtl/metrics.hpp"
#include "results_detail.hpp"

namespace mtl {
namespace {

const Variable kTargets[] = {Variable::flow, Variable::temp};
const std::vector<std::string> kRun{"site", "lambda", "seed"};
void add_run_specs(std::vector<DatasetSpec>& v) {
  v.push_back({"status", H5T_NATIVE_INT8, &kFillI8, kRun, "", "run status"});
  v.push_back({"train_seconds", H5T_NATIVE_DOUBLE, &kFillF64, kRun, "s", "training wall time"});
  v.push_back({"final_loss", H5T_NATIVE_DOUBLE, &kFillF64, kRun, "1",
               "training loss of the last epoch"});
  v.push_back({"epochs_run", H5T_NATIVE_INT32, &kZeroI32, kRun, "1", "epochs trained"});
  // Not "rank": that would shadow xarray.Dataset.rank.
  v.push_back({"mpi_rank", H5T_NATIVE_INT32, &kFillI32, kRun, "", "MPI rank that trained the run",
               "", "-1: not trained (pending)"});
}

void add_metric_specs(std::vector<DatasetSpec>& v) {
  const auto cell = run_dims({"partition", "variable"});
  const auto part = run_dims({"partition"});
  for (const auto& m : kMetrics) {
    if (!m.per_target) {
      DatasetSpec d{m.name, H5T_NATIVE_DOUBLE, &kFillF64, cell, "1", m.long_name};
      d.metric = m.member;
      v.push_back(d);
      continue;
    }
    for (Variable t : kTargets) {
      DatasetSpec s{std::string(m.name) + "_" + to_string(t), H5T_NATIVE_DOUBLE, &kFillF64, part,
                    difference_units(units_of(t)), std::string(m.long_name) + " of " + to_string(t)};
      s.source = m.name;
      s.metric = m.member;
      s.target = static_cast<int>(t);
      v.push_back(s);
    }
  }
  v.push_back({"n_obs", H5T_NATIVE_INT64, &kFillI64, cell, "1", "observed days compared", "",
               "-1: no metrics (run pending)"});
  v.push_back({"nse_month", H5T_NATIVE_FLOAT, &kFillF32, run_dims({"partition", "variable", "month"}),
               "1", "NSE per calendar month"});
  for (Variable t : kTargets) {
    DatasetSpec s{std::string("rmse_month_") + to_string(t), H5T_NATIVE_FLOAT, &kFillF32,
                  run_dims({"partition", "month"}), difference_units(units_of(t)),
                  std::string("RMSE per calendar month of ") + to_string(t)};
    s.source = "rmse_month";
    s.target = static_cast<int>(t);
    v.push_back(s);
  }
}

void add_series_specs(const ResultsShape& s, std::vector<DatasetSpec>& v) {
  if (s.epochs > 0) {
    const auto ep = run_dims({"epoch"});
    v.push_back({"loss_total", H5T_NATIVE_FLOAT, &kFillF32, ep, "1", "training loss"});
    v.push_back({"loss_primary", H5T_NATIVE_FLOAT, &kFillF32, ep, "1", "primary-target loss"});
    v.push_back({"loss_auxiliary", H5T_NATIVE_FLOAT, &kFillF32, ep, "1",
                 "auxiliary-target loss"});
  }
  const char* suffix[] = {"_train", "_val", ""};
  const char* time_names[] = {"time_train", "time_val", "time"};
  for (int p = 0; p < kNumParts; ++p) {
    if (s.pred_days[p] == 0) continue;
    for (Variable t : kTargets) {
      DatasetSpec d{std::string("prediction_") + to_string(t) + suffix[p], H5T_NATIVE_FLOAT,
                    &kFillF32, run_dims({time_names[p]}), units_of(t),
                    std::string("predicted daily ") + (t == Variable::flow ? "streamflow" : "stream water temperature") +
                        " (" + to_string(static_cast<Part>(p)) + " period)"};
      // The CF name for river discharge; the CF table has none for river water temperature.
      if (t == Variable::flow) d.standard_name = "water_volume_transport_in_river_channel";
      d.source = "prediction";
      d.target = static_cast<int>(t);
      d.part = p;
      v.push_back(d);
    }
  }
}

}  // namespace

std::string difference_units(const std::string& units) {
  for (const char* c : {"degC", "degree_Celsius", "degrees_Celsius", "celsius", "Celsius", "deg_C"})
    if (units == c) return "K";
  return units;
}

std::vector<DatasetSpec> dataset_specs(const Plan& plan) {
  const ResultsShape s = results_shape(plan);
  std::vector<DatasetSpec> v;
  add_run_specs(v);
  add_metric_specs(v);
  add_series_specs(s, v);
  add_weight_specs(plan, v);
  return v;
}

int64_t dim_size(const ResultsShape& s, const std::string& dim) {
  if (dim == "site") return s.sites;
  if (dim == "lambda") return s.lambdas;
  if (dim == "seed") return s.seeds;
  if (dim == "partition") return kNumParts;
  if (dim == "variable") return kNumVariables;
  if (dim == "month") return 12;
  if (dim == "epoch") return s.epochs;
  if (dim == "time_train") return s.pred_days[0];
  if (dim == "time_val") return s.pred_days[1];
  if (dim == "time") return s.pred_days[2];
  if (dim == "gate_unit") return 4 * s.hidden;
  if (dim == "hidden") return s.hidden;
  if (dim == "driver") return s.n_in;
  if (dim == "output") return 2;
  throw ResultsError("results layout: unknown dimension " + dim);
}

}  // namespace mtl
