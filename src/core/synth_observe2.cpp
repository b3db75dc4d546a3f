// World 2's observation step: what a gauge and a temperature logger record of
// the true series, and the per-site truth computed from the true series.
#include <cmath>

#include "synth_internal.hpp"

namespace mtl::synth_detail {
namespace {

/// Water year (0-based, starting October 1) of each day.
std::vector<int> water_years(const std::vector<int32_t>& time) {
  const int first = civil_from_days(time[0]).year;
  std::vector<int> wy(time.size());
  for (size_t t = 0; t < time.size(); ++t) {
    const CivilDate c = civil_from_days(time[t]);
    wy[t] = c.year - first + (c.month >= 10 ? 0 : -1);
  }
  return wy;
}

/// Placebo: the recorded temperature of water year y is replaced by that of
/// year perm[y] (same day of the water year; a missing day 366 stays NaN), a
/// random permutation, so temperature keeps its climate but loses its year.
void shuffle_years(Rng& rng, const std::vector<int>& wy, float* temp) {
  const int n = static_cast<int>(wy.size()), years = wy.back() + 1;
  std::vector<int> start(years + 1, n);
  for (int t = n - 1; t >= 0; --t) start[wy[t]] = t;
  std::vector<int> perm(years);
  for (int y = 0; y < years; ++y) perm[y] = y;
  for (int y = years - 1; y > 0; --y) std::swap(perm[y], perm[static_cast<int>(rng.uniform() * (y + 1))]);
  const std::vector<float> orig(temp, temp + n);
  for (int y = 0; y < years; ++y) {
    const int len = start[y + 1] - start[y], src_len = start[perm[y] + 1] - start[perm[y]];
    for (int d = 0; d < len; ++d) temp[start[y] + d] = d < src_len ? orig[start[perm[y]] + d] : std::nanf("");
  }
}

}  // namespace

void observe_site2(const SynthOptions& opt, const SynthSite2& p, int s, const std::vector<int32_t>& time,
                   const TrueSeries2& truth, float* flow, float* temp) {
  const int n = static_cast<int>(time.size());
  const std::vector<int> wy = water_years(time);
  Rng noise(opt.seed, s, kObsError);
  double rating = 0.0, ice_mean = truth.tair[0];
  const int years = wy.back() + 1;
  const int flow_from = p.short_flow_years > 0 ? std::max(0, years - 15 - p.short_flow_years) : 0;
  for (int t = 0; t < n; ++t) {
    // Log-scale AR(1) rating error: shifts of the stage-discharge relation
    // that persist for months (Clarke 1999; McMillan et al. 2012: 10-20 %).
    const double zr = noise.normal(), zs = noise.normal();
    rating = p.rating_rho * rating + p.rating_sd * std::sqrt(1.0 - p.rating_rho * p.rating_rho) * zr;
    // Ice-affected days: 10-day exponential mean of air temperature below
    // -2 degC (USGS marks such winter records as estimated; left out here).
    ice_mean += (truth.tair[t] - ice_mean) / 10.0;
    const bool gauged = wy[t] >= flow_from && ice_mean >= -2.0;
    flow[t] = gauged ? static_cast<float>(truth.flow_m3s[t] * std::exp(rating)) : std::nanf("");
    temp[t] = static_cast<float>(std::max(0.0, truth.tw[t] + p.sensor_sd * zs));
  }
  Rng gaps(opt.seed, s, kGaps);  // the logger years, dropouts and outages of world 1
  temp_gaps(p.base, gaps, time, temp);
  flow_gaps(gaps, n, flow);
  if (opt.shuffle_temp_years) {
    Rng shuffle(opt.seed, s, kShuffle);
    shuffle_years(shuffle, wy, temp);
  }
}

double hidden_share(const std::vector<int32_t>& time, const std::vector<double>& tw,
                    const std::vector<double>& other) {
  // Anomalies from the day-of-year means (the seasonal cycle is in the drivers).
  std::vector<double> mean_tw(367, 0.0), mean_other(367, 0.0), count(367, 0.0);
  for (size_t t = 0; t < time.size(); ++t) {
    const int d = day_of_year(time[t]);
    mean_tw[d] += tw[t], mean_other[d] += other[t], count[d] += 1;
  }
  double var_a = 0, var_h = 0;
  for (size_t t = 0; t < time.size(); ++t) {
    const int d = day_of_year(time[t]);
    const double a = tw[t] - mean_tw[d] / count[d];
    const double h = a - (other[t] - mean_other[d] / count[d]);
    var_a += a * a, var_h += h * h;
  }
  return var_a > 0 ? var_h / var_a : 0.0;
}

}  // namespace mtl::synth_detail
