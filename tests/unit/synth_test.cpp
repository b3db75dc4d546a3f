// Synthetic world 1 (`--world 1`, kept byte for byte): deterministic, complete
// drivers, plausible statistics, flow that responds to rain and water
// temperature that follows air temperature. Ranges are physical plausibility
// bounds for mid-latitude (30-50 N) basins, not fitted to the generator's
// output. World 2: synth_world2_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "mtl/synth.hpp"

namespace mtl {
namespace {

SynthOptions options(int sites, int years, uint64_t seed) {
  SynthOptions o;
  o.sites = sites;
  o.years = years;
  o.seed = seed;
  o.world = 1;
  return o;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

double corr(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(Synth, TimeAxisAndIds) {
  const DataSet d = synth_world(options(3, 40, 1));
  ASSERT_EQ(d.n_time(), 14610);  // 1980-10-01 .. 2020-09-30: 40 * 365 + 10 leap days
  EXPECT_EQ(iso_date(d.time.front()), "1980-10-01");
  EXPECT_EQ(iso_date(d.time.back()), "2020-09-30");
  EXPECT_EQ(d.site_ids, (std::vector<std::string>{"synth000", "synth001", "synth002"}));
  EXPECT_EQ(d.driver_names, (std::vector<std::string>{"dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"}));
  EXPECT_NO_THROW(d.check_shape("synth"));
}

TEST(Synth, DeterministicAndSeedSensitive) {
  const DataSet a = synth_world(options(4, 3, 7)), b = synth_world(options(4, 3, 7));
  const DataSet c = synth_world(options(4, 3, 8));
  for (int k = 0; k < a.n_drivers(); ++k) EXPECT_TRUE(same_bits(a.drivers[k], b.drivers[k]));
  EXPECT_TRUE(same_bits(a.flow, b.flow));
  EXPECT_TRUE(same_bits(a.temp, b.temp));
  EXPECT_EQ(a.latitude, b.latitude);
  EXPECT_FALSE(same_bits(a.drivers[1], c.drivers[1]));
  EXPECT_FALSE(same_bits(a.flow, c.flow));
  // A site's series do not depend on how many sites are generated.
  const DataSet big = synth_world(options(6, 3, 7));
  const size_t n = a.time.size();
  EXPECT_TRUE(std::equal(a.flow.begin() + n, a.flow.begin() + 2 * n, big.flow.begin() + n,
                         [](float x, float y) { return (std::isnan(x) && std::isnan(y)) || x == y; }));
}

TEST(Synth, DayLength) {
  // Equinox (doy 80, declination ~0): ~12 h at any latitude; 45 N solstice:
  // 15.4 h (astronomical tables, sun centre on the horizon). 0.1 h covers
  // the declination series' error near the equinox (declination ~0.4 deg).
  EXPECT_NEAR(day_length_seconds(30.0, 80) / 3600, 12.0, 0.1);
  EXPECT_NEAR(day_length_seconds(45.0, 172) / 3600, 15.43, 0.1);
  EXPECT_NEAR(day_length_seconds(45.0, 355) / 3600, 8.57, 0.1);
}

double mean_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (!std::isnan(a[i]) && !std::isnan(b[i])) sum += std::fabs(a[i] - b[i]), ++n;
  return n > 0 ? sum / n : 0.0;
}

// Temperature and flow depend on each other: a flow-only parameter (soil
// percolation, which moves water from quick flow to baseflow) changes water
// temperature through the baseflow share,
// while a temperature-only parameter (groundwater temperature) leaves flow
// bit-identical. Snow couples the other way: a different melt factor changes
// flow. 0.05 degC is far above float rounding (~1e-6 degC) and far below the
// effect of moving the groundwater share of the stream.
TEST(Synth, TemperatureAndFlowAreCoupled) {
  const SynthOptions o = options(1, 10, 1);
  SynthSite p = synth_site_params(1, 0);
  p.latitude = 46.0;  // a snowy site
  p.t_mean = 6.0;
  const DataSet base = synth_world(o, {p});
  SynthSite leaky = p;
  leaky.k_perc = p.k_perc * 3.0;
  const DataSet a = synth_world(o, {leaky});
  EXPECT_FALSE(same_bits(a.flow, base.flow));
  EXPECT_GT(mean_abs_diff(a.temp, base.temp), 0.05);
  SynthSite warm_gw = p;
  warm_gw.t_gw_offset = p.t_gw_offset + 3.0;
  const DataSet b = synth_world(o, {warm_gw});
  EXPECT_TRUE(same_bits(b.flow, base.flow));
  EXPECT_GT(mean_abs_diff(b.temp, base.temp), 0.05);
  SynthSite melt = p;
  melt.ddf = p.ddf * 2.0;
  const DataSet c = synth_world(o, {melt});
  EXPECT_FALSE(same_bits(c.flow, base.flow));
  EXPECT_TRUE(same_bits(c.drivers[1], base.drivers[1]));  // same weather
}

struct SiteStats {
  double t_air, prcp_year, runoff_ratio, temp_missing, flow_missing, corr_air_water, event_gain;
  double tw_min, tw_max;
};

SiteStats site_stats(const DataSet& d, int s) {
  const int n = d.n_time();
  const size_t o = static_cast<size_t>(s) * n;
  const SynthSite p = synth_site_params(1, s);
  const double mm_per_m3s = 86400.0 / (p.area_km2 * 1e3);
  SiteStats st{};
  st.tw_min = 1e9;
  st.tw_max = -1e9;
  double p_sum = 0, q_sum = 0, p_obs = 0;
  int miss_t = 0, miss_q = 0;
  std::vector<double> air, water;
  double gain_sum = 0;
  int events = 0;
  for (int t = 0; t < n; ++t) {
    const double ta = 0.5 * (d.drivers[4][o + t] + d.drivers[5][o + t]);
    st.t_air += ta / n;
    p_sum += d.drivers[1][o + t];
    const float q = d.flow[o + t], tw = d.temp[o + t];
    if (std::isnan(q)) ++miss_q;
    else q_sum += q * mm_per_m3s, p_obs += d.drivers[1][o + t];
    if (std::isnan(tw)) {
      ++miss_t;
    } else {
      air.push_back(ta);
      water.push_back(tw);
      st.tw_min = std::min<double>(st.tw_min, tw);
      st.tw_max = std::max<double>(st.tw_max, tw);
    }
    // Event response: a heavy rain day (> 20 mm, warm enough to be rain)
    // followed by flow one day later vs. the day before.
    if (t > 0 && t + 1 < n && d.drivers[1][o + t] > 20 && ta > 3 && !std::isnan(d.flow[o + t - 1]) &&
        !std::isnan(d.flow[o + t + 1]) && d.flow[o + t - 1] > 0) {
      gain_sum += d.flow[o + t + 1] / d.flow[o + t - 1];
      ++events;
    }
  }
  st.prcp_year = p_sum / (n / 365.25);
  st.runoff_ratio = q_sum / p_obs;
  st.temp_missing = static_cast<double>(miss_t) / n;
  st.flow_missing = static_cast<double>(miss_q) / n;
  st.corr_air_water = corr(air, water);
  st.event_gain = events > 0 ? gain_sum / events : 0;
  return st;
}

TEST(Synth, PlausibleStatistics) {
  const int sites = 101;  // world 1 of the default size (seed 1)
  const DataSet d = synth_world(options(sites, 40, 1));
  for (int k = 0; k < d.n_drivers(); ++k)
    for (float v : d.drivers[k]) ASSERT_TRUE(std::isfinite(v)) << d.driver_names[k];
  for (int s = 0; s < sites; ++s) {
    const SiteStats st = site_stats(d, s);
    std::printf("site %2d lat %.1f Tair %5.1f P %6.0f RR %.2f miss T %.2f Q %.3f r %.2f gain %.2f Tw %.1f..%.1f\n", s,
                d.latitude[s], st.t_air, st.prcp_year, st.runoff_ratio, st.temp_missing, st.flow_missing,
                st.corr_air_water, st.event_gain, st.tw_min, st.tw_max);
    EXPECT_GE(d.latitude[s], 30.0);
    EXPECT_LE(d.latitude[s], 50.0);
    EXPECT_GT(st.t_air, 0.0);  // mean annual air temperature of 30-50 N lowlands
    EXPECT_LT(st.t_air, 25.0);
    EXPECT_GT(st.prcp_year, 300.0);  // semi-arid to very wet
    EXPECT_LT(st.prcp_year, 3000.0);
    EXPECT_GT(st.runoff_ratio, 0.1);
    EXPECT_LT(st.runoff_ratio, 0.9);
    EXPECT_GE(st.tw_min, -0.5);
    EXPECT_LE(st.tw_max, 35.0);
    EXPECT_GE(st.temp_missing, 0.3);
    EXPECT_LE(st.temp_missing, 0.9);
    EXPECT_GT(st.flow_missing, 0.0);   // a few gaps ...
    EXPECT_LT(st.flow_missing, 0.03);  // ... about 1-2 %
    EXPECT_GT(st.corr_air_water, 0.8);
    EXPECT_GT(st.event_gain, 1.2);  // flow rises after heavy rain
    // Temperature observed in each default period (jobs/*.ini: train 25,
    // val 5, test 10 water years), so temperature-primary runs can be scored.
    const int32_t bounds[] = {days_from_civil(1980, 10, 1), days_from_civil(2005, 10, 1),
                              days_from_civil(2010, 10, 1), days_from_civil(2020, 10, 1)};
    for (int p = 0; p < 3; ++p) {
      int obs = 0;
      for (int32_t t = bounds[p]; t < bounds[p + 1]; ++t) obs += !std::isnan(d.temp[s * d.n_time() + t - d.time[0]]);
      EXPECT_GT(obs, 60) << "site " << s << " period " << p;  // at least part of a season
    }
  }
}

}  // namespace
}  // namespace mtl
