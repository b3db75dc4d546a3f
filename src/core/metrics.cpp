// Goodness-of-fit metrics (see metrics.hpp). All sums in double; means and
// variances by two passes (mean first, then centred sums).
//
// Definitions, on the n pairs (o_i, s_i) where neither obs nor sim is NaN:
//   rmse = sqrt(mean (s - o)^2)
//   nse  = 1 - SSE / SST, SSE = sum (s - o)^2, SST = sum (o - mean o)^2
//          (Nash & Sutcliffe 1970)
//   kge  = 1 - sqrt((r - 1)^2 + (alpha - 1)^2 + (beta - 1)^2)   (Gupta et al. 2009)
//          r = Pearson correlation, alpha = sigma_s / sigma_o (population sd),
//          beta = mean s / mean o
//   bias = mean (s - o)
//   *_high / *_low: rmse and nse on the pairs whose OBSERVED value is >= q(0.9)
//          (resp. <= q(0.1)), q(p) the linear-interpolation sample quantile of the
//          observed values (Hyndman & Fan type 7, numpy's default): with the sorted
//          values x_0..x_{n-1}, h = (n - 1) p, q = x_lo + (h - lo)(x_hi - x_lo).
//          Ties at the threshold are included, so a subset is never empty. The
//          subset's nse uses the subset's own mean (as if it were a series of its own).
//   *_log: rmse and nse of ln(max(x, 0) + 1e-3) applied to obs and sim.
// NaN rules (decided here, tested in metrics_test):
//   n < kMinObs pairs              -> every metric NaN, n_obs = n
//   a subset with < kMinObs pairs  -> its rmse and nse NaN
//   SST = 0 (constant observations) -> nse NaN (and kge NaN on the full set)
//   sigma_s = 0 (constant simulation) -> r undefined -> kge NaN
//   mean o = 0                     -> beta undefined -> kge NaN
#include "mtl/metrics.hpp"

#include "mtl/dataset.hpp"  // civil_from_days

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>

namespace mtl {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kLogOffset = 1e-3;  // ln(max(x, 0) + 1e-3): defined for zero flow
constexpr double kHighQuantile = 0.9, kLowQuantile = 0.1;

struct Pairs {
  std::vector<double> o, s;
  std::size_t size() const { return o.size(); }
};

double mean(const std::vector<double>& x) {
  double sum = 0.0;
  for (double v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

/// rmse and nse of a pair set with the kMinObs / SST rules.
void rmse_nse(const Pairs& p, double& rmse, double& nse) {
  rmse = nse = kNaN;
  if (p.size() < static_cast<std::size_t>(kMinObs)) return;
  const double mo = mean(p.o);
  double sse = 0.0, sst = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    sse += (p.s[i] - p.o[i]) * (p.s[i] - p.o[i]);
    sst += (p.o[i] - mo) * (p.o[i] - mo);
  }
  rmse = std::sqrt(sse / static_cast<double>(p.size()));
  if (sst > 0.0) nse = 1.0 - sse / sst;
}

double kge(const Pairs& p) {
  const double mo = mean(p.o), ms = mean(p.s);
  double soo = 0.0, sss = 0.0, sos = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    soo += (p.o[i] - mo) * (p.o[i] - mo);
    sss += (p.s[i] - ms) * (p.s[i] - ms);
    sos += (p.o[i] - mo) * (p.s[i] - ms);
  }
  if (!(soo > 0.0) || !(sss > 0.0) || mo == 0.0) return kNaN;
  const double r = sos / std::sqrt(soo * sss);
  const double alpha = std::sqrt(sss / soo);  // sigma_s / sigma_o (the 1/n cancels)
  const double beta = ms / mo;
  return 1.0 - std::sqrt((r - 1) * (r - 1) + (alpha - 1) * (alpha - 1) + (beta - 1) * (beta - 1));
}

/// Type-7 quantile of v (reordered in place): its order statistics lo and lo + 1
/// by selection (nth_element, then the least of the values above), O(n) where a
/// sort was O(n log n) and 2 % of a short run; the same two values, so the same result.
double quantile(std::vector<double>& v, double prob) {
  const double h = static_cast<double>(v.size() - 1) * prob;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto at = v.begin() + static_cast<std::ptrdiff_t>(lo);
  std::nth_element(v.begin(), at, v.end());
  const double a = *at;
  const double b = lo + 1 < v.size() ? *std::min_element(at + 1, v.end()) : a;
  return a + (h - static_cast<double>(lo)) * (b - a);
}

/// Pairs whose observation is >= threshold (upper) or <= threshold (lower).
Pairs select_by_obs(const Pairs& p, double threshold, bool upper) {
  Pairs out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (upper ? p.o[i] >= threshold : p.o[i] <= threshold) {
      out.o.push_back(p.o[i]);
      out.s.push_back(p.s[i]);
    }
  }
  return out;
}

