// Goodness-of-fit metrics against hand-computed values, and the NaN rules.
#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "mtl/metrics.hpp"
#include "support/expect_close.hpp"

namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
// Inputs are small integers (exact in float); the metrics are a handful of
// double sums and a sqrt, so they agree with the exact values to a few double
// ulps: 1e-13 absolute on quantities of order 1-100 covers it.
constexpr double kTol = 1e-13;

std::vector<float> range(int first, int last) {
  std::vector<float> v;
  for (int i = first; i <= last; ++i) v.push_back(static_cast<float>(i));
  return v;
}

TEST(Metrics, HandComputedTenPairs) {
  // obs 1..10, sim rounds up to even: 2 2 4 4 6 6 8 8 10 10.
  //   errors s - o: 1 0 1 0 1 0 1 0 1 0 -> SSE = 5, rmse = sqrt(5/10), bias = 0.5
  //   mean o = 5.5, SST = sum (o - 5.5)^2 = 2 (4.5^2 + 3.5^2 + 2.5^2 + 1.5^2 + .5^2) = 82.5
  //   nse = 1 - 5/82.5 = 31/33
  //   mean s = 6, sum (s - 6)^2 = 2 (16 + 4 + 0 + 4 + 16) = 80
  //   sum (o - 5.5)(s - 6) = 18 + 14 + 5 + 3 + 0 + 0 + 3 + 5 + 14 + 18 = 80
  //   r = 80 / sqrt(82.5 * 80) = sqrt(32/33), alpha = sqrt(80/82.5) = sqrt(32/33),
  //   beta = 6 / 5.5 = 12/11, kge = 1 - sqrt(2 (sqrt(32/33) - 1)^2 + (1/11)^2)
  const auto o = range(1, 10);
  const std::vector<float> s = {2, 2, 4, 4, 6, 6, 8, 8, 10, 10};
  const mtl::MetricSet m = mtl::compute_metrics(o.data(), s.data(), 10);
  EXPECT_EQ(m.n_obs, 10);
  EXPECT_TRUE(mtl::test::close(m.rmse, std::sqrt(0.5), 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.bias, 0.5, 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.nse, 31.0 / 33.0, 0, kTol));
  const double ra = std::sqrt(32.0 / 33.0);
  EXPECT_TRUE(mtl::test::close(m.kge, 1 - std::sqrt(2 * (ra - 1) * (ra - 1) + 1.0 / 121), 0, kTol));
  // Top 10 %: q(0.9) of 1..10 = x8 + 0.1 (x9 - x8) = 9.1 -> one pair < kMinObs -> NaN.
  EXPECT_TRUE(std::isnan(m.rmse_high) && std::isnan(m.nse_high));
  EXPECT_TRUE(std::isnan(m.rmse_low) && std::isnan(m.nse_low));
}

TEST(Metrics, HighAndLowSubsets) {
  // obs 1..100; error +e for odd obs, -e for even obs, e = 1 for obs <= 50, 2 above.
  // q(0.9): h = 99 * 0.9 = 89.1 -> 90 + 0.1 * (91 - 90) = 90.1 -> obs 91..100 (10 pairs)
  // q(0.1): h = 9.9 -> 10 + 0.9 * (11 - 10) = 10.9 -> obs 1..10 (10 pairs)
  // high: SSE = 10 * 4 = 40, rmse = 2, SST(91..100) = 82.5, nse = 1 - 40/82.5 = 17/33
  // low:  SSE = 10, rmse = 1, nse = 1 - 10/82.5 = 29/33
  // all:  SSE = 50 + 200 = 250, rmse = sqrt(2.5), SST(1..100) = 100 (100^2 - 1)/12 = 83325,
  //       nse = 1 - 250/83325; errors cancel in pairs -> bias = 0
  std::vector<float> o = range(1, 100), s(100);
  for (std::size_t i = 0; i < 100; ++i) {
    const int v = static_cast<int>(o[i]);
    const int e = v <= 50 ? 1 : 2;
    s[i] = static_cast<float>(v % 2 == 1 ? v + e : v - e);
  }
  const mtl::MetricSet m = mtl::compute_metrics(o.data(), s.data(), 100);
  EXPECT_TRUE(mtl::test::close(m.rmse_high, 2.0, 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.nse_high, 17.0 / 33.0, 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.rmse_low, 1.0, 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.nse_low, 29.0 / 33.0, 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.rmse, std::sqrt(2.5), 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.nse, 1 - 250.0 / 83325.0, 0, kTol));
  EXPECT_TRUE(mtl::test::close(m.bias, 0.0, 0, kTol));
}

