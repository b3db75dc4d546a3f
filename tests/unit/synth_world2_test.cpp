// Synthetic world 2 (`mtl_data synth`, the default): deterministic; the model's
// drivers differ from the hidden truth (gauge precipitation, the generic swe
// estimate); the controls change only what they claim to (temperature link
// off: flow identical, temperature free of hidden state; year shuffle and
// short records: only the observations); plausible statistics and a mix of
// per-site truth. Ranges are physical plausibility bounds (docs/synthetic.md, "World 2"),
// not fitted to the generator's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "mtl/synth.hpp"

namespace mtl {
namespace {

SynthOptions world2(int sites, int years, uint64_t seed = 1) {
  SynthOptions o;
  o.sites = sites;
  o.years = years;
  o.seed = seed;
  return o;  // world 2 is the default
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

const std::vector<float>& series(const DataSet& d, const std::string& name) {
  const int k = d.extra_index(name);
  EXPECT_GE(k, 0) << name;
  return d.extras.at(static_cast<size_t>(k)).values;
}

double site_value(const DataSet& d, const std::string& name, int s) {
  for (const auto& v : d.site_values)
    if (v.name == name) return v.values.at(static_cast<size_t>(s));
  ADD_FAILURE() << name;
  return std::nan("");
}

TEST(SynthWorld2, LayoutAndDeterminism) {
  const DataSet a = synth_world(world2(4, 3, 7)), b = synth_world(world2(4, 3, 7));
  EXPECT_EQ(a.driver_names, (std::vector<std::string>{"dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"}));
  std::vector<std::string> names;
  for (const auto& e : a.extras) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"swe_true", "soil_true", "gw_true", "tgw_true", "tair_true",
                                             "prcp_true", "flow_true", "temp_true"}));
  names.clear();
  for (const auto& v : a.site_values) names.push_back(v.name);
  EXPECT_EQ(names, (std::vector<std::string>{"temp_hidden_share", "temp_snow_share", "melt_share",
                                             "temp_gain_expected", "temp_link",
                                             "short_flow_years", "temp_link_gain_expected"}));
  EXPECT_NO_THROW(a.check_shape("synth"));
  for (int k = 0; k < a.n_drivers(); ++k) EXPECT_TRUE(same_bits(a.drivers[k], b.drivers[k]));
  for (size_t k = 0; k < a.extras.size(); ++k) EXPECT_TRUE(same_bits(a.extras[k].values, b.extras[k].values));
  EXPECT_TRUE(same_bits(a.flow, b.flow));
  EXPECT_TRUE(same_bits(a.temp, b.temp));
  EXPECT_FALSE(same_bits(a.flow, synth_world(world2(4, 3, 8)).flow));
  // A site's series do not depend on how many sites are generated.
  const DataSet big = synth_world(world2(6, 3, 7));
  const size_t n = a.time.size();
  EXPECT_TRUE(std::equal(a.temp.begin() + n, a.temp.begin() + 2 * n, big.temp.begin() + n,
                         [](float x, float y) { return (std::isnan(x) && std::isnan(y)) || x == y; }));
  // The station weather is world 1's: the same day length, radiation, tmax.
  SynthOptions w1 = world2(4, 3, 7);
  w1.world = 1;
  const DataSet one = synth_world(w1);
  for (int k : {0, 2, 4, 5, 6}) EXPECT_TRUE(same_bits(a.drivers[k], one.drivers[k])) << a.driver_names[k];
}

