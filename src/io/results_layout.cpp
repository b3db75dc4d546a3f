// The results file's table of per-row datasets (README "The results file") and how one
// row of each is filled from a RunResult.
#include <cmath>
#include <cstring>
#include <limits>

#include "mtl/errors.hpp"
#include "results_detail.hpp"

namespace mtl {
namespace {

const double kFillF64 = std::numeric_limits<double>::quiet_NaN();
const float kFillF32 = std::numeric_limits<float>::quiet_NaN();
const int64_t kFillI64 = -1;
const int32_t kFillI32 = -1;
const int32_t kZeroI32 = 0;
const int8_t kFillI8 = 0;

// MetricSet fields in results-file order (README "The results file"), n_obs separate.
struct MetricField {
  const char* name;
  double MetricSet::*member;
  bool has_units;  // rmse*/bias carry the variable's units, nse/kge are "1"
};
const MetricField kMetrics[kMetricCount] = {
    {"rmse", &MetricSet::rmse, true},          {"nse", &MetricSet::nse, false},
    {"kge", &MetricSet::kge, false},           {"rmse_high", &MetricSet::rmse_high, true},
    {"nse_high", &MetricSet::nse_high, false}, {"rmse_low", &MetricSet::rmse_low, true},
    {"nse_low", &MetricSet::nse_low, false},   {"rmse_log", &MetricSet::rmse_log, true},
    {"nse_log", &MetricSet::nse_log, false},   {"bias", &MetricSet::bias, true},
};
const char* kVarUnits =
    "variable-dependent: flow m3 s-1, temp degC (a series named by experiment.auxiliary: its "
    "input-file units)";

const std::vector<std::string> kRun{"site", "lambda", "seed"};
std::vector<std::string> run_dims(std::vector<std::string> tail) {
  std::vector<std::string> d = kRun;
  d.insert(d.end(), tail.begin(), tail.end());
  return d;
}

template <class T>
void put(char* out, std::size_t i, T v) {
  std::memcpy(out + i * sizeof(T), &v, sizeof(T));
}

bool is_done(const RowView& r) { return r.result && r.result->status == RunStatus::done; }

/// Loss curve `which` (0 total, 1 primary, 2 auxiliary), NaN after epochs_run.
RowWriter loss_writer(int which, int64_t epochs) {
  return [which, epochs](const RowView& r, char* out) {
    const std::vector<float>* v = nullptr;
    if (r.result) {
      v = which == 0 ? &r.result->loss_total
                     : which == 1 ? &r.result->loss_primary : &r.result->loss_auxiliary;
    }
    for (int64_t e = 0; e < epochs; ++e) {
      const bool have = v && e < static_cast<int64_t>(v->size());
      put<float>(out, e, have ? (*v)[e] : kFillF32);
    }
  };
}

/// Un-scaled predictions of partition p on its own time axis starting at `first`.
RowWriter prediction_writer(Part p, int32_t first, int64_t days) {
  return [p, first, days](const RowView& r, char* out) {
    for (int64_t i = 0; i < days * kNumVariables; ++i) put<float>(out, i, kFillF32);
    if (!r.result) return;
    for (const Prediction& pr : r.result->predictions) {
      if (pr.part != p || pr.site_index != r.site_index) continue;
      for (std::size_t k = 0; k < pr.day.size(); ++k) {
        const int64_t t = static_cast<int64_t>(pr.day[k]) - first;
        if (pr.day[k] < 0 || t < 0 || t >= days) continue;  // padding / outside the period
        for (int v = 0; v < kNumVariables; ++v) {
          put<float>(out, t * kNumVariables + v, pr.value[k * kNumVariables + v]);
        }
      }
    }
  };
}

}  // namespace

std::vector<DatasetSpec> dataset_specs(const ResultsShape& s) {
  std::vector<DatasetSpec> v;
  v.push_back({"status", H5T_NATIVE_INT8, &kFillI8, kRun, "", "run status"});
  v.push_back({"train_seconds", H5T_NATIVE_DOUBLE, &kFillF64, kRun, "s", "training wall time"});
  v.push_back({"final_loss", H5T_NATIVE_DOUBLE, &kFillF64, kRun, "1",
               "training loss of the last epoch"});
  v.push_back({"epochs_run", H5T_NATIVE_INT32, &kZeroI32, kRun, "", "epochs trained"});
  v.push_back({"rank", H5T_NATIVE_INT32, &kFillI32, kRun, "", "MPI rank that trained the run"});
  const auto cell = run_dims({"partition", "variable"});
  for (const auto& m : kMetrics) {
    v.push_back({m.name, H5T_NATIVE_DOUBLE, &kFillF64, cell, m.has_units ? kVarUnits : "1", m.name});
  }
  v.push_back({"n_obs", H5T_NATIVE_INT64, &kFillI64, cell, "", "observed days compared"});
  const auto month = run_dims({"partition", "variable", "month"});
  v.push_back({"nse_month", H5T_NATIVE_FLOAT, &kFillF32, month, "1", "NSE per calendar month"});
  v.push_back({"rmse_month", H5T_NATIVE_FLOAT, &kFillF32, month, kVarUnits,
               "RMSE per calendar month"});
  if (s.epochs > 0) {
    const auto ep = run_dims({"epoch"});
    v.push_back({"loss_total", H5T_NATIVE_FLOAT, &kFillF32, ep, "1", "training loss"});
    v.push_back({"loss_primary", H5T_NATIVE_FLOAT, &kFillF32, ep, "1", "primary-target loss"});
    v.push_back({"loss_auxiliary", H5T_NATIVE_FLOAT, &kFillF32, ep, "1",
                 "auxiliary-target loss"});
  }
  const char* pred_names[] = {"prediction_train", "prediction_val", "prediction"};
  const char* time_names[] = {"time_train", "time_val", "time"};
  for (int p = 0; p < kNumParts; ++p) {
    if (s.pred_days[p] == 0) continue;
    v.push_back({pred_names[p], H5T_NATIVE_FLOAT, &kFillF32, run_dims({time_names[p], "variable"}),
                 kVarUnits, "un-scaled prediction"});
  }
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
  throw ResultsError("results layout: unknown dimension " + dim);
}

namespace {

/// Per-run scalars; empty when `n` is not one of them.
RowWriter run_writer(const std::string& n) {
  if (n == "status") {
    return [](const RowView& r, char* o) {
      put<int8_t>(o, 0, static_cast<int8_t>(r.result ? r.result->status : RunStatus::pending));
    };
  }
  if (n == "train_seconds") {
    return [](const RowView& r, char* o) { put(o, 0, r.result ? r.result->train_seconds : kFillF64); };
  }
  if (n == "final_loss") {
    return [](const RowView& r, char* o) { put(o, 0, is_done(r) ? r.result->final_loss : kFillF64); };
  }
  if (n == "epochs_run") {
    return [](const RowView& r, char* o) { put<int32_t>(o, 0, r.result ? r.result->epochs_run : 0); };
  }
  if (n == "rank") {
    return [](const RowView& r, char* o) { put<int32_t>(o, 0, r.result ? r.rank : -1); };
  }
  return {};
}

/// Metrics [partition][variable] and monthly [partition][variable][month].
RowWriter metric_writer(const std::string& n) {
  for (const auto& m : kMetrics) {
    if (n != m.name) continue;
    const auto member = m.member;
    return [member](const RowView& r, char* o) {
      for (int p = 0; p < kNumParts; ++p)
        for (int v = 0; v < kNumVariables; ++v)
          put(o, p * kNumVariables + v, r.metrics ? r.metrics->m[p][v].*member : kFillF64);
    };
  }
  if (n == "n_obs") {
    return [](const RowView& r, char* o) {
      for (int p = 0; p < kNumParts; ++p)
        for (int v = 0; v < kNumVariables; ++v)
          put<int64_t>(o, p * kNumVariables + v, r.metrics ? r.metrics->m[p][v].n_obs : kFillI64);
    };
  }
  if (n == "nse_month" || n == "rmse_month") {
    const bool nse = n == "nse_month";
    return [nse](const RowView& r, char* o) {
      for (int p = 0; p < kNumParts; ++p)
        for (int v = 0; v < kNumVariables; ++v)
          for (int k = 0; k < 12; ++k) {
            float x = kFillF32;
            if (r.metrics) {
              const auto& mm = r.metrics->monthly[p][v];
              x = static_cast<float>(nse ? mm.nse[k] : mm.rmse[k]);
            }
            put<float>(o, (p * kNumVariables + v) * 12 + k, x);
          }
    };
  }
  return {};
}

}  // namespace

RowWriter row_writer(const DatasetSpec& spec, const Plan& plan) {
  const std::string& n = spec.name;
  if (RowWriter w = run_writer(n)) return w;
  if (RowWriter w = metric_writer(n)) return w;
  const ResultsShape s = results_shape(plan);
  if (n == "loss_total") return loss_writer(0, s.epochs);
  if (n == "loss_primary") return loss_writer(1, s.epochs);
  if (n == "loss_auxiliary") return loss_writer(2, s.epochs);
  const DateRange ranges[] = {plan.cfg.data.train, plan.cfg.data.val, plan.cfg.data.test};
  if (n == "prediction_train") return prediction_writer(Part::train, ranges[0].first, s.pred_days[0]);
  if (n == "prediction_val") return prediction_writer(Part::val, ranges[1].first, s.pred_days[1]);
  if (n == "prediction") return prediction_writer(Part::test, ranges[2].first, s.pred_days[2]);
  throw ResultsError("results layout: no writer for " + n);
}

}  // namespace mtl