TEST(Metrics, TiesAtTheLowThresholdAreIncluded) {
  // 30 zero flows then 1..70: q(0.1) = x9 + 0.9 (x10 - x9) = 0 -> all 30 zeros (ties
  // included); sim 0.5 there -> rmse_low = 0.5; their observed variance is 0 -> nse_low NaN.
  std::vector<float> o(30, 0.0f), s(30, 0.5f);
  for (int v = 1; v <= 70; ++v) {
    o.push_back(float(v));
    s.push_back(float(v));
  }
  const mtl::MetricSet m = mtl::compute_metrics(o.data(), s.data(), o.size());
  EXPECT_TRUE(mtl::test::close(m.rmse_low, 0.5, 0, kTol));
  EXPECT_TRUE(std::isnan(m.nse_low));
  // log of zero flow: ln(0 + 1e-3) vs ln(0.5 + 1e-3) on 30 of 100 pairs, 0 elsewhere.
  const double dl = std::log(0.501) - std::log(0.001);
  EXPECT_TRUE(mtl::test::close(m.rmse_log, std::sqrt(30 * dl * dl / 100), 0, kTol));
}

TEST(Metrics, LogVariantsClampNegativeValues) {
  // ln(max(x, 0) + 1e-3): a negative simulation counts as 0 flow.
  const auto o = range(0, 11);
  std::vector<float> s_neg(o), s_zero(o);
  s_neg[0] = -3.0f;
  s_zero[0] = 0.0f;
  s_neg[5] = -0.25f;
  s_zero[5] = 0.0f;
  const auto a = mtl::compute_metrics(o.data(), s_neg.data(), o.size());
  const auto b = mtl::compute_metrics(o.data(), s_zero.data(), o.size());
  EXPECT_EQ(a.rmse_log, b.rmse_log);
  EXPECT_EQ(a.nse_log, b.nse_log);
  // Only pair 5 differs from a perfect fit: (ln(5.001) - ln(0.001))^2 / 12.
  const double d5 = std::log(5.001) - std::log(0.001);
  EXPECT_TRUE(mtl::test::close(b.rmse_log, std::sqrt(d5 * d5 / 12), 0, kTol));
}

TEST(Metrics, PerfectPredictionAndMeanPrediction) {
  const auto o = range(1, 10);
  const auto perfect = mtl::compute_metrics(o.data(), o.data(), 10);
  EXPECT_EQ(perfect.nse, 1.0);
  EXPECT_EQ(perfect.kge, 1.0);
  EXPECT_EQ(perfect.rmse, 0.0);
  EXPECT_EQ(perfect.bias, 0.0);
  EXPECT_EQ(perfect.nse_log, 1.0);
  // sim = mean(obs) = 5.5: SSE = SST -> nse = 0; sigma_s = 0 -> kge NaN (r undefined).
  const std::vector<float> mean_sim(10, 5.5f);
  const auto mp = mtl::compute_metrics(o.data(), mean_sim.data(), 10);
  EXPECT_EQ(mp.nse, 0.0);
  EXPECT_TRUE(std::isnan(mp.kge));
  EXPECT_TRUE(mtl::test::close(mp.rmse, std::sqrt(82.5 / 10), 0, kTol));
}

TEST(Metrics, NaNPairsAreDroppedAndTooFewGiveNaN) {
  // 12 entries, a NaN in obs at 3 and in sim at 7 -> the 10 pairs of the hand case.
  std::vector<float> o = {1, 2, 3, kNaNf, 4, 5, 6, 100, 7, 8, 9, 10};
  std::vector<float> s = {2, 2, 4, 99, 4, 6, 6, kNaNf, 8, 8, 10, 10};
  const auto m = mtl::compute_metrics(o.data(), s.data(), 12);
  EXPECT_EQ(m.n_obs, 10);
  EXPECT_TRUE(mtl::test::close(m.nse, 31.0 / 33.0, 0, kTol));
  // One more NaN: 9 pairs < kMinObs -> all NaN but n_obs.
  o[0] = kNaNf;
  const auto few = mtl::compute_metrics(o.data(), s.data(), 12);
  EXPECT_EQ(few.n_obs, 9);
  for (std::size_t k = 0; k + 1 < mtl::metric_names().size(); ++k) {
    EXPECT_TRUE(std::isnan(mtl::metric_value(few, k))) << mtl::metric_names()[k];
  }
  const auto none = mtl::compute_metrics(nullptr, nullptr, 0);
  EXPECT_EQ(none.n_obs, 0);
  EXPECT_TRUE(std::isnan(none.rmse));
}

