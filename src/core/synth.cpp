// The synthetic world of `mtl_data synth`. Every random number comes from
// std::mt19937_64 seeded from (seed, site, stream) through splitmix64; the
// distributions (uniform, Box-Muller normal, Marsaglia-Tsang gamma) are our
// own, because libstdc++'s std::*_distribution may change between versions.
#include "mtl/synth.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "mtl/errors.hpp"
#include "synth_internal.hpp"

namespace mtl {
using namespace synth_detail;
namespace {

/// Solar declination (rad), Spencer (1971) Fourier series.
double declination(int doy) {
  const double g = 2.0 * kPi * (doy - 1) / 365.0;
  return 0.006918 - 0.399912 * std::cos(g) + 0.070257 * std::sin(g) -
         0.006758 * std::cos(2 * g) + 0.000907 * std::sin(2 * g) -
         0.002697 * std::cos(3 * g) + 0.00148 * std::sin(3 * g);
}

double sunset_hour_angle(double lat_deg, int doy) {
  const double x = -std::tan(lat_deg * kPi / 180.0) * std::tan(declination(doy));
  return std::acos(clamp(x, -1.0, 1.0));
}

}  // namespace

double day_length_seconds(double lat_deg, int doy) {
  return 86400.0 * sunset_hour_angle(lat_deg, doy) / kPi;
}

double extraterrestrial_radiation(double lat_deg, int doy) {
  const double gsc = 0.0820;  // solar constant, MJ m-2 min-1
  const double dr = 1.0 + 0.033 * std::cos(2.0 * kPi * doy / 365.0);
  const double phi = lat_deg * kPi / 180.0, dec = declination(doy);
  const double ws = sunset_hour_angle(lat_deg, doy);
  return 24.0 * 60.0 / kPi * gsc * dr *
         (ws * std::sin(phi) * std::sin(dec) + std::cos(phi) * std::cos(dec) * std::sin(ws));
}

SynthSite synth_site_params(uint64_t seed, int site) {
  Rng r(seed, site, kParams);
  SynthSite p{};
  p.latitude = r.uniform(30.0, 50.0);
  // Colder and more seasonal towards the pole (roughly the CONUS gradient).
  p.t_mean = 21.0 - 0.7 * (p.latitude - 30.0) + r.uniform(-3.0, 3.0);
  p.t_amp = 5.0 + 0.35 * (p.latitude - 30.0) + r.uniform(-1.5, 1.5);
  p.dtr = r.uniform(8.0, 15.0);
  p.p01 = r.uniform(0.15, 0.40);
  p.p11 = r.uniform(0.45, 0.75);
  p.wet_mean = r.uniform(5.0, 12.0);
  p.wet_shape = r.uniform(0.6, 0.9);
  p.wet_season = r.uniform(-0.3, 0.3);
  p.ddf = r.uniform(2.0, 5.0);
  p.soil_max = r.uniform(100.0, 350.0);
  p.soil_beta = r.uniform(1.0, 3.0);
  p.k_perc = r.uniform(0.005, 0.03);
  p.k_fast = r.uniform(0.2, 0.6);
  p.k_slow = r.uniform(0.01, 0.05);
  p.area_km2 = 50.0 * std::pow(100.0, r.uniform());  // log-uniform 50..5000
  p.tau_water = r.uniform(2.0, 6.0);
  p.t_gw_offset = r.uniform(0.0, 2.0);
  p.inflow_memory = r.uniform(0.15, 0.45);
  p.w_max = r.uniform(24.0, 30.0);
  p.temp_missing = r.uniform(0.35, 0.8);
  p.temp_summer_only = r.uniform() < 0.4;
  return p;
}

Weather synth_detail::WeatherGen::day(int32_t t) {
  const int doy = day_of_year(t);
  const double season = std::cos(2.0 * kPi * (doy - 20) / kYear);  // +1 mid-January
  double pw = (wet ? p.p11 : p.p01) * (1.0 + p.wet_season * season);
  wet = rng.uniform() < clamp(pw, 0.02, 0.95);
  Weather w{};
  w.prcp = wet ? p.wet_mean * rng.gamma(p.wet_shape) / p.wet_shape : 0.0;
  // AR(1) anomaly, lag-1 correlation 0.75, stationary std 2.5 degC.
  anomaly = 0.75 * anomaly + 2.5 * std::sqrt(1.0 - 0.75 * 0.75) * rng.normal();
  w.tavg = p.t_mean - p.t_amp * season + anomaly - (wet ? 1.0 : 0.0);
  const double dtr = std::max(1.0, p.dtr * (wet ? 0.6 : 1.0) * (1.0 + 0.1 * rng.normal()));
  w.tmax = w.tavg + 0.5 * dtr;
  w.tmin = w.tavg - 0.5 * dtr;
  w.dayl = day_length_seconds(p.latitude, doy);
  w.ra = extraterrestrial_radiation(p.latitude, doy);
  const double tau = clamp((wet ? 0.35 : 0.72) * (1.0 + 0.08 * rng.normal()), 0.1, 0.8);
  // Daymet srad: mean shortwave flux over the daylight period, W m-2.
  w.srad = w.dayl > 0.0 ? tau * w.ra * 1e6 / w.dayl : 0.0;
  // Dew point near tmin (lower on dry days); Tetens' saturation vapour pressure, Pa.
  const double td = w.tmin - (wet ? 0.0 : rng.uniform(0.0, 3.0));
  w.vp = 610.8 * std::exp(17.27 * td / (td + 237.3));
  return w;
}

namespace {

/// Snow bucket and world 1's soil and reservoirs (Stores), mm. Also the
/// stream-temperature state, since water temperature mixes the reservoirs'
/// outflows.
struct Catchment {
  const SynthSite& p;
  double swe = 0, t_surface = 0;
  Stores stores{};

