#pragma once
// Goodness-of-fit metrics on un-scaled values, observed days only.
// NSE: Nash & Sutcliffe (1970). KGE: Gupta et al. (2009), J. Hydrol. 377.
// Pairs where either side is NaN are dropped (neuralhydrology convention).
// Degenerate cases (documented in metrics.cpp and tested): fewer than
// kMinObs pairs -> every metric NaN except n_obs; zero observed variance -> NSE
// and KGE NaN.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mtl {

constexpr int kMinObs = 10;

/// The metric list, in results-file order: X(field, per_target, long_name).
/// It makes the MetricSet fields, kMetrics (names, NaN fill, metric_value), the
/// results file's datasets and their CF attributes (src/io/results_layout.cpp),
/// the trace's metric names, and so the Python reader's (which reads the file).
/// per_target: a quantity in the target's own units, one results dataset per
/// target (rmse_flow [m3 s-1], rmse_temp [K]); false: a dimensionless score, one
/// dataset on the `variable` axis with units "1". A new metric is one row here
/// plus its formula in compute_metrics (metrics.cpp). n_obs is not a row (an
/// integer count, always last).
#define MTL_METRICS(X)                                                       \
  X(rmse, true, "root mean square error")                                    \
  X(nse, false, "Nash-Sutcliffe efficiency")                                 \
  X(kge, false, "Kling-Gupta efficiency (2009)")                             \
  X(rmse_high, true, "RMSE on the top 10 % of observed days")               \
  X(nse_high, false, "NSE on the top 10 % of observed days")                \
  X(rmse_low, true, "RMSE on the bottom 10 % of observed days")             \
  X(nse_low, false, "NSE on the bottom 10 % of observed days")              \
  X(rmse_log, false, "RMSE of ln(max(x, 0) + 0.001)")                        \
  X(nse_log, false, "NSE of ln(max(x, 0) + 0.001)")                          \
  X(bias, true, "mean error (simulated - observed)")

struct MetricSet {
#define MTL_METRIC_FIELD(field, per_target, long_name) double field = 0;
  MTL_METRICS(MTL_METRIC_FIELD)
#undef MTL_METRIC_FIELD
  int64_t n_obs = 0;  // pairs compared
};

struct MetricInfo {
  const char* name;
  double MetricSet::*member;
  bool per_target;
  const char* long_name;
};
inline constexpr MetricInfo kMetrics[] = {
#define MTL_METRIC_INFO(field, per_target, long_name) {#field, &MetricSet::field, per_target, long_name},
    MTL_METRICS(MTL_METRIC_INFO)
#undef MTL_METRIC_INFO
};

/// Every metric NaN; n_obs as given.
MetricSet nan_metrics(int64_t n_obs = 0);

/// Names of the MetricSet fields in results-file order (kMetrics, then n_obs).
const std::vector<std::string>& metric_names();
/// Field value by position in metric_names() (n_obs as double).
double metric_value(const MetricSet& m, std::size_t index);

MetricSet compute_metrics(const float* obs, const float* sim, std::size_t n);

/// Per calendar month (0 = January) NSE and RMSE, for the seasonal analysis.
struct MonthlyMetrics {
  std::array<double, 12> nse{};
  std::array<double, 12> rmse{};
  std::array<int64_t, 12> n_obs{};
};
/// Every NSE and RMSE NaN, n_obs 0.
MonthlyMetrics nan_monthly();
/// day[i] is days since 1970-01-01 of pair i.
MonthlyMetrics compute_monthly(const float* obs, const float* sim, const int32_t* day,
                               std::size_t n);

}  // namespace mtl
