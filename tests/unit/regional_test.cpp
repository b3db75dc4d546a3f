// Regional-model inputs and loss (issue 19): flow as depth per site, static
// attributes z-scored over the experiment's sites and repeated at every step,
// and the NSE* loss (Kratzert et al. 2019). Expected values are worked out by
// hand from make_data(); the loss's gradient is checked by central differences
// and against a plain per-point reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "support/expect_error.hpp"
#include "mtl/config.hpp"
#include "mtl/data.hpp"
#include "mtl/errors.hpp"
#include "mtl/loss.hpp"

namespace mtl {
namespace {

const float kNaN = std::nanf("");

/// Three sites, 12 days from day 0: driver a[s][t] = t + s; flow of site s is
/// (t + 1) * area_s / 86.4 m3 s-1, i.e. exactly t + 1 mm/day at every site;
/// temp[s][t] = 10 + s + 0.5 t. Attributes: area, elev (one per site), flat (constant).
DataSet make_data() {
  DataSet d;
  d.site_ids = {"s0", "s1", "s2"};
  d.latitude = {40, 41, 42};
  for (int t = 0; t < 12; ++t) d.time.push_back(t);
  d.driver_names = {"a"};
  d.driver_units = {"1"};
  d.drivers.assign(1, std::vector<float>(36));
  d.flow.assign(36, kNaN);
  d.temp.assign(36, kNaN);
  const double area[] = {86.4, 864.0, 8640.0};
  for (int s = 0; s < 3; ++s)
    for (int t = 0; t < 12; ++t) {
      d.drivers[0][s * 12 + t] = static_cast<float>(t + s);
      d.flow[s * 12 + t] = static_cast<float>((t + 1) * area[s] / 86.4);
      d.temp[s * 12 + t] = static_cast<float>(10 + s + 0.5 * t);
    }
  d.attributes = {{"area", "km2", "", {area[0], area[1], area[2]}},
                  {"elev", "m", "", {100.0, 200.0, 600.0}},
                  {"flat", "1", "", {3.0, 3.0, 3.0}}};
  return d;
}

Config make_config() {
  Config c;
  c.experiment.primary = Variable::flow;
  c.experiment.auxiliary = Variable::temp;
  c.data.train = {0, 5};
  c.data.val = {6, 8};
  c.data.test = {9, 11};
  c.model.seq_len = 3;
  return c;
}

float x_at(const SequenceSet& q, int t, int n, int c) { return q.x[(t * q.n_seq + n) * q.n_in + c]; }
float y_at(const SequenceSet& q, int t, int n, int k) { return q.y[(t * q.n_seq + n) * 2 + k]; }

TEST(Regional, FlowAsDepthMakesSitesOfAnySizeAlike) {
  const DataSet d = make_data();
  Config c = make_config();
  c.data.flow_scaling = FlowScaling::depth;
  const SiteData sd = prepare_sites(d, {0, 1, 2}, c, "mem");
  // Every site's depth is 1..6 mm/day in training: mean 3.5, population variance 35/12.
  EXPECT_NEAR(sd.scaling.y_mean[0], 3.5, 1e-12);
  EXPECT_NEAR(sd.scaling.y_std[0], std::sqrt(35.0 / 12.0), 1e-12);
  ASSERT_EQ(sd.scaling.flow_depth.size(), 3u);
  EXPECT_NEAR(sd.scaling.flow_depth[2], 0.01, 1e-15);
  // The three sites' z-scored flows are the same sequence (site n of 2 blocks each).
  const SequenceSet& q = sd.train;
  ASSERT_EQ(q.n_seq, 6);
  for (int t = 0; t < 3; ++t) {
    EXPECT_FLOAT_EQ(y_at(q, t, 0, 0), y_at(q, t, 2, 0));
    EXPECT_FLOAT_EQ(y_at(q, t, 0, 0), y_at(q, t, 4, 0));
  }
  // Un-scaling returns each site's m3 s-1.
  for (int s = 0; s < 3; ++s) {
    const double q_m3s = 7.0 * d.attributes[0].values[s] / 86.4;
    EXPECT_NEAR(unscale(sd.scaling, Variable::flow, scale(sd.scaling, Variable::flow, q_m3s, s), s), q_m3s,
                1e-9 * q_m3s);
  }
  // Pooled (the default) keeps the big river's m3 s-1: its z-scores differ.
  const SiteData pooled = prepare_sites(d, {0, 1, 2}, make_config(), "mem");
  EXPECT_TRUE(pooled.scaling.flow_depth.empty());
  EXPECT_NE(y_at(pooled.train, 0, 0, 0), y_at(pooled.train, 0, 4, 0));
}

TEST(Regional, FlowAsDepthNeedsAnAreaForEverySite) {
  DataSet d = make_data();
  Config c = make_config();
  c.data.flow_scaling = FlowScaling::depth;
  d.attributes[0].values[1] = std::nan("");
  test::expect_data_error([&] { prepare_sites(d, {0, 1}, c, "x.nc"); }, {"x.nc: data.flow_scaling = depth: attribute 'area' of site s1"});
  d.attributes.erase(d.attributes.begin());
  test::expect_data_error([&] { prepare_sites(d, {0}, c, "x.nc"); }, {"needs a per-site attribute 'area'"});
}

TEST(Regional, StaticAttributesAreZScoredOverTheSitesAndRepeatedEveryStep) {
  const DataSet d = make_data();
  Config c = make_config();
  c.data.statics = {"elev"};
  const SiteData sd = prepare_sites(d, {0, 1, 2}, c, "mem");
  ASSERT_EQ(sd.train.n_in, 2);
  EXPECT_EQ(sd.n_static, 1);
  EXPECT_EQ(sd.driver_names, (std::vector<std::string>{"a", "elev"}));
  // elev 100, 200, 600: mean 300, sample std sqrt((4 + 1 + 9) 1e4 / 2) = sqrt(7e4).
  const double sd_elev = std::sqrt(7e4);
  EXPECT_FLOAT_EQ(sd.scaling.x_mean[1], 300.0f);
  EXPECT_FLOAT_EQ(sd.scaling.x_std[1], static_cast<float>(sd_elev));
  const float z[] = {static_cast<float>(-200 / sd_elev), static_cast<float>(-100 / sd_elev),
                     static_cast<float>(300 / sd_elev)};
  for (int part = 0; part < kNumParts; ++part) {
    const SequenceSet& q = part == 0 ? sd.train : sd.eval[part];
    for (int n = 0; n < q.n_seq; ++n)
      for (int t = 0; t < q.seq_len; ++t) {
        if (q.day[t * q.n_seq + n] < 0) continue;  // padding keeps zero inputs
        EXPECT_EQ(x_at(q, t, n, 1), z[q.site[n]]) << "part " << part << " t " << t << " n " << n;
      }
  }
}

TEST(Regional, AStaticValueDependsOnTheExperimentsSitesNotTheRanks) {
  const DataSet d = make_data();
  Config c = make_config();
  c.data.statics = {"elev"};
  // A rank that holds only sites 0 and 2 (its own read of the file) ...
  DataSet part = d;
  part.site_ids = {"s0", "s2"};
  for (auto& a : part.attributes) a.values = {a.values[0], a.values[2]};
  for (auto& v : part.drivers) v.erase(v.begin() + 12, v.begin() + 24);
  part.flow.erase(part.flow.begin() + 12, part.flow.begin() + 24);
  part.temp.erase(part.temp.begin() + 12, part.temp.begin() + 24);
  part.latitude = {40, 42};
  // ... with the experiment's statistics gives site 2 the same input as all three sites do,
  const StaticScaling st = fit_static(d, {0, 1, 2}, c, "mem");
  const float want = x_at(prepare_sites(d, {2}, c, "mem", &st).train, 0, 0, 1);
  EXPECT_EQ(x_at(prepare_sites(part, {1}, c, "mem", &st).train, 0, 0, 1), want);
  // while fitting over its own two sites would not (why the runner passes them).
  EXPECT_NE(x_at(prepare_sites(part, {1}, c, "mem").train, 0, 0, 1), want);
}

TEST(Regional, BadAttributesFailWithOneLineNamingFileAttributeAndSite) {
  DataSet d = make_data();
  Config c = make_config();
  c.data.statics = {"nope"};
  test::expect_data_error([&] { fit_static(d, {0, 1, 2}, c, "x.nc"); }, {"x.nc: data.static: attribute 'nope' not in the file (attributes: area elev flat)"});
  c.data.statics = {"flat"};
  test::expect_data_error([&] { fit_static(d, {0, 1, 2}, c, "x.nc"); }, {"x.nc: data.static: attribute 'flat' is constant (3.000000) over the 3 selected sites"});
  c.data.statics = {"elev"};
  test::expect_data_error([&] { fit_static(d, {1}, c, "x.nc"); }, {"cannot be z-scored over 1 site"});
  d.attributes[1].values[2] = std::nan("");
  test::expect_data_error([&] { fit_static(d, {0, 1, 2}, c, "x.nc"); }, {"x.nc: data.static: attribute 'elev' is missing (nan) at site s2"});
  c.data.statics.clear();
  c.data.static_all = true;
  d.attributes.clear();
  test::expect_data_error([&] { fit_static(d, {0, 1, 2}, c, "x.nc"); }, {"'all', but the file has no attributes"});
}

TEST(Regional, SingleSiteRunsGetTheExperimentWideZScore) {
  const DataSet d = make_data();
  Config c = make_config();
  c.data.statics = {"elev", "area"};
  const StaticScaling st = fit_static(d, {0, 1, 2}, c, "mem");
  const SiteData whole = prepare_sites(d, {0, 1, 2}, c, "mem", &st);
  const SiteData one = prepare_sites(d, {2}, c, "mem", &st);
  ASSERT_EQ(one.train.n_in, 3);
  // Site 2's static inputs are the same in its own run and in the pooled one.
  for (int k = 1; k < 3; ++k) EXPECT_EQ(x_at(one.train, 0, 0, k), x_at(whole.train, 0, 4, k));
}

TEST(Regional, NseStarWeightsAreOneOverTheSitesStdPlusEpsSquared) {
  const DataSet d = make_data();
  Config c = make_config();
  c.data.flow_scaling = FlowScaling::depth;
  c.model.loss = LossKind::nse_star;
  c.model.nse_star_eps = 0.1;
  const SiteData sd = prepare_sites(d, {0, 1, 2}, c, "mem");
  // Depth 1..6 mm/day at every site: s_b = sqrt(35/12); temp 10+s+0.5t: s_b = 0.5 sqrt(35/12).
  const double s_flow = std::sqrt(35.0 / 12.0), s_temp = 0.5 * s_flow;
  ASSERT_EQ(sd.train.weight.size(), static_cast<std::size_t>(sd.train.n_seq) * 2);
  for (int n = 0; n < sd.train.n_seq; ++n) {
    EXPECT_FLOAT_EQ(sd.train.weight[n * 2], static_cast<float>(1 / ((s_flow + 0.1) * (s_flow + 0.1))));
    EXPECT_FLOAT_EQ(sd.train.weight[n * 2 + 1], static_cast<float>(1 / ((s_temp + 0.1) * (s_temp + 0.1))));
  }
  EXPECT_EQ(sd.eval[1].weight.size(), static_cast<std::size_t>(sd.eval[1].n_seq) * 2);
  c.model.loss = LossKind::rmse;
  EXPECT_TRUE(prepare_sites(d, {0, 1, 2}, c, "mem").train.weight.empty());
}

/// Plain per-point reference of L = L_p + lambda L_a, L_v = sum w e^2 / n_v.
double reference_loss(const std::vector<float>& p, const std::vector<float>& y, const std::vector<float>& w,
                      int T, int B, double lambda) {
  double total = 0;
  for (int v = 0; v < 2; ++v) {
    double sum = 0;
    int n = 0;
    for (int t = 0; t < T; ++t)
      for (int b = 0; b < B; ++b) {
        const double yy = y[(t * B + b) * 2 + v];
        if (std::isnan(yy)) continue;
        const double e = p[(t * B + b) * 2 + v] - yy;
        sum += w[b * 2 + v] * e * e;
        ++n;
      }
    total += (v == 0 ? 1.0 : lambda) * (n ? sum / n : 0.0);
  }
  return total;
}

TEST(Regional, NseStarLossMatchesReferenceAndCentralDifferences) {
  const int T = 5, B = 4;
  std::mt19937 g(7);
  std::normal_distribution<float> nd;
  std::vector<float> p(T * B * 2), y(T * B * 2), w(B * 2);
  for (auto& v : p) v = nd(g);
  for (auto& v : y) v = nd(g);
  for (auto& v : w) v = 0.2f + std::fabs(nd(g));
  y[3] = y[10] = y[11] = kNaN;  // unobserved points
  const double lambda = 2.5;
  std::vector<float> dp(p.size()), daux(T * B);
  const LossValue l = batch_loss(p.data(), y.data(), T, B, lambda, LossKind::nse_star, dp.data(), daux.data(), w.data());
  EXPECT_NEAR(l.total, reference_loss(p, y, w, T, B, lambda), 1e-12 * (1 + l.total));
  EXPECT_NEAR(l.total, l.primary + lambda * l.auxiliary, 1e-15);
  // Central differences in double on the reference: the loss is quadratic in p,
  // so the difference quotient is exact up to rounding of the sums (h = 1e-3,
  // float inputs perturbed exactly representable: compare at 1e-4 relative).
  for (std::size_t i = 0; i < p.size(); ++i) {
    std::vector<float> hi = p, lo = p;
    const float h = 1.0f / 1024;
    hi[i] += h;
    lo[i] -= h;
    const double fd = (reference_loss(hi, y, w, T, B, lambda) - reference_loss(lo, y, w, T, B, lambda)) / (2.0 * h);
    EXPECT_NEAR(dp[i], fd, 1e-5 * (1 + std::fabs(fd))) << "point " << i;
    if (std::isnan(y[i])) {
      EXPECT_EQ(dp[i], 0.0f);
    }
  }
  // daux is the unscaled auxiliary gradient: dpred[., 1] / lambda.
  for (int i = 0; i < T * B; ++i) EXPECT_NEAR(daux[i] * lambda, dp[i * 2 + 1], 1e-6 * (1 + std::fabs(dp[i * 2 + 1])));
  EXPECT_THROW(batch_loss(p.data(), y.data(), T, B, lambda, LossKind::nse_star, dp.data(), nullptr, nullptr),
               std::logic_error);
}

TEST(Regional, NseStarWithEqualWeightsIsMseTimesTheWeight) {
  const int T = 3, B = 2;
  std::vector<float> p = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, y(12, 0.0f), w(4, 0.25f);
  const LossValue l = batch_loss(p.data(), y.data(), T, B, 0.0, LossKind::nse_star, nullptr, nullptr, w.data());
  // primary column: 0, 2, 4, 6, 8, 10 -> mean square 220 / 6.
  EXPECT_NEAR(l.primary, 0.25 * 220.0 / 6.0, 1e-12);
}

}  // namespace
}  // namespace mtl
