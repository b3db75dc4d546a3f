#pragma once
// Internals shared by the two synthetic worlds (synth.cpp = world 1,
// synth_world2*.cpp = world 2): the counter-seeded random streams, the
// weather generator and the gap makers. Not a public header.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "mtl/synth.hpp"

namespace mtl::synth_detail {

constexpr double kPi = 3.14159265358979323846;
constexpr double kYear = 365.25;     // days, for the seasonal cycles
constexpr int kSpinUpDays = 3 * 365; // hydrological spin-up before the first day

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Independent stream per (seed, site, purpose). Streams 0-2 are world 1's
/// (and world 2 reuses them, so a world-2 site has world 1's true weather);
/// 3-7 are world 2's own (7: the map errors of its basin attributes).
enum Stream : uint64_t {
  kParams = 0, kWeather = 1, kGaps = 2,
  kParams2 = 3, kForcingError = 4, kObsError = 5, kShuffle = 6, kAttributes = 7
};

class Rng {
 public:
  Rng(uint64_t seed, int site, Stream s)
      : g_(splitmix64(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(site)) ^ s)) {}
  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal by Box-Muller (both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log finite
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * kPi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * kPi * u2);
  }
  /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 via the boost
  /// Gamma(shape + 1) * U^(1/shape).
  double gamma(double shape) {
    if (shape < 1.0) return gamma(shape + 1.0) * std::pow(1.0 - uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = 1.0 - uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }
  uint64_t next() { return g_(); }

 private:
  std::mt19937_64 g_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

inline double clamp(double x, double lo, double hi) { return std::min(hi, std::max(lo, x)); }

/// One day of weather: the seven Daymet drivers plus the daily mean air
/// temperature the models use and the extraterrestrial radiation.
struct Weather {
  double dayl, prcp, srad, swe, tmax, tmin, vp, tavg, ra;
};

/// Weather generator state: Markov-chain wet/dry occurrence and an AR(1)
/// temperature anomaly (Richardson 1981 style). Defined in synth.cpp.
struct WeatherGen {
  const SynthSite& p;
  Rng rng;
  bool wet = false;
  double anomaly = 0.0;
  Weather day(int32_t t);
};

/// Soil store, fast and slow reservoirs (HBV/GR4J-like), mm: world 1's
/// rainfall-runoff model, which world 2 uses as it is (docs/synthetic.md, "World 2").
/// fast_melt is the meltwater part of the fast reservoir. Defined in synth.cpp.
struct Stores {
  double soil = 0, fast = 0, fast_melt = 0, slow = 0;
  /// Outflows of one day, mm: fast reservoir (q_melt of it meltwater), slow one.
  struct Out {
    double q_fast, q_melt, q_slow;
  };
  /// One day with water input `input` (rain + melt, mm) of which `melt` is
  /// snowmelt; evapotranspiration from air temperature tair and w's radiation
  /// and temperature range.
  Out step(const SynthSite& p, double input, double melt, double tair, const Weather& w);
};

/// The data set both worlds fill: the time axis (opt.years water years from
/// opt.first_year-10-01), the seven drivers' names and units, zeroed drivers,
/// flow and temp [site * n_time + t], latitude, and the ids synth000, ...
/// Defined in synth.cpp.
DataSet empty_world(const SynthOptions& opt, int sites);

/// Saturation vapour pressure (Pa) at temperature t (degC), Tetens (1930).
inline double tetens(double t) { return 610.8 * std::exp(17.27 * t / (t + 237.3)); }

/// Temperature observed only in some water years (summer-only loggers:
/// April-October), plus sensor dropouts; missing -> NaN in place.
void temp_gaps(const SynthSite& p, Rng& rng, const std::vector<int32_t>& time, float* temp);
/// A few flow gaps (gauge outages) of 5-15 days covering about 1-2 % of days.
void flow_gaps(Rng& rng, int n, float* flow);

}  // namespace mtl::synth_detail

namespace mtl::synth_detail {

/// World 2, one site: the true (error-free, gap-free) daily series the
/// observation step turns into flow and temp, [n_time] each.
struct TrueSeries2 {
  std::vector<double> flow_m3s;  // discharge, m3 s-1
  std::vector<double> tw;        // water temperature, degC
  std::vector<double> tw_free;   // the same without the hydrological link (link = 0)
  std::vector<double> tw_snowless;  // the same without the snow terms of the link
  std::vector<double> tair;      // station air temperature (the stream's and the drivers'), degC
};

/// World 2's observation step (synth_observe2.cpp): rating error, ice-affected
/// winter gaps, outages and the short-record option for flow; sensor noise,
/// logger years, dropouts and the year-shuffle placebo for temperature.
/// flow, temp: [n_time] outputs of site s.
void observe_site2(const SynthOptions& opt, const SynthSite2& p, int s, const std::vector<int32_t>& time,
                   const TrueSeries2& truth, float* flow, float* temp);

/// Share of the day-to-day variance of water temperature (anomalies a() from
/// the day-of-year mean) that a part of the link adds: var(a(tw) - a(other)) / var(a(tw)).
double hidden_share(const std::vector<int32_t>& time, const std::vector<double>& tw,
                    const std::vector<double>& other);

}  // namespace mtl::synth_detail

namespace mtl::synth_detail {

/// World 2's hidden basin (synth_basin2.cpp): snow in five equal-area
/// elevation bands, soil, fast and slow reservoirs (mm), and the stream's
/// thermal states (degC).
struct Basin2 {
  static constexpr int kBands = 5;
  const SynthSite2& p;
  double swe[kBands] = {};
  Stores stores{};  // soil and reservoirs, world 1's
  double t_surface = 0, t_free = 0, t_snowless = 0, t_gw_state = 0;
  double q_half = 1.0;  // mm/day: discharge at which half the inflow signal reaches the gauge
  double melt_sum = 0, input_sum = 0;  // mm since the first recorded day: the snowmelt share

  struct Day {
    double q, swe, t_gw, tw, tw_free, tw_snowless;  // tw_snowless: link without the snow terms
  };

  /// One day: station weather w (w.prcp the true basin precipitation) and
  /// the basin's air temperature at the mean elevation t_basin.
  Day step(const Weather& w, double t_basin, int doy);
  /// Water temperature at the station (docs/synthetic.md, "World 2"); tair = station air
  /// temperature.
  Day temperatures(double tair, double q_fast, double q_melt, double q_slow, double swe_mean, double sca);
};

}  // namespace mtl::synth_detail
