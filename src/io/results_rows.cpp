// How one row (a run's cell of site x lambda x seed) of each results dataset is
// filled from its RunResult; the table of datasets is results_layout.cpp.
#include "mtl/errors.hpp"
#include "results_detail.hpp"

namespace mtl {
namespace {

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

/// Un-scaled predictions of target v in partition p, on the time axis starting at `first`.
RowWriter prediction_writer(Part p, int v, int32_t first, int64_t days) {
  return [p, v, first, days](const RowView& r, char* out) {
    for (int64_t i = 0; i < days; ++i) put<float>(out, i, kFillF32);
    if (!r.result) return;
    for (const Prediction& pr : r.result->predictions) {
      if (pr.part != p || pr.site_index != r.site_index) continue;
      for (std::size_t k = 0; k < pr.day.size(); ++k) {
        const int64_t t = static_cast<int64_t>(pr.day[k]) - first;
        if (pr.day[k] < 0 || t < 0 || t >= days) continue;  // padding / outside the period
        put<float>(out, t, pr.value[k * kNumVariables + v]);
      }
    }
  };
}

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
  if (n == "mpi_rank") {
    return [](const RowView& r, char* o) { put<int32_t>(o, 0, r.result ? r.rank : -1); };
  }
  return {};
}

/// Metrics [partition][variable], or [partition] of one target; monthly with [month] last.
RowWriter metric_writer(const DatasetSpec& spec) {
  const std::string& n = spec.source.empty() ? spec.name : spec.source;
  const int target = spec.target;
  const int v0 = target < 0 ? 0 : target, nv = target < 0 ? kNumVariables : 1;
  if (spec.metric) {
    const auto member = spec.metric;
    return [member, v0, nv](const RowView& r, char* o) {
      for (int p = 0; p < kNumParts; ++p)
        for (int v = 0; v < nv; ++v)
          put(o, p * nv + v, r.metrics ? r.metrics->m[p][v0 + v].*member : kFillF64);
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
    return [nse, v0, nv](const RowView& r, char* o) {
      for (int p = 0; p < kNumParts; ++p)
        for (int v = 0; v < nv; ++v)
          for (int k = 0; k < 12; ++k) {
            float x = kFillF32;
            if (r.metrics) {
              const auto& mm = r.metrics->monthly[p][v0 + v];
              x = static_cast<float>(nse ? mm.nse[k] : mm.rmse[k]);
            }
            put<float>(o, (p * nv + v) * 12 + k, x);
          }
    };
  }
  return {};
}

}  // namespace

RowWriter row_writer(const DatasetSpec& spec, const Plan& plan) {
  const std::string& n = spec.name;
  if (RowWriter w = run_writer(n)) return w;
  if (RowWriter w = metric_writer(spec)) return w;
  if (RowWriter w = weight_writer(spec, plan)) return w;
  const ResultsShape s = results_shape(plan);
  if (n == "loss_total") return loss_writer(0, s.epochs);
  if (n == "loss_primary") return loss_writer(1, s.epochs);
  if (n == "loss_auxiliary") return loss_writer(2, s.epochs);
  if (spec.source == "prediction") {
    const DateRange ranges[] = {plan.cfg.data.train, plan.cfg.data.val, plan.cfg.data.test};
    return prediction_writer(static_cast<Part>(spec.part), spec.target, ranges[spec.part].first,
                             s.pred_days[spec.part]);
  }
  throw ResultsError("results layout: no writer for " + n);
}

}  // namespace mtl