// The drivers are not the truth: gauge precipitation has errors, the swe
// driver is a generic estimate, the basin's air temperature departs from the
// station's; flow and temperature carry observation errors.
TEST(SynthWorld2, DriversAreNotTheTruth) {
  const DataSet d = synth_world(world2(20, 10));
  const auto& prcp_true = series(d, "prcp_true");
  const auto& swe_true = series(d, "swe_true");
  const auto& tair_true = series(d, "tair_true");
  const auto& flow_true = series(d, "flow_true");
  double missed = 0, wet = 0, swe_diff = 0, swe_sum = 0, t_dev = 0, q_err = 0, q_n = 0;
  for (size_t i = 0; i < d.flow.size(); ++i) {
    wet += prcp_true[i] > 1.0f;
    missed += prcp_true[i] > 1.0f && d.drivers[1][i] == 0.0f;
    swe_diff += std::fabs(d.drivers[3][i] - swe_true[i]);
    swe_sum += swe_true[i];
    t_dev += std::fabs(0.5 * (d.drivers[4][i] + d.drivers[5][i]) - tair_true[i]);
    if (!std::isnan(d.flow[i]) && flow_true[i] > 0)
      q_err += std::fabs(std::log(d.flow[i] / flow_true[i])), ++q_n;
  }
  const double n = static_cast<double>(d.flow.size());
  EXPECT_GT(missed / wet, 0.005);  // p_miss U(0.01, 0.06)
  EXPECT_LT(missed / wet, 0.08);
  EXPECT_GT(swe_diff / swe_sum, 0.2);  // the generic estimate is off by > 20 %
  EXPECT_GT(t_dev / n, 0.3);           // degC: offset U(-1.5, 1.5) plus AR(1) std U(0.5, 2)
  EXPECT_LT(t_dev / n, 3.0);
  EXPECT_GT(q_err / q_n, 0.005);  // rating error: log std U(0.02, 0.08)
  EXPECT_LT(q_err / q_n, 0.1);
}

// Switching the link off changes water temperature only, and leaves it free
// of hidden state (truth share 0); the year shuffle and the short records
// change only the observations.
TEST(SynthWorld2, ControlsChangeOnlyWhatTheyClaim) {
  SynthOptions base = world2(6, 20);
  base.short_flow_min = base.short_flow_max = 0;  // complete flow records
  const DataSet on = synth_world(base);
  SynthOptions o = base;
  o.temp_link = false;
  const DataSet off = synth_world(o);
  EXPECT_TRUE(same_bits(on.flow, off.flow));
  EXPECT_TRUE(same_bits(series(on, "swe_true"), series(off, "swe_true")));
  EXPECT_FALSE(same_bits(on.temp, off.temp));
  for (int s = 0; s < 6; ++s) {
    EXPECT_EQ(site_value(off, "temp_hidden_share", s), 0.0);
    EXPECT_EQ(site_value(off, "temp_link", s), 0.0);
    EXPECT_EQ(site_value(off, "temp_link_gain_expected", s), 0.0);  // no link, no link gain
  }
  o = base;
  o.shuffle_temp_years = true;
  const DataSet shuffled = synth_world(o);
  EXPECT_TRUE(same_bits(on.flow, shuffled.flow));
  EXPECT_TRUE(same_bits(series(on, "temp_true"), series(shuffled, "temp_true")));
  EXPECT_FALSE(same_bits(on.temp, shuffled.temp));
  // Same recorded values, other years: the sorted observed values agree
  // except for water years of 366 days (their last day has no partner).
  std::vector<float> a, b;
  for (float v : on.temp) if (!std::isnan(v)) a.push_back(v);
  for (float v : shuffled.temp) if (!std::isnan(v)) b.push_back(v);
  EXPECT_NEAR(static_cast<double>(b.size()), static_cast<double>(a.size()), 0.01 * a.size());
  o = base;
  o.short_flow_min = 3;
  o.short_flow_max = 4;
  const DataSet short_flow = synth_world(o);
  EXPECT_TRUE(same_bits(on.temp, short_flow.temp));
  const int n = on.n_time();
  for (int s = 0; s < 6; ++s) {
    const int k = static_cast<int>(site_value(short_flow, "short_flow_years", s));
    EXPECT_TRUE(k == 3 || k == 4);
    const int32_t first = days_from_civil(1980 + 20 - 15 - k, 10, 1) - on.time[0];
    for (int t = 0; t < n; ++t) {
      const float got = short_flow.flow[s * n + t], full = on.flow[s * n + t];
      if (t < first) ASSERT_TRUE(std::isnan(got)) << s << " " << t;
      else ASSERT_TRUE((std::isnan(got) && std::isnan(full)) || got == full) << s << " " << t;
    }
  }
}