TEST(Metrics, ZeroObservedVarianceAndZeroMean) {
  // Constant observations: nse and kge NaN, rmse still defined.
  const std::vector<float> o(10, 3.0f);
  const auto s = range(1, 10);
  const auto c = mtl::compute_metrics(o.data(), s.data(), 10);
  EXPECT_TRUE(std::isnan(c.nse));
  EXPECT_TRUE(std::isnan(c.kge));
  // rmse: sum (i - 3)^2 for i = 1..10 = 4 + 1 + 0 + 1 + 4 + 9 + 16 + 25 + 36 + 49 = 145.
  EXPECT_TRUE(mtl::test::close(c.rmse, std::sqrt(14.5), 0, kTol));
  // Observed mean 0 (z-scored-like series -4.5..4.5): beta undefined -> kge NaN; nse defined.
  std::vector<float> z;
  for (int i = 0; i < 10; ++i) z.push_back(float(i) - 4.5f);
  std::vector<float> zs(z);
  zs[0] += 1.0f;  // SSE = 1, SST = 82.5
  const auto zm = mtl::compute_metrics(z.data(), zs.data(), 10);
  EXPECT_TRUE(std::isnan(zm.kge));
  EXPECT_TRUE(mtl::test::close(zm.nse, 1 - 1 / 82.5, 0, kTol));
}

TEST(Metrics, NamesAndValuesInFieldOrder) {
  // The table (MTL_METRICS) drives names and values; the rows of today keep their
  // places (results files and traces stay comparable: new rows go at the end).
  const std::vector<std::string> first = {"rmse",     "nse",      "kge",     "rmse_high",
                                          "nse_high", "rmse_low", "nse_low", "rmse_log",
                                          "nse_log",  "bias"};
  const auto& names = mtl::metric_names();
  const std::size_t n = std::size(mtl::kMetrics);
  ASSERT_EQ(names.size(), n + 1);
  ASSERT_GE(n, first.size());
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + first.size()), first);
  EXPECT_EQ(names.back(), "n_obs");
  mtl::MetricSet m;
  for (std::size_t k = 0; k < n; ++k) m.*mtl::kMetrics[k].member = double(k + 1);
  m.n_obs = static_cast<int64_t>(n + 1);
  EXPECT_EQ(m.rmse, 1.0);
  EXPECT_EQ(m.nse_log, 9.0);
  EXPECT_EQ(m.bias, 10.0);
  for (std::size_t k = 0; k <= n; ++k) EXPECT_EQ(mtl::metric_value(m, k), double(k + 1)) << names[k];
  EXPECT_THROW(mtl::metric_value(m, n + 1), std::out_of_range);
  // No field outside the table (a field added by hand would change the size).
  EXPECT_EQ(sizeof(mtl::MetricSet), n * sizeof(double) + sizeof(int64_t));
  const mtl::MetricSet nan = mtl::nan_metrics(7);
  EXPECT_EQ(nan.n_obs, 7);
  for (std::size_t k = 0; k < n; ++k) EXPECT_TRUE(std::isnan(mtl::metric_value(nan, k))) << names[k];
}

TEST(Metrics, MonthlyAssignsCalendarMonths) {
  // Days since 1970-01-01: 0 = 1970-01-01 (Jan), 30 = Jan 31, 31 = Feb 1,
  // 789 = 1972-02-29 (730 = 1972-01-01, + 31 + 28), 790 = 1972-03-01,
  // 11016 = 2000-02-29 (10957 = 2000-01-01, + 59), -1 = 1969-12-31 (Dec),
  // 365 = 1971-01-01 (Jan).
  const std::vector<int32_t> day = {0, 30, 31, 789, 790, 11016, -1, 365};
  const std::vector<float> o(day.size(), 1.0f), s(day.size(), 1.0f);
  const auto mm = mtl::compute_monthly(o.data(), s.data(), day.data(), day.size());
  const std::array<int64_t, 12> expect = {3, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(mm.n_obs, expect);
  for (int k = 0; k < 12; ++k) EXPECT_TRUE(std::isnan(mm.nse[std::size_t(k)])) << k;  // < kMinObs
}

TEST(Metrics, MonthlyValuesPerMonth) {
  // January 1970 (days 0..9) holds the ten-pair hand case; February (days 31..39)
  // only nine pairs -> NaN; a NaN obs in January is dropped.
  std::vector<int32_t> day;
  std::vector<float> o = range(1, 10), s = {2, 2, 4, 4, 6, 6, 8, 8, 10, 10};
  for (int32_t d = 0; d < 10; ++d) day.push_back(d);
  for (int32_t d = 31; d < 40; ++d) {
    day.push_back(d);
    o.push_back(float(d));
    s.push_back(float(d) + 1);
  }
  day.push_back(5);
  o.push_back(kNaNf);
  s.push_back(0.0f);
  const auto mm = mtl::compute_monthly(o.data(), s.data(), day.data(), day.size());
  EXPECT_EQ(mm.n_obs[0], 10);
  EXPECT_EQ(mm.n_obs[1], 9);
  EXPECT_TRUE(mtl::test::close(mm.nse[0], 31.0 / 33.0, 0, kTol));
  EXPECT_TRUE(mtl::test::close(mm.rmse[0], std::sqrt(0.5), 0, kTol));
  EXPECT_TRUE(std::isnan(mm.nse[1]));
  EXPECT_TRUE(std::isnan(mm.rmse[1]));
}

}  // namespace
