// Normalisation and sequence cutting on tiny hand-made data sets: every
// expected value below is worked out by hand from the numbers in make_data().
#include <gtest/gtest.h>

#include <cmath>

#include "support/expect_error.hpp"
#include "mtl/data.hpp"
#include "mtl/errors.hpp"
#include "mtl/synth.hpp"

namespace mtl {
namespace {

const float kNaN = std::nanf("");

/// Two sites, 10 days from 1970-01-01 (days 0..9), drivers a and b:
///   a[s][t] = t + 10 s,  b = 5 (constant -> std rule),
///   flow[0] = 1..10 with day 2 missing, temp[0] = 2 t with days 0, 9 missing,
///   site 1: flow = 2 * site 0's, temp all missing.
DataSet make_data() {
  DataSet d;
  d.site_ids = {"01", "02"};
  d.latitude = {40.0, 41.0};
  for (int t = 0; t < 10; ++t) d.time.push_back(t);
  d.driver_names = {"a", "b"};
  d.driver_units = {"1", "1"};
  d.drivers.assign(2, std::vector<float>(20));
  d.flow.assign(20, kNaN);
  d.temp.assign(20, kNaN);
  for (int s = 0; s < 2; ++s)
    for (int t = 0; t < 10; ++t) {
      d.drivers[0][s * 10 + t] = static_cast<float>(t + 10 * s);
      d.drivers[1][s * 10 + t] = 5.0f;
      d.flow[s * 10 + t] = static_cast<float>((t + 1) * (s + 1));
      if (s == 0) d.temp[t] = static_cast<float>(2 * t);
    }
  d.flow[2] = d.flow[12] = kNaN;
  d.temp[0] = d.temp[9] = kNaN;
  return d;
}

/// train = days 0..5, val = 6..7, test = 8..9, seq_len 4, primary temp, aux flow.
Config make_config() {
  Config c;
  c.experiment.primary = Variable::temp;
  c.experiment.auxiliary = Variable::flow;
  c.experiment.has_auxiliary = true;
  c.data.train = {0, 5};
  c.data.val = {6, 7};
  c.data.test = {8, 9};
  c.model.seq_len = 4;
  return c;
}

// [T, N, C] and [T, N, 2] indexing as documented in data.hpp.
float x_at(const SequenceSet& q, int t, int n, int c) { return q.x[(t * q.n_seq + n) * q.n_in + c]; }
float y_at(const SequenceSet& q, int t, int n, int k) { return q.y[(t * q.n_seq + n) * 2 + k]; }
int day_at(const SequenceSet& q, int t, int n) { return q.day[t * q.n_seq + n]; }

// Float results of double arithmetic cast once: allow 4 ulp (EXPECT_FLOAT_EQ)
// because the test's double formula and Welford's update may differ in the
// last double bits before the cast.
TEST(Data, SingleSiteScalingExact) {
  const DataSet d = make_data();
  const SiteData sd = prepare_sites(d, {0}, make_config(), "mem");
  const Scaling& s = sd.scaling;
  // a over days 0..5: mean 2.5, population variance 35/12.
  EXPECT_FLOAT_EQ(s.x_mean[0], 2.5f);
  EXPECT_FLOAT_EQ(s.x_std[0], static_cast<float>(std::sqrt(35.0 / 12.0)));
  // b constant: std 0 -> 1 (documented safe rule), mean 5.
  EXPECT_FLOAT_EQ(s.x_mean[1], 5.0f);
  EXPECT_EQ(s.x_std[1], 1.0f);
  // temp observed on days 1..5: 2,4,6,8,10 -> mean 6, variance 8.
  EXPECT_DOUBLE_EQ(s.y_mean[1], 6.0);
  EXPECT_DOUBLE_EQ(s.y_std[1], std::sqrt(8.0));
  // flow observed on days 0,1,3,4,5: 1,2,4,5,6 -> mean 3.6, variance 3.44.
  EXPECT_DOUBLE_EQ(s.y_mean[0], 3.6);
  EXPECT_NEAR(s.y_std[0], std::sqrt(3.44), 1e-15);
  EXPECT_EQ(sd.train_obs[0], 5);  // temp (primary)
  EXPECT_EQ(sd.train_obs[1], 5);  // flow (auxiliary)
  EXPECT_EQ(sd.driver_names, (std::vector<std::string>{"a", "b"}));
}

TEST(Data, SingleSiteCuttingExact) {
  const DataSet d = make_data();
  const SiteData sd = prepare_sites(d, {0}, make_config(), "mem");
  const double sa = std::sqrt(35.0 / 12.0);
  // Training: 6 days -> one block of 4 (partial last block of 2 dropped).
  const SequenceSet& tr = sd.train;
  ASSERT_EQ(tr.n_seq, 1);
  ASSERT_EQ(tr.seq_len, 4);
  ASSERT_EQ(tr.n_in, 2);
  ASSERT_EQ(tr.x.size(), 4u * 1 * 2);
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(day_at(tr, t, 0), t);
    EXPECT_FLOAT_EQ(x_at(tr, t, 0, 0), static_cast<float>((t - 2.5) / sa));
    EXPECT_EQ(x_at(tr, t, 0, 1), 0.0f);
  }
  // y[..., 0] = temp (primary), y[..., 1] = flow (auxiliary); day 0 temp missing, day 2 flow missing.
  EXPECT_TRUE(std::isnan(y_at(tr, 0, 0, 0)));
  EXPECT_FLOAT_EQ(y_at(tr, 1, 0, 0), static_cast<float>((2 - 6) / std::sqrt(8.0)));
  EXPECT_FLOAT_EQ(y_at(tr, 0, 0, 1), static_cast<float>((1 - 3.6) / std::sqrt(3.44)));
  EXPECT_TRUE(std::isnan(y_at(tr, 2, 0, 1)));
  EXPECT_EQ(tr.site, std::vector<int32_t>{0});
  // Evaluation of train: 2 blocks, the second has days 4,5 then 2 padded steps.
  const SequenceSet& et = sd.eval[0];
  ASSERT_EQ(et.n_seq, 2);
  EXPECT_EQ(day_at(et, 0, 1), 4);
  EXPECT_EQ(day_at(et, 1, 1), 5);
  EXPECT_EQ(day_at(et, 2, 1), -1);
  EXPECT_EQ(day_at(et, 3, 1), -1);
  EXPECT_EQ(x_at(et, 3, 1, 0), 0.0f);
  EXPECT_TRUE(std::isnan(y_at(et, 3, 1, 0)) && std::isnan(y_at(et, 3, 1, 1)));
  EXPECT_FLOAT_EQ(x_at(et, 1, 1, 0), static_cast<float>((5 - 2.5) / sa));
  // Val: days 6,7 in one padded block; normalised with TRAINING statistics.
  const SequenceSet& ev = sd.eval[1];
  ASSERT_EQ(ev.n_seq, 1);
  EXPECT_EQ(day_at(ev, 0, 0), 6);
  EXPECT_EQ(day_at(ev, 1, 0), 7);
  EXPECT_EQ(day_at(ev, 2, 0), -1);
  EXPECT_FLOAT_EQ(x_at(ev, 1, 0, 0), static_cast<float>((7 - 2.5) / sa));
  EXPECT_FLOAT_EQ(y_at(ev, 0, 0, 0), static_cast<float>((12 - 6) / std::sqrt(8.0)));
  // Test: day 9 temp missing.
  EXPECT_EQ(day_at(sd.eval[2], 1, 0), 9);
  EXPECT_TRUE(std::isnan(y_at(sd.eval[2], 1, 0, 0)));
}

// data.train_stride = 1: windows start every day (6 training days, T = 4: days
// 0-3, 1-4, 2-5); the evaluation sets do not change.
TEST(Data, TrainStrideOverlappingWindows) {
  const DataSet d = make_data();
  Config c = make_config();
  c.data.train_stride = 1;
  const SiteData sd = prepare_sites(d, {0}, c, "mem");
  ASSERT_EQ(sd.train.n_seq, 3);
  for (int b = 0; b < 3; ++b)
    for (int t = 0; t < 4; ++t) EXPECT_EQ(day_at(sd.train, t, b), b + t);
  EXPECT_EQ(y_at(sd.train, 0, 1, 0), y_at(sd.train, 1, 0, 0));  // day 1 in windows 0 and 1
  const SiteData plain = prepare_sites(d, {0}, make_config(), "mem");
  EXPECT_EQ(sd.eval[1].x, plain.eval[1].x);
  c.data.train_stride = 3;  // windows 0-3 only (3-6 would pass the period's end)
  EXPECT_EQ(prepare_sites(d, {0}, c, "mem").train.n_seq, 1);
}

// model.warmup = 1 (T = 4): training windows keep day 0 as input without a target;
// evaluation blocks report T - W = 3 days after one warm-up day taken from before
// the block (the training period's day 5 for validation), or zero input before the
// file's first day.
TEST(Data, WarmupDaysAreInputsOnly) {
  const DataSet d = make_data();
  Config c = make_config();
  c.model.warmup = 1;
  const SiteData sd = prepare_sites(d, {0}, c, "mem");
  const double sa = std::sqrt(35.0 / 12.0);
  ASSERT_EQ(sd.train.n_seq, 1);
  EXPECT_EQ(day_at(sd.train, 0, 0), -1);
  EXPECT_TRUE(std::isnan(y_at(sd.train, 0, 0, 1)));                    // flow of day 0 exists
  EXPECT_FLOAT_EQ(x_at(sd.train, 0, 0, 0), static_cast<float>((0 - 2.5) / sa));
  EXPECT_EQ(day_at(sd.train, 1, 0), 1);
  EXPECT_FLOAT_EQ(y_at(sd.train, 1, 0, 0), static_cast<float>((2 - 6) / std::sqrt(8.0)));
  // Evaluation of train: 6 days in blocks of 3 -> 2 blocks; block 0 warms up on
  // day -1 (not in the file: zero input), block 1 on day 2.
  const SequenceSet& et = sd.eval[0];
  ASSERT_EQ(et.n_seq, 2);
  EXPECT_EQ(x_at(et, 0, 0, 0), 0.0f);
  EXPECT_EQ(day_at(et, 0, 0), -1);
  for (int t = 1; t < 4; ++t) EXPECT_EQ(day_at(et, t, 0), t - 1);
  EXPECT_FLOAT_EQ(x_at(et, 0, 1, 0), static_cast<float>((2 - 2.5) / sa));
  EXPECT_EQ(day_at(et, 0, 1), -1);
  EXPECT_EQ(day_at(et, 1, 1), 3);
  // Validation (days 6, 7): warm-up on day 5, then 6, 7 and one padded step.
  const SequenceSet& ev = sd.eval[1];
  ASSERT_EQ(ev.n_seq, 1);
  EXPECT_FLOAT_EQ(x_at(ev, 0, 0, 0), static_cast<float>((5 - 2.5) / sa));
  EXPECT_TRUE(std::isnan(y_at(ev, 0, 0, 0)));
  EXPECT_EQ(day_at(ev, 1, 0), 6);
  EXPECT_EQ(day_at(ev, 2, 0), 7);
  EXPECT_EQ(day_at(ev, 3, 0), -1);
  EXPECT_FLOAT_EQ(y_at(ev, 1, 0, 0), static_cast<float>((12 - 6) / std::sqrt(8.0)));
}

TEST(Data, MultiSitePooledAndConcatenated) {
  const DataSet d = make_data();
  Config c = make_config();
  c.experiment.primary = Variable::flow;
  c.experiment.has_auxiliary = false;
  const SiteData sd = prepare_sites(d, {1, 0}, c, "mem");  // order given is kept
  // a pooled over both sites, days 0..5: {0..5, 10..15}: mean 7.5, variance 35/12 + 25.
  EXPECT_FLOAT_EQ(sd.scaling.x_mean[0], 7.5f);
  EXPECT_FLOAT_EQ(sd.scaling.x_std[0], static_cast<float>(std::sqrt(35.0 / 12.0 + 25.0)));
  // flow pooled: {1,2,4,5,6} and {2,4,8,10,12}: mean 5.4, population std from E[x^2] - mean^2.
  const double mean = (18.0 + 36.0) / 10.0;
  const double ex2 = (1 + 4 + 16 + 25 + 36 + 4 + 16 + 64 + 100 + 144) / 10.0;
  EXPECT_NEAR(sd.scaling.y_mean[0], mean, 1e-14);
  EXPECT_NEAR(sd.scaling.y_std[0], std::sqrt(ex2 - mean * mean), 1e-14);
  ASSERT_EQ(sd.train.n_seq, 2);
  EXPECT_EQ(sd.train.site, (std::vector<int32_t>{0, 1}));  // positions in site_indices
  EXPECT_EQ(sd.site_ids, (std::vector<std::string>{"02", "01"}));
  EXPECT_FLOAT_EQ(x_at(sd.train, 0, 0, 0), static_cast<float>((10 - 7.5) / std::sqrt(35.0 / 12.0 + 25.0)));
  ASSERT_EQ(sd.eval[0].n_seq, 4);  // 2 blocks per site, site by site
  EXPECT_EQ(sd.eval[0].site, (std::vector<int32_t>{0, 0, 1, 1}));
  EXPECT_EQ(day_at(sd.eval[0], 0, 3), 4);
  // has_auxiliary = false: auxiliary column all NaN, no auxiliary count.
  for (size_t i = 1; i < sd.eval[0].y.size(); i += 2) EXPECT_TRUE(std::isnan(sd.eval[0].y[i]));
  EXPECT_EQ(sd.train_obs[0], 10);
  EXPECT_EQ(sd.train_obs[1], 0);
}

TEST(Data, LogFlowAndRoundTrip) {
  DataSet d = make_data();
  d.flow[1] = 0.0f;  // zero flow: ln(0 + 1e-3)
  Config c = make_config();
  c.experiment.primary = Variable::flow;
  c.data.log_flow = true;
  const SiteData sd = prepare_sites(d, {0}, c, "mem");
  EXPECT_TRUE(sd.scaling.log_flow);
  // flow days 0..5 observed: 1, 0, 4, 5, 6 -> logs with offset 1e-3.
  const double v[] = {std::log(1.001), std::log(0.001), std::log(4.001), std::log(5.001), std::log(6.001)};
  double m = 0;
  for (double x : v) m += x / 5;
  double var = 0;
  for (double x : v) var += (x - m) * (x - m) / 5;
  EXPECT_NEAR(sd.scaling.y_mean[0], m, 1e-14);
  EXPECT_NEAR(sd.scaling.y_std[0], std::sqrt(var), 1e-14);
  EXPECT_FLOAT_EQ(y_at(sd.train, 1, 0, 0), static_cast<float>((std::log(0.001) - m) / std::sqrt(var)));
  // unscale inverts scale (float64 throughout: 1e-12 relative).
  for (double q : {0.0, 0.5, 3.0, 250.0})
    EXPECT_NEAR(unscale(sd.scaling, Variable::flow, scale(sd.scaling, Variable::flow, q, 0), 0), q, 1e-12 * (1 + q));
  EXPECT_NEAR(unscale(sd.scaling, Variable::temp, scale(sd.scaling, Variable::temp, 17.25, 0), 0), 17.25, 1e-12);
}

TEST(Data, DriverSubsetAndNoObservationsIsNotAnError) {
  const DataSet d = make_data();
  Config c = make_config();
  c.data.drivers = {"b"};
  const SiteData sd = prepare_sites(d, {1}, c, "mem");  // site 1: temp never observed
  EXPECT_EQ(sd.train.n_in, 1);
  EXPECT_EQ(sd.train_obs[0], 0);
  EXPECT_EQ(sd.scaling.y_mean[1], 0.0);
  EXPECT_EQ(sd.scaling.y_std[1], 1.0);
}

TEST(Data, CountObserved) {
  const DataSet d = make_data();
  // temp site 0 observed on days 1..8; flow missing on day 2 at both sites.
  EXPECT_EQ(count_observed(d, Variable::temp, {0, 5}), (std::vector<int64_t>{5, 0}));
  EXPECT_EQ(count_observed(d, Variable::flow, {0, 5}), (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(count_observed(d, Variable::temp, {-100, 100}), (std::vector<int64_t>{8, 0}));
  EXPECT_EQ(count_observed(d, Variable::flow, {20, 30}), (std::vector<int64_t>{0, 0}));
}

// The default experiment periods on the default synthetic world: train
// 1980-10-01:2005-09-30 = 9131 days = 25 blocks of 365 (+6 dropped), val
// 2005-10-01:2010-09-30 = 1826 days = 6 blocks (last padded by 364), test
// 2010-10-01:2020-09-30 = 3653 days = 11 blocks (last: 3 real days, 362 padded).
TEST(Data, DefaultExperimentPeriods) {
  SynthOptions o;
  o.sites = 2;
  const DataSet d = synth_world(o);
  Config c;
  c.data.train = {days_from_civil(1980, 10, 1), days_from_civil(2005, 9, 30)};
  c.data.val = {days_from_civil(2005, 10, 1), days_from_civil(2010, 9, 30)};
  c.data.test = {days_from_civil(2010, 10, 1), days_from_civil(2020, 9, 30)};
  const SiteData sd = prepare_sites(d, {0, 1}, c, "synth");
  EXPECT_EQ(sd.train.n_seq, 2 * 25);
  EXPECT_EQ(sd.eval[1].n_seq, 2 * 6);
  EXPECT_EQ(sd.eval[2].n_seq, 2 * 11);
  EXPECT_EQ(sd.train.n_in, 7);
  EXPECT_EQ(day_at(sd.train, 0, 25), c.data.train.first);  // first block of site 1
  EXPECT_EQ(day_at(sd.train, 364, 24), c.data.train.first + 25 * 365 - 1);
  EXPECT_EQ(day_at(sd.eval[1], 0, 5), c.data.val.first + 5 * 365);
  EXPECT_EQ(day_at(sd.eval[1], 0, 5), c.data.val.last);  // the one real day of the last block
  EXPECT_EQ(day_at(sd.eval[1], 1, 5), -1);
  EXPECT_EQ(day_at(sd.eval[2], 2, 10), c.data.test.last);
  EXPECT_EQ(day_at(sd.eval[2], 3, 10), -1);
  EXPECT_GT(sd.train_obs[0], 0);
}

void expect_error(const DataSet& d, const Config& c, const std::vector<std::string>& parts) {
  mtl::test::expect_data_error([&] { prepare_sites(d, {0}, c, "file.nc"); }, parts);
}

TEST(Data, Errors) {
  DataSet d = make_data();
  Config c = make_config();
  d.drivers[0][7] = kNaN;  // inside val (day 7 = 1970-01-08)
  expect_error(d, c, {"file.nc", "01", "a", "1970-01-08", "val"});
  d.drivers[0][7] = 1.0f;
  d.drivers[1][12] = kNaN;  // site 1 only: not used by site 0
  EXPECT_NO_THROW(prepare_sites(d, {0}, c, "file.nc"));
  c.data.test = {8, 10};
  expect_error(d, c, {"file.nc", "data.test", "1970-01-11", "outside"});
  c.data.test = {8, 7};
  expect_error(d, c, {"data.test", "no days"});
  c = make_config();
  c.data.drivers = {"a", "zz"};
  expect_error(d, c, {"data.drivers", "zz"});
  c = make_config();
  c.model.seq_len = 7;  // train has 6 days: no training sequence at all
  expect_error(d, c, {"data.train", "6 days"});
}

}  // namespace
}  // namespace mtl