// Snow in elevation bands: relief moves snow up the basin and changes flow;
// the link changes temperature, never flow.
TEST(SynthWorld2, SnowBandsAndLink) {
  const SynthOptions o = world2(1, 10);
  SynthSite2 p = synth_site_params2(1, 0);
  p.base.latitude = 46.0;
  p.base.t_mean = 6.0;
  p.relief_m = 100.0;
  const DataSet flat = synth_world2(o, {p});
  SynthSite2 steep = p;
  steep.relief_m = 2000.0;
  const DataSet mountain = synth_world2(o, {steep});
  EXPECT_FALSE(same_bits(flat.flow, mountain.flow));
  double swe_flat = 0, swe_mountain = 0;
  for (size_t i = 0; i < flat.flow.size(); ++i)
    swe_flat += series(flat, "swe_true")[i], swe_mountain += series(mountain, "swe_true")[i];
  EXPECT_GT(swe_mountain, swe_flat);  // the upper bands keep snow longer
  SynthSite2 unlinked = p, linked = p;
  unlinked.link = 0.0;
  linked.link = 1.0;
  const DataSet a = synth_world2(o, {unlinked}), b = synth_world2(o, {linked});
  EXPECT_TRUE(same_bits(a.flow, b.flow));
  EXPECT_EQ(site_value(a, "temp_hidden_share", 0), 0.0);
  EXPECT_GT(site_value(b, "temp_hidden_share", 0), 0.1);
}

double corr(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  return sab / std::sqrt(saa * sbb);
}

// The default world (101 sites, 40 years, seed 1, flow records of 1-2
// training years): plausible for 30-50 N basins, and the truth a mix of sites
// where temperature should and should not help.
TEST(SynthWorld2, PlausibleStatisticsAndMixedTruth) {
  const int sites = 101;
  const DataSet d = synth_world(world2(sites, 40));
  const int n = d.n_time();
  const double years = n / 365.25;
  int share_high = 0, share_low = 0, expected = 0, link_expected = 0;
  for (int s = 0; s < sites; ++s) {
    const size_t o = static_cast<size_t>(s) * n;
    const double mm_per_m3s = 86400.0 / (synth_site_params2(1, s).base.area_km2 * 1e3);
    // Flow is gauged from k water years before the last 15 (default --short-flow 1-2).
    const int k = static_cast<int>(site_value(d, "short_flow_years", s));
    EXPECT_TRUE(k >= 1 && k <= 2) << k;
    const int gauged_from = days_from_civil(1980 + 40 - 15 - k, 10, 1) - d.time[0];
    double t_air = 0, p_true = 0, p_gauge = 0, q_true = 0, miss_q = 0, miss_t = 0;
    double tw_min = 1e9, tw_max = -1e9;
    std::vector<double> air, water;
    for (int t = 0; t < n; ++t) {
      const double ta = 0.5 * (d.drivers[4][o + t] + d.drivers[5][o + t]);
      t_air += ta / n;
      p_true += series(d, "prcp_true")[o + t];
      p_gauge += d.drivers[1][o + t];
      q_true += series(d, "flow_true")[o + t] * mm_per_m3s;
      if (t < gauged_from) EXPECT_TRUE(std::isnan(d.flow[o + t]));
      else miss_q += std::isnan(d.flow[o + t]);
      const float tw = d.temp[o + t];
      if (std::isnan(tw)) {
        ++miss_t;
        continue;
      }
      air.push_back(ta);
      water.push_back(tw);
      tw_min = std::min<double>(tw_min, tw);
      tw_max = std::max<double>(tw_max, tw);
    }
    const double share = site_value(d, "temp_hidden_share", s);
    std::printf("site %3d Tair %5.1f P %5.0f gauge/true %.2f RR %.2f miss Q %.3f T %.2f r %.2f Tw %.1f..%.1f "
                "share %.2f melt %.2f expected %.0f\n", s, t_air, p_true / years, p_gauge / p_true,
                q_true / p_true, miss_q / (n - gauged_from), miss_t / n, corr(air, water), tw_min, tw_max, share,
                site_value(d, "melt_share", s), site_value(d, "temp_gain_expected", s));
    EXPECT_GT(t_air, 0.0);
    EXPECT_LT(t_air, 25.0);
    EXPECT_GT(p_true / years, 300.0);
    EXPECT_LT(p_true / years, 3000.0);
    EXPECT_GT(p_gauge / p_true, 0.7);  // undercatch and missed events, never a doubling
    EXPECT_LT(p_gauge / p_true, 1.1);
    EXPECT_GT(q_true / p_true, 0.1);
    EXPECT_LT(q_true / p_true, 0.9);
    EXPECT_GT(miss_q / (n - gauged_from), 0.0);
    EXPECT_LT(miss_q / (n - gauged_from), 0.4);  // outages, plus ice-affected winters in the north
    EXPECT_GE(miss_t / n, 0.3);
    EXPECT_LE(miss_t / n, 0.9);
    EXPECT_GE(tw_min, 0.0);
    EXPECT_LE(tw_max, 35.0);
    EXPECT_GT(corr(air, water), 0.6);  // snow and meltwater loosen the air-water relation
    EXPECT_GE(share, 0.0);
    EXPECT_LE(share, 1.0);
    share_high += share >= 0.25;
    share_low += share < 0.05;
    expected += site_value(d, "temp_gain_expected", s) == 1.0;
    // The restated rule is its definition over the stored truth variables.
    const bool link_rule = site_value(d, "melt_share", s) >= 0.2 && site_value(d, "temp_link", s) >= 0.3 &&
                           site_value(d, "short_flow_years", s) > 0;
    EXPECT_EQ(site_value(d, "temp_link_gain_expected", s), link_rule ? 1.0 : 0.0) << "site " << s;
    link_expected += link_rule;
  }
  EXPECT_GE(link_expected, 5);
  EXPECT_LE(link_expected, sites - 5);
  EXPECT_GE(share_high, 10);
  EXPECT_GE(share_low, 10);
  EXPECT_GE(expected, 5);
  EXPECT_LE(expected, sites - 5);
}

}  // namespace
}  // namespace mtl

