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

struct MetricSet {
  double rmse = 0, nse = 0, kge = 0;
  double rmse_high = 0, nse_high = 0;   // top 10 % of observed values
  double rmse_low = 0, nse_low = 0;     // bottom 10 % of observed values
  double rmse_log = 0, nse_log = 0;     // on ln(max(x,0) + 1e-3)
  double bias = 0;                      // mean(sim - obs)
  int64_t n_obs = 0;
};

/// Names of the MetricSet fields in results-file order (n_obs last).
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
/// day[i] is days since 1970-01-01 of pair i.
MonthlyMetrics compute_monthly(const float* obs, const float* sim, const int32_t* day,
                               std::size_t n);

}  // namespace mtl