Pairs logged(const Pairs& p) {
  Pairs out;
  out.o.reserve(p.size());
  out.s.reserve(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    out.o.push_back(std::log(std::max(p.o[i], 0.0) + kLogOffset));
    out.s.push_back(std::log(std::max(p.s[i], 0.0) + kLogOffset));
  }
  return out;
}

}  // namespace

MetricSet nan_metrics(int64_t n_obs) {
  MetricSet m;
  for (const MetricInfo& k : kMetrics) m.*k.member = kNaN;
  m.n_obs = n_obs;
  return m;
}

MonthlyMetrics nan_monthly() {
  MonthlyMetrics mm;
  mm.nse.fill(kNaN);
  mm.rmse.fill(kNaN);
  return mm;
}

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const MetricInfo& k : kMetrics) v.emplace_back(k.name);
    v.emplace_back("n_obs");
    return v;
  }();
  return names;
}

double metric_value(const MetricSet& m, std::size_t index) {
  constexpr std::size_t n = std::size(kMetrics);
  if (index < n) return m.*kMetrics[index].member;
  if (index == n) return static_cast<double>(m.n_obs);
  throw std::out_of_range("metric_value: index " + std::to_string(index) + " >= " +
                          std::to_string(n + 1));
}

MetricSet compute_metrics(const float* obs, const float* sim, std::size_t n) {
  Pairs p;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(obs[i]) || std::isnan(sim[i])) continue;
    p.o.push_back(obs[i]);
    p.s.push_back(sim[i]);
  }
  MetricSet m = nan_metrics(static_cast<int64_t>(p.size()));
  if (p.size() < static_cast<std::size_t>(kMinObs)) return m;
  rmse_nse(p, m.rmse, m.nse);
  m.kge = kge(p);
  std::vector<double> scratch = p.o;  // reordered by quantile
  rmse_nse(select_by_obs(p, quantile(scratch, kHighQuantile), true), m.rmse_high, m.nse_high);
  rmse_nse(select_by_obs(p, quantile(scratch, kLowQuantile), false), m.rmse_low, m.nse_low);
  rmse_nse(logged(p), m.rmse_log, m.nse_log);
  double sum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += p.s[i] - p.o[i];
  m.bias = sum / static_cast<double>(p.size());
  return m;
}

MonthlyMetrics compute_monthly(const float* obs, const float* sim, const int32_t* day,
                               std::size_t n) {
  std::array<Pairs, 12> by_month;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(obs[i]) || std::isnan(sim[i])) continue;
    Pairs& p = by_month[static_cast<std::size_t>(civil_from_days(day[i]).month - 1)];
    p.o.push_back(obs[i]);
    p.s.push_back(sim[i]);
  }
  MonthlyMetrics out;
  for (std::size_t k = 0; k < 12; ++k) {
    out.n_obs[k] = static_cast<int64_t>(by_month[k].size());
    rmse_nse(by_month[k], out.rmse[k], out.nse[k]);
  }
  return out;
}

}  // namespace mtl