  /// Advance one day; returns {flow mm/day, water temperature degC}.
  std::pair<double, double> step(const Weather& w) {
    const double snow_frac = clamp((1.0 - w.tavg) / 2.0, 0.0, 1.0);  // all snow below -1 degC
    swe += w.prcp * snow_frac;
    const double melt = std::min(swe, p.ddf * std::max(w.tavg, 0.0));
    swe -= melt;
    const double input = w.prcp * (1.0 - snow_frac) + melt;
    const Stores::Out q = stores.step(p, input, melt, w.tavg, w);
    return {q.q_fast + q.q_slow, water_temp(w.tavg, q.q_fast, q.q_melt, q.q_slow)};
  }

  /// Surface water relaxes with time constant tau_water toward the Mohseni
  /// et al. (1998) equilibrium S-curve of air temperature. The inflow mixes
  /// quick flow at that temperature, snowmelt at 0 degC and groundwater at
  /// t_mean + offset; along the reach it relaxes toward the surface
  /// temperature, leaving the share inflow_memory of its anomaly at the gauge.
  double water_temp(double tair, double q_fast, double q_melt, double q_slow) {
    const double equilibrium = p.w_max / (1.0 + std::exp(0.18 * (13.5 - tair)));
    t_surface += (equilibrium - t_surface) / p.tau_water;
    const double q = q_fast + q_slow;
    if (q <= 0.0) return std::max(0.0, t_surface);
    const double t_gw = p.t_mean + p.t_gw_offset;
    const double inflow = ((q_fast - q_melt) * t_surface + q_slow * t_gw) / q;
    return std::max(0.0, t_surface + p.inflow_memory * (inflow - t_surface));
  }
};

}  // namespace

synth_detail::Stores::Out synth_detail::Stores::step(const SynthSite& p, double input,
                                                      double melt, double tair, const Weather& w) {
  double quick = input * std::pow(soil / p.soil_max, p.soil_beta);
  soil += input - quick;
  // Hargreaves & Samani (1985) PET, mm/day (Ra converted MJ -> mm by 2.45).
  const double pet = std::max(0.0, 0.0023 * (w.ra / 2.45) * (tair + 17.8) *
                                       std::sqrt(std::max(w.tmax - w.tmin, 0.0)));
  soil -= std::min(soil, pet * std::min(1.0, soil / (0.7 * p.soil_max)));
  const double fill = soil / p.soil_max;
  const double perc = std::min(soil, p.k_perc * p.soil_max * fill * fill);
  soil -= perc;
  if (soil > p.soil_max) {
    quick += soil - p.soil_max;
    soil = p.soil_max;
  }
  const double melt_share = input > 0.0 ? melt / input : 0.0;
  fast += quick;
  fast_melt += quick * melt_share;
  Out out{};
  out.q_fast = p.k_fast * fast;
  out.q_melt = p.k_fast * fast_melt;
  fast -= out.q_fast;
  fast_melt -= out.q_melt;
  slow += perc;
  out.q_slow = p.k_slow * slow;
  slow -= out.q_slow;
  return out;
}

void synth_detail::temp_gaps(const SynthSite& p, Rng& rng, const std::vector<int32_t>& time, float* temp) {
  const int n = static_cast<int>(time.size());
  const int years = std::max(1, n / 365);
  const double season_frac = p.temp_summer_only ? 214.0 / 365.0 : 1.0;
  const int n_obs = static_cast<int>(
      clamp(std::round((1.0 - p.temp_missing) * years / season_frac), 1.0, years));
  // Systematic sampling with a random start: observed years spread over the
  // record (at most years / n_obs apart), so every period of that many water
  // years (e.g. the 5-year validation period) holds temperature data.
  const double step = static_cast<double>(years) / n_obs;
  const double start = rng.uniform() * step;
  std::vector<char> observed_year(years, 0);
  for (int i = 0; i < n_obs; ++i) observed_year[std::min(years - 1, static_cast<int>(start + i * step))] = 1;
  const int first_year = civil_from_days(time[0]).year;
  int dropout = 0;
  for (int t = 0; t < n; ++t) {
    const CivilDate c = civil_from_days(time[t]);
    const int wy = std::min(years - 1, c.year - first_year + (c.month >= 10 ? 0 : -1));
    bool seen = observed_year[std::max(0, wy)] &&
                (!p.temp_summer_only || (c.month >= 4 && c.month <= 10));
    if (dropout == 0 && rng.uniform() < 0.003) dropout = 1 + static_cast<int>(rng.uniform() * 14);
    if (dropout > 0) {
      --dropout;
      seen = false;
    }
    if (!seen) temp[t] = std::nanf("");
  }
}

void synth_detail::flow_gaps(Rng& rng, int n, float* flow) {
  const double frac = rng.uniform(0.01, 0.02);
  const int events = static_cast<int>(std::round(frac * n / 10.0));
  for (int e = 0; e < events; ++e) {
    const int start = static_cast<int>(rng.uniform() * n);
    const int len = 5 + static_cast<int>(rng.uniform() * 11);
    for (int t = start; t < std::min(n, start + len); ++t) flow[t] = std::nanf("");
  }
}

namespace {

void simulate_site(const SynthOptions& opt, const SynthSite& p, int s, DataSet& ds) {
  const int n = ds.n_time();
  const size_t off = static_cast<size_t>(s) * n;
  WeatherGen gen{p, Rng(opt.seed, s, kWeather)};
  Catchment basin{p};
  basin.t_surface = p.t_mean;
  // Spin up the stores on weather before the first day, then discard it.
  for (int32_t t = ds.time[0] - kSpinUpDays; t < ds.time[0]; ++t) basin.step(gen.day(t));
  const double m3s_per_mm = p.area_km2 * 1e3 / 86400.0;  // 1 mm on 1 km2 = 1000 m3
  for (int i = 0; i < n; ++i) {
    const Weather w = gen.day(ds.time[i]);
    const auto [q_mm, tw] = basin.step(w);
    const double values[] = {w.dayl, w.prcp, w.srad, basin.swe, w.tmax, w.tmin, w.vp};
    for (int c = 0; c < 7; ++c) ds.drivers[c][off + i] = static_cast<float>(values[c]);
    ds.flow[off + i] = static_cast<float>(q_mm * m3s_per_mm);
    ds.temp[off + i] = static_cast<float>(tw);
  }
  ds.latitude[s] = p.latitude;
  Rng gaps(opt.seed, s, kGaps);
  temp_gaps(p, gaps, ds.time, ds.temp.data() + off);
  flow_gaps(gaps, n, ds.flow.data() + off);
}

}  // namespace

DataSet synth_world(const SynthOptions& opt) {
  if (opt.sites < 1 || opt.sites > 100000)
    throw DataError("synth: --sites must be in 1..100000, got " + std::to_string(opt.sites));
  if (opt.world == 2) {
    std::vector<SynthSite2> params;
    for (int s = 0; s < opt.sites; ++s) params.push_back(synth_site_params2(opt.seed, s, opt));
    return synth_world2(opt, params);
  }
  if (opt.world != 1) throw DataError("synth: --world must be 1 or 2, got " + std::to_string(opt.world));
  std::vector<SynthSite> params;
  for (int s = 0; s < opt.sites; ++s) params.push_back(synth_site_params(opt.seed, s));
  return synth_world(opt, params);
}

DataSet synth_detail::empty_world(const SynthOptions& opt, int sites) {
  if (opt.years < 1 || opt.years > 400)
    throw DataError("synth: --years must be in 1..400, got " + std::to_string(opt.years));
  DataSet ds;
  const int32_t first = days_from_civil(opt.first_year, 10, 1);
  const int32_t end = days_from_civil(opt.first_year + opt.years, 10, 1);
  for (int32_t t = first; t < end; ++t) ds.time.push_back(t);
  ds.driver_names = {"dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"};
  ds.driver_units = {"s", "mm/day", "W/m2", "mm", "degC", "degC", "Pa"};
  const size_t cells = static_cast<size_t>(sites) * ds.time.size();
  ds.drivers.assign(7, std::vector<float>(cells));
  ds.flow.assign(cells, 0.0f);
  ds.temp.assign(cells, 0.0f);
  ds.latitude.assign(sites, 0.0);
  for (int s = 0; s < sites; ++s) {
    char id[32];
    std::snprintf(id, sizeof id, "synth%03d", s);
    ds.site_ids.emplace_back(id);
  }
  return ds;
}

DataSet synth_world(const SynthOptions& opt, const std::vector<SynthSite>& params) {
  DataSet ds = empty_world(opt, static_cast<int>(params.size()));
  for (int s = 0; s < static_cast<int>(params.size()); ++s) simulate_site(opt, params[s], s, ds);
  return ds;
}

}  // namespace mtl
