// World 2's basin attributes (mtl_role = attribute): what a CAMELS-like table
// would hold for a real basin, from the site's parameters (with a map error
// where real maps have one) and climate indices computed from the OBSERVED
// forcing (the gauge precipitation and the station temperatures the model
// sees), never from the truth. Formulas: docs/synthetic.md, "Basin attributes".
#include <algorithm>
#include <cmath>

#include "mtl/synth.hpp"
#include "synth_internal.hpp"

namespace mtl {
using namespace synth_detail;

namespace {

/// Climate indices of one site over the whole record (as CAMELS computes them
/// over 1989-2009, Addor et al. 2017).
struct Climate {
  double p_mean = 0, pet_mean = 0, frac_snow = 0, high_freq = 0, high_dur = 0, low_freq = 0,
         low_dur = 0, seasonality = 0;
};

/// Mean length of the runs of consecutive days where flag is true (0: none).
double mean_run(const std::vector<bool>& flag) {
  int runs = 0, days = 0;
  for (std::size_t i = 0; i < flag.size(); ++i) {
    days += flag[i];
    runs += flag[i] && (i == 0 || !flag[i - 1]);
  }
  return runs ? static_cast<double>(days) / runs : 0.0;
}

Climate climate(const DataSet& ds, int s, double lat) {
  const int n = ds.n_time();
  const std::size_t off = static_cast<std::size_t>(s) * n;
  const auto& prcp = ds.drivers[1];
  const auto& tmax = ds.drivers[4];
  const auto& tmin = ds.drivers[5];
  Climate c;
  double p_sum = 0, snow = 0, pet = 0;
  // First harmonics of P and T (Woods 2009's sine fits, by least squares on
  // cos/sin of the day of year; the terms are orthogonal over whole years).
  double pc = 0, ps = 0, tc = 0, ts = 0;
  for (int i = 0; i < n; ++i) {
    const double p = prcp[off + i], tx = tmax[off + i], tn = tmin[off + i], t = 0.5 * (tx + tn);
    const int doy = day_of_year(ds.time[i]);
    p_sum += p;
    if (t < 0.0) snow += p;
    // Hargreaves & Samani (1985) with FAO-56's Ra (MJ m-2 day-1 -> mm/day: x 0.408).
    pet += 0.0023 * 0.408 * extraterrestrial_radiation(lat, doy) * (t + 17.8) *
           std::sqrt(std::max(tx - tn, 0.0));
    const double w = 2.0 * kPi * doy / 365.25;
    pc += p * std::cos(w);
    ps += p * std::sin(w);
    tc += t * std::cos(w);
    ts += t * std::sin(w);
  }
  c.p_mean = p_sum / n;
  c.pet_mean = pet / n;
  c.frac_snow = p_sum > 0 ? snow / p_sum : 0.0;
  std::vector<bool> high(n), low(n);
  for (int i = 0; i < n; ++i) {
    high[i] = prcp[off + i] >= 5.0 * c.p_mean;  // CAMELS: >= 5 times the mean daily P
    low[i] = prcp[off + i] < 1.0;               // CAMELS: dry day, < 1 mm/day
  }
  const double years = n / 365.25;
  c.high_freq = std::count(high.begin(), high.end(), true) / years;
  c.low_freq = std::count(low.begin(), low.end(), true) / years;
  c.high_dur = mean_run(high);
  c.low_dur = mean_run(low);
  // Woods (2009): delta_p sign(delta_t) cos(2 pi (s_p - s_t) / 365), with
  // delta_p = amplitude(P) / mean(P); the cosine of the phase difference of the
  // two harmonics is their normalised dot product (delta_t > 0 here).
  const double amp_p = 2.0 * std::hypot(pc, ps) / n, amp_t = std::hypot(tc, ts);
  c.seasonality = (amp_p > 0 && amp_t > 0 && c.p_mean > 0)
                      ? amp_p / c.p_mean * (pc * tc + ps * ts) / (std::hypot(pc, ps) * amp_t)
                      : 0.0;
  return c;
}

}  // namespace

void add_attributes2(const SynthOptions& opt, const std::vector<SynthSite2>& params, DataSet& ds) {
  const int sites = static_cast<int>(params.size());
  ds.attributes = {
      {"area", "km2", "catchment area", {}},
      {"gauge_lat", "degrees_north", "gauge latitude", {}},
      {"elev_mean", "m", "catchment mean elevation", {}},
      {"relief", "m", "elevation range of the catchment (max - min)", {}},
      {"slope_mean", "m km-1", "catchment mean slope", {}},
      {"soil_depth", "m", "soil depth from a soil map (with map error)", {}},
      {"p_mean", "mm/day", "mean daily precipitation (observed forcing)", {}},
      {"pet_mean", "mm/day", "mean daily potential evapotranspiration (Hargreaves, observed forcing)", {}},
      {"aridity", "1", "pet_mean / p_mean", {}},
      {"frac_snow", "1", "fraction of precipitation on days with mean air temperature below 0 degC", {}},
      {"high_prec_freq", "day yr-1", "days with precipitation >= 5 times the mean daily precipitation", {}},
      {"high_prec_dur", "day", "mean duration of high-precipitation events", {}},
      {"low_prec_freq", "day yr-1", "dry days (precipitation < 1 mm/day)", {}},
      {"low_prec_dur", "day", "mean duration of dry periods", {}},
      {"p_seasonality", "1", "seasonality and timing of precipitation (Woods 2009)", {}},
  };
  for (auto& a : ds.attributes) a.values.assign(static_cast<std::size_t>(sites), 0.0);
  for (int s = 0; s < sites; ++s) {
    const SynthSite2& p = params[s];
    const SynthSite& b = p.base;
    Rng map(opt.seed, s, kAttributes);
    // Elevation: the part of the mean air temperature that latitude does not
    // explain (synth_site_params: 21 - 0.7 (lat - 30) + U(-3, 3)) at the lapse rate.
    const double residual = b.t_mean - (21.0 - 0.7 * (b.latitude - 30.0));
    const double elev = 800.0 - 1000.0 * residual / p.lapse;
    // Slope: relief over the basin's length scale sqrt(area), with a map error.
    const double slope = p.relief_m / std::sqrt(b.area_km2) * std::exp(0.2 * map.normal());
    // Soil depth: the store capacity over a porosity of 0.4, with a soil-map
    // error of 30 % (log-normal; STATSGO-like depths are coarse).
    const double soil = b.soil_max / 0.4 / 1000.0 * std::exp(0.3 * map.normal());
    const Climate c = climate(ds, s, b.latitude);
    const double values[] = {b.area_km2,      b.latitude,  elev,        p.relief_m,   slope,
                             soil,            c.p_mean,    c.pet_mean,  c.pet_mean / c.p_mean,
                             c.frac_snow,     c.high_freq, c.high_dur,  c.low_freq,   c.low_dur,
                             c.seasonality};
    for (std::size_t k = 0; k < std::size(values); ++k) ds.attributes[k].values[s] = values[k];
  }
}

}  // namespace mtl
