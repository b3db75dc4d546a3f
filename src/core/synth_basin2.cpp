// World 2's hidden basin: snow in elevation bands, world 1's soil and
// reservoirs, and the stream temperature tied to them (docs/synthetic.md, "World 2").
#include <cmath>

#include "synth_internal.hpp"

namespace mtl::synth_detail {
namespace {
constexpr double kSnowFull = 20.0;  // mm of SWE that cover a band completely
}  // namespace

Basin2::Day Basin2::step(const Weather& w, double t_basin, int doy) {
  const SynthSite& b = p.base;
  // Seasonal melt factor, largest at the June solstice (Hock 2003: radiation).
  const double ddf = b.ddf * (1.0 + p.melt_season * std::sin(2.0 * kPi * (doy - 81) / kYear));
  double rain = 0, melt = 0, swe_mean = 0, sca = 0;
  for (int k = 0; k < kBands; ++k) {
    const double z_km = p.relief_m * 0.2 * (k - 2) / 1000.0;  // band centre above the mean
    const double t = t_basin - p.lapse * z_km;
    const double pr = w.prcp * std::max(0.0, 1.0 + p.precip_gradient * z_km);
    const double snow_frac = clamp((p.t_snow + 1.0 - t) / 2.0, 0.0, 1.0);
    swe[k] += pr * snow_frac;
    const double m = std::min(swe[k], ddf * std::max(t, 0.0));
    swe[k] -= m;
    rain += pr * (1.0 - snow_frac) / kBands;
    melt += m / kBands;
    swe_mean += swe[k] / kBands;
    sca += std::min(1.0, swe[k] / kSnowFull) / kBands;
  }
  const double input = rain + melt;
  melt_sum += melt;
  input_sum += input;
  // Soil and reservoirs exactly as world 1 (docs/synthetic.md, "Rainfall-runoff"), with the
  // basin's air temperature.
  const Stores::Out q = stores.step(b, input, melt, t_basin, w);
  return temperatures(w.tavg, q.q_fast, q.q_melt, q.q_slow, swe_mean, sca);
}

/// Water temperature, at the station: driven by the station's air
/// temperature tair. Without the link (tw_free, a function of the drivers
/// only) the stream relaxes toward the Mohseni et al. (1998) S-curve. With
/// it: snow cover pulls that equilibrium toward 0 degC, and the inflow keeps the share
/// phi = link q / (q + q_half) of its contrast to the surface temperature at
/// the gauge. Inflow: meltwater at 0 degC, the rest pre-event (soil and
/// ground) water at the groundwater temperature: storm runoff is mostly old
/// water (Sklash & Farvolden 1979; Kirchner 2003), so summer floods cool the
/// stream and winter floods warm it.
Basin2::Day Basin2::temperatures(double tair, double q_fast, double q_melt, double q_slow,
                                 double swe_mean, double sca) {
  const SynthSite& b = p.base;
  const double equilibrium = b.w_max / (1.0 + std::exp(0.18 * (13.5 - tair)));
  t_free += (equilibrium - t_free) / b.tau_water;
  t_surface += (equilibrium * (1.0 - p.link * sca) - t_surface) / b.tau_water;
  t_snowless += (equilibrium - t_snowless) / b.tau_water;
  // Shallow groundwater: air temperature (above freezing: snow insulates
  // the ground) filtered with time constant tau_gw, i.e. damped and lagged.
  t_gw_state += (std::max(tair, 0.0) - t_gw_state) / p.tau_gw;
  const double t_gw = t_gw_state + b.t_gw_offset;
  const double q = q_fast + q_slow;
  double tw = t_surface, tw_snowless = t_snowless;
  if (q > 0.0) {
    const double phi = p.link * q / (q + q_half);
    tw += phi * ((q - q_melt) * t_gw / q - t_surface);
    tw_snowless += phi * (t_gw - t_snowless);
  }
  return {q, swe_mean, t_gw, std::max(0.0, tw), std::max(0.0, t_free), std::max(0.0, tw_snowless)};
}

}  // namespace mtl::synth_detail
