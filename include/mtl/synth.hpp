#pragma once
// The synthetic world behind `mtl_data synth`: a stochastic weather generator,
// a conceptual rainfall-runoff model and a stream-temperature model per site,
// deterministic in (seed, site). Pure numerics (no files); equations and
// parameter ranges are documented in the README (data section).
#include <cstdint>
#include <vector>

#include "mtl/dataset.hpp"

namespace mtl {

struct SynthOptions {
  int sites = 101;
  int years = 40;          // water years, each starting on October 1
  uint64_t seed = 1;
  int first_year = 1980;   // time axis starts first_year-10-01
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

/// The whole world: drivers dayl prcp srad swe tmax tmin vp, flow (m3 s-1)
/// and temp (degC) with gaps, site ids "synth000"...
DataSet synth_world(const SynthOptions& opt);
/// The same world with given per-site parameters (site s = params[s]; its
/// weather and gaps still come from (opt.seed, s)); opt.sites is ignored.
/// Lets tests change one parameter and watch the response.
DataSet synth_world(const SynthOptions& opt, const std::vector<SynthSite>& params);

/// Day length in seconds at latitude lat_deg on day-of-year doy (1..366):
/// sunrise hour angle ws = acos(-tan(lat) tan(decl)) with Spencer's (1971)
/// Fourier series for the solar declination, dayl = 86400 ws / pi; polar day
/// and night clamp to 86400 and 0.
double day_length_seconds(double lat_deg, int doy);

/// Extraterrestrial radiation, MJ m-2 day-1 (FAO-56, Allen et al. 1998, eq. 21).
double extraterrestrial_radiation(double lat_deg, int doy);

}  // namespace mtl
