#pragma once
// The synthetic worlds behind `mtl_data synth`: a stochastic weather generator,
// a conceptual rainfall-runoff model and a stream-temperature model per site,
// deterministic in (seed, site). World 1: the model sees the true forcing and
// its own snow store, flow is exact. World 2 (default): snow in elevation
// bands, forcing and observation errors, water temperature tied to hidden
// states, which are stored as truth. Pure numerics (no files); equations and
// parameter ranges are documented in docs/synthetic.md.
#include <cstdint>
#include <vector>

#include "mtl/dataset.hpp"

namespace mtl {

struct SynthOptions {
  int sites = 101;
  int years = 40;          // water years, each starting on October 1
  uint64_t seed = 1;
  int first_year = 1980;   // time axis starts first_year-10-01
  int world = 2;           // 1: the original world (reproduced byte for byte), 2: hidden states
  // World 2 only (controls of the oracle checks, docs/synthetic.md):
  bool temp_link = true;            // false: water temperature ignores the hidden hydrology
  bool shuffle_temp_years = false;  // observed temperature moved between water years (placebo)
  int short_flow_min = 1;           // > 0: flow gauged only from k ~ U{min..max} water years
  int short_flow_max = 2;           //   before the last 15 (the val + test years of jobs/*.ini);
                                    //   0, 0: complete flow records. 1-2: with 3 or more
                                    //   years a converged flow LSTM gains nothing from
                                    //   temperature (docs/synthetic.md, "Why 1-2 years")
};

/// Per-site parameters drawn from (seed, site); exposed for tests and docs.
struct SynthSite {
  double latitude;       // deg N, U(30, 50)
  double t_mean;         // mean annual air temperature, degC
  double t_amp;          // seasonal half-amplitude, degC
  double dtr;            // mean diurnal temperature range, degC
  double p01, p11;       // P(wet | dry), P(wet | wet)
  double wet_mean;       // mean wet-day precipitation, mm/day
  double wet_shape;      // gamma shape of wet-day amounts
  double wet_season;     // seasonal modulation of wet-day odds (+: wet winters)
  double ddf;            // degree-day melt factor, mm degC-1 day-1
  double soil_max;       // soil store capacity, mm
  double soil_beta;      // runoff-generation exponent
  double k_perc;         // percolation coefficient, day-1 (perc = k Smax (S/Smax)^2)
  double k_fast, k_slow; // reservoir recession rates, day-1
  double area_km2;       // basin area
  double tau_water;      // thermal inertia of the stream, days
  double t_gw_offset;    // groundwater temperature minus t_mean, degC
  double inflow_memory;  // share of the inflow temperature anomaly left at the gauge
  double w_max;          // upper asymptote of the Mohseni S-curve, degC
  double temp_missing;   // target fraction of missing temperature days
  bool temp_summer_only; // temperature logged only April-October
};

SynthSite synth_site_params(uint64_t seed, int site);

/// World 2's per-site parameters: world 1's (same draws, so the same true
/// weather) plus the hidden snow bands, the errors and the temperature link.
struct SynthSite2 {
  SynthSite base;
  double relief_m;        // elevation range of five equal-area bands, m
  double lapse;           // air-temperature lapse rate, degC per km
  double precip_gradient; // precipitation increase per km of elevation (fraction)
  double t_snow;          // rain/snow threshold (centre of a 2 degC transition), degC
  double melt_season;     // seasonal amplitude of the melt factor (fraction of ddf)
  double p_bias;          // multiplicative precipitation bias (gauge undercatch)
  double p_sigma;         // log-normal error of wet-day precipitation
  double p_miss;          // probability that a wet day is reported dry
  double t_offset;        // basin (mean elevation) minus station air temperature, fixed part, degC
  double t_dev_sd, t_dev_rho;   // its AR(1) part (inversions, lapse rates): stationary std, lag-1 corr.
  double rating_sd, rating_rho; // AR(1) log-scale rating error of flow
  double sensor_sd;       // water-temperature sensor noise, degC
  double tau_gw;          // groundwater temperature time constant, days
  double link;            // strength of the hydrological link in water temperature, 0..1
  int short_flow_years;   // water years of flow before the last 15 (0 = full record)
};

SynthSite2 synth_site_params2(uint64_t seed, int site, const SynthOptions& opt = {});

/// World 2's basin attributes (DataSet::attributes: area, elevation, relief,
/// slope, soil depth and climate indices of the observed forcing); the drivers
/// of ds must be filled. docs/synthetic.md, "Basin attributes".
void add_attributes2(const SynthOptions& opt, const std::vector<SynthSite2>& params, DataSet& ds);

/// The whole world (opt.world): drivers dayl prcp srad swe tmax tmin vp, flow
/// (m3 s-1) and temp (degC) with gaps, site ids "synth000"...; world 2 adds
/// the hidden-state series and per-site truth (DataSet::extras, site_values).
DataSet synth_world(const SynthOptions& opt);
/// The same world with given per-site parameters (site s = params[s]; its
/// weather and gaps still come from (opt.seed, s)); opt.sites is ignored.
/// Lets tests change one parameter and watch the response.
DataSet synth_world(const SynthOptions& opt, const std::vector<SynthSite>& params);
/// World 2 with given per-site parameters (opt.sites and opt.world ignored).
DataSet synth_world2(const SynthOptions& opt, const std::vector<SynthSite2>& params);

/// Day length in seconds at latitude lat_deg on day-of-year doy (1..366):
/// sunrise hour angle ws = acos(-tan(lat) tan(decl)) with Spencer's (1971)
/// Fourier series for the solar declination, dayl = 86400 ws / pi; polar day
/// and night clamp to 86400 and 0.
double day_length_seconds(double lat_deg, int doy);

/// Extraterrestrial radiation, MJ m-2 day-1 (FAO-56, Allen et al. 1998, eq. 21).
double extraterrestrial_radiation(double lat_deg, int doy);

}  // namespace mtl