namespace mtl {
namespace {

double attribute(const DataSet& d, const std::string& name, int s) {
  const int k = d.attribute_index(name);
  EXPECT_GE(k, 0) << name;
  return k < 0 ? std::nan("") : d.attributes[static_cast<size_t>(k)].values.at(static_cast<size_t>(s));
}

// Basin attributes (docs/synthetic.md, "Basin attributes"): the CAMELS-like
// set, never a truth variable, the area the flow was made with, and climate
// indices that are what their formulas say of the OBSERVED forcing.
TEST(SynthWorld2, AttributesAreObservableAndComputedFromTheForcing) {
  const SynthOptions o = world2(6, 4, 3);
  const DataSet d = synth_world(o);
  std::vector<std::string> names;
  for (const auto& a : d.attributes) names.push_back(a.name);
  EXPECT_EQ(names, (std::vector<std::string>{"area", "gauge_lat", "elev_mean", "relief", "slope_mean",
                                             "soil_depth", "p_mean", "pet_mean", "aridity", "frac_snow",
                                             "high_prec_freq", "high_prec_dur", "low_prec_freq",
                                             "low_prec_dur", "p_seasonality"}));
  for (const auto& v : d.site_values) EXPECT_LT(d.attribute_index(v.name), 0) << v.name << " is truth";
  const int n = d.n_time();
  for (int s = 0; s < 6; ++s) {
    const SynthSite2 p = synth_site_params2(o.seed, s, o);
    EXPECT_EQ(attribute(d, "area", s), p.base.area_km2);
    EXPECT_EQ(attribute(d, "gauge_lat", s), d.latitude[s]);
    EXPECT_EQ(attribute(d, "relief", s), p.relief_m);
    // p_mean, frac_snow and the dry-day frequency recomputed from the prcp/tmax/tmin drivers.
    double sum = 0, snow = 0;
    int dry = 0;
    for (int t = 0; t < n; ++t) {
      const double pr = d.drivers[1][s * n + t];
      sum += pr;
      if (0.5 * (d.drivers[4][s * n + t] + d.drivers[5][s * n + t]) < 0) snow += pr;
      dry += pr < 1.0;
    }
    EXPECT_NEAR(attribute(d, "p_mean", s), sum / n, 1e-9 * sum / n);
    EXPECT_NEAR(attribute(d, "frac_snow", s), snow / sum, 1e-9);
    EXPECT_NEAR(attribute(d, "low_prec_freq", s), dry / (n / 365.25), 1e-9);
    EXPECT_NEAR(attribute(d, "aridity", s), attribute(d, "pet_mean", s) / attribute(d, "p_mean", s), 1e-12);
    // Durations are means of runs of at least one day; seasonality is a cosine times delta_p.
    EXPECT_GE(attribute(d, "high_prec_dur", s), 1.0);
    EXPECT_GE(attribute(d, "low_prec_dur", s), 1.0);
    EXPECT_LE(std::fabs(attribute(d, "p_seasonality", s)), 2.0);
    EXPECT_GT(attribute(d, "soil_depth", s), 0.0);
  }
}

}  // namespace
}  // namespace mtl
