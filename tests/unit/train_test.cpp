// train_run and evaluate_predictions on a tiny synthetic SiteData built here:
// 3 sine-driven inputs, T = 30, 4 training sequences, targets that follow the
// inputs with a lag (so an LSTM can learn them), some targets missing.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "mtl/backend.hpp"
#include "mtl/evaluate.hpp"
#include "mtl/loss.hpp"
#include "mtl/backend.hpp"
#include "mtl/lstm.hpp"
#include "mtl/params.hpp"
#include "mtl/trace.hpp"
#include "mtl/train.hpp"
#include "support/lstm_ref.hpp"

namespace {

constexpr int kT = 30, kC = 3;
constexpr int32_t kDay0 = 10000;  // 1997-05-19
const float kNaN = std::numeric_limits<float>::quiet_NaN();

double driver(int c, int32_t d) {
  const double w = 2 * M_PI * d / 23.0;
  return c == 0 ? std::sin(w) : c == 1 ? std::cos(0.7 * w) : std::sin(0.3 * w + 1);
}

/// n_real sequences of consecutive days from day0; pad_days at the end are padding.
mtl::SequenceSet make_set(int n_seq, int32_t day0, int pad_days, double aux_sign = 1.0) {
  mtl::SequenceSet s;
  s.seq_len = kT;
  s.n_seq = n_seq;
  s.n_in = kC;
  s.x.assign(static_cast<std::size_t>(kT) * n_seq * kC, 0.0f);
  s.y.assign(static_cast<std::size_t>(kT) * n_seq * 2, kNaN);
  s.day.assign(static_cast<std::size_t>(kT) * n_seq, -1);
  s.site.assign(n_seq, 0);
  const int real = kT * n_seq - pad_days;
  for (int n = 0; n < n_seq; ++n)
    for (int t = 0; t < kT; ++t) {
      const int k = n * kT + t;  // position in time
      if (k >= real) continue;
      const std::size_t r = static_cast<std::size_t>(t) * n_seq + n;
      const int32_t d = day0 + k;
      s.day[r] = d;
      for (int c = 0; c < kC; ++c) s.x[r * kC + c] = static_cast<float>(driver(c, d));
      // primary: lagged mix of the drivers; every 7th day missing
      if (d % 7 != 3) s.y[r * 2] = static_cast<float>(0.8 * driver(0, d - 2) + 0.3 * driver(1, d));
      // auxiliary: another mix; every 3rd day missing
      if (d % 3 != 0) s.y[r * 2 + 1] = static_cast<float>(aux_sign * 0.6 * driver(2, d - 1));
    }
  return s;
}

int64_t observed(const mtl::SequenceSet& s, int col) {
  int64_t n = 0;
  for (std::size_t r = 0; r < s.day.size(); ++r) n += !std::isnan(s.y[r * 2 + col]);
  return n;
}

mtl::SiteData make_site() {
  mtl::SiteData d;
  d.site_indices = {0};
  d.site_ids = {"tiny"};
  d.primary = mtl::Variable::flow;
  d.auxiliary = mtl::Variable::temp;
  d.has_auxiliary = true;
  d.driver_names = {"a", "b", "c"};
  d.scaling.x_mean.assign(kC, 0.0f);
  d.scaling.x_std.assign(kC, 1.0f);
  d.scaling.y_mean = {10.0, 5.0};
  d.scaling.y_std = {2.0, 3.0};
  d.train = make_set(4, kDay0, 0);
  d.eval[0] = make_set(4, kDay0, 0);
  d.eval[1] = make_set(2, kDay0 + 4 * kT, 7);
  d.eval[2] = make_set(2, kDay0 + 6 * kT, 11);
  d.train_obs = {observed(d.train, 0), observed(d.train, 1)};
  return d;
}

mtl::Config make_config(int epochs = 40) {
  mtl::Config c;
  c.model.hidden = 8;
  c.model.seq_len = kT;
  c.train.epochs = epochs;
  c.train.learning_rate = 0.01;  // a tiny problem: reach visible progress in 40 steps
  c.output.predictions = mtl::PredictionOutput::test;
  return c;
}

mtl::RunSpec make_run(double lambda, int seed) {
  mtl::RunSpec r;
  r.run_id = 7;
  r.site_index = 3;
  r.lambda = lambda;
  r.seed = seed;
  return r;
}

TEST(Train, ReducesLossAndEvaluates) {
  const mtl::SiteData d = make_site();
  const mtl::RunResult r = mtl::train_run(make_run(1.0, 0), d, make_config());
  ASSERT_EQ(r.status, mtl::RunStatus::done) << r.message;
  EXPECT_EQ(r.run_id, 7);
  ASSERT_EQ(r.epochs_run, 40);
  ASSERT_EQ(r.loss_total.size(), 40u);
  EXPECT_LT(r.loss_total.back(), r.loss_total.front());
  EXPECT_LT(r.loss_primary.back(), r.loss_primary.front());
  EXPECT_EQ(r.final_loss, r.loss_total.back());
  EXPECT_GT(r.train_seconds, 0.0);
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_EQ(r.sites[0].site_index, 3);  // the RunSpec's grid index for a single site
  // n_obs counts observed real days only (padding and NaN excluded), per variable.
  for (int p = 0; p < mtl::kNumParts; ++p) {
    EXPECT_EQ(r.sites[0].m[p][0].n_obs, observed(d.eval[p], 0)) << p;
    EXPECT_EQ(r.sites[0].m[p][1].n_obs, observed(d.eval[p], 1)) << p;
    EXPECT_TRUE(std::isfinite(r.sites[0].m[p][0].rmse));
  }
  ASSERT_EQ(r.predictions.size(), 1u);  // [output] predictions = test
  EXPECT_EQ(r.predictions[0].part, mtl::Part::test);
  EXPECT_EQ(r.predictions[0].day.size(), std::size_t(2 * kT - 11));
}

TEST(Train, PredictionsAreUnscaledModelOutputs) {
  const mtl::SiteData d = make_site();
  mtl::RunTrace trace;
  const mtl::RunResult r = mtl::train_run(make_run(1.0, 2), d, make_config(5), &trace);
  ASSERT_EQ(r.status, mtl::RunStatus::done);
  ASSERT_EQ(trace.predictions.size(), 3u);
  const mtl::SequenceSet& s = d.eval[2];
  std::vector<float> pred(static_cast<std::size_t>(kT) * s.n_seq * 2);
  const mtl::BackendKind kind = mtl::numeric_path(make_config(5).train.backend).backend;
  mtl::make_backend(kind, kC, 8, kT)->predict(trace.final_params.data(), s.x.data(), kT, s.n_seq,
                                              pred.data());
  const mtl::Prediction& p = trace.predictions[2];
  ASSERT_EQ(p.part, mtl::Part::test);
  std::size_t i = 0;
  for (int n = 0; n < s.n_seq; ++n)
    for (int t = 0; t < kT; ++t) {
      const std::size_t row = static_cast<std::size_t>(t) * s.n_seq + n;
      if (s.day[row] < 0) continue;
      ASSERT_EQ(p.day[i], s.day[row]);
      // Same float computation, same unscale: exact.
      EXPECT_EQ(p.value[i * 2 + 0], float(mtl::unscale(d.scaling, mtl::Variable::flow, pred[row * 2], 0)));
      EXPECT_EQ(p.value[i * 2 + 1], float(mtl::unscale(d.scaling, mtl::Variable::temp, pred[row * 2 + 1], 0)));
      ++i;
    }
  EXPECT_EQ(i, p.day.size());
}

// lambda = 0: the trunk and the primary head never see the auxiliary targets.
// The auxiliary head is a read-out of that trunk: with auxiliary_head = unscaled
// (the default, the paper-era rule) it trains on them; with scaled it never moves.
TEST(Train, LambdaZeroIgnoresAuxiliaryTarget) {
  mtl::SiteData a = make_site(), b = make_site();
  for (std::size_t r = 0; r < b.train.day.size(); ++r)  // other auxiliary targets
    if (!std::isnan(b.train.y[r * 2 + 1])) b.train.y[r * 2 + 1] = -3.0f * b.train.y[r * 2 + 1] + 1;
  for (mtl::AuxHead head : {mtl::AuxHead::unscaled, mtl::AuxHead::scaled}) {
    mtl::Config c = make_config(10);
    c.train.auxiliary_head = head;
    mtl::RunTrace ta, tb;
    const mtl::RunResult ra = mtl::train_run(make_run(0.0, 1), a, c, &ta);
    const mtl::RunResult rb = mtl::train_run(make_run(0.0, 1), b, c, &tb);
    ASSERT_EQ(ra.status, mtl::RunStatus::done);
    EXPECT_EQ(ra.loss_total, ra.loss_primary);  // L = RMSE_primary + 0 * RMSE_aux
    EXPECT_EQ(ra.loss_primary, rb.loss_primary);
    EXPECT_NE(ra.loss_auxiliary, rb.loss_auxiliary);  // the aux targets really differ
    const mtl::ParamLayout L = mtl::make_param_layout(kC, 8);
    std::size_t aux_changed = 0;
    for (std::size_t i = 0; i < L.total; ++i) {
      const bool aux_head = (i >= L.head_w && i < L.head_b && (i - L.head_w) % 2 == 1) || i == L.head_b + 1;
      if (!aux_head) {
        ASSERT_EQ(ta.final_params[i], tb.final_params[i]) << "parameter " << i;
      } else {
        aux_changed += ta.final_params[i] != ta.initial_params[i];
      }
    }
    if (head == mtl::AuxHead::unscaled) {
      EXPECT_EQ(aux_changed, 9u) << "the auxiliary head trains at lambda = 0";
    } else {
      EXPECT_EQ(aux_changed, 0u) << "scaled: lambda dL_a = 0 never moves the head";
    }
  }
}

// The unscaled head gradient is dL_a with the right sign and indices: at lambda = 0
// the trunk is the same in both modes, and the trained read-out fits the auxiliary
// target better than the untrained one; at lambda = 1 the two rules are the same
// mathematics (rounding apart), so 20 Adam steps end at the same parameters.
TEST(Train, UnscaledAuxiliaryHeadGradient) {
  const mtl::SiteData d = make_site();
  auto run = [&](double lambda, mtl::AuxHead head, mtl::RunTrace* t) {
    mtl::Config c = make_config(20);
    c.train.auxiliary_head = head;
    return mtl::train_run(make_run(lambda, 3), d, c, t);
  };
  mtl::RunTrace u0, s0, u1, s1;
  const mtl::RunResult ru0 = run(0.0, mtl::AuxHead::unscaled, &u0);
  const mtl::RunResult rs0 = run(0.0, mtl::AuxHead::scaled, &s0);
  EXPECT_EQ(ru0.loss_primary, rs0.loss_primary);
  EXPECT_LT(ru0.loss_auxiliary.back(), rs0.loss_auxiliary.back());
  run(1.0, mtl::AuxHead::unscaled, &u1);
  run(1.0, mtl::AuxHead::scaled, &s1);
  double worst = 0;
  for (std::size_t i = 0; i < u1.final_params.size(); ++i)
    worst = std::max(worst, double(std::fabs(u1.final_params[i] - s1.final_params[i])));
  // 20 steps of size <= lr = 1e-3 whose directions differ by rounding only.
  EXPECT_LT(worst, 1e-5);  // (0 where the backend sums the head gradient in the same order)
}

TEST(Train, SameSeedIsBitIdentical) {
  const mtl::SiteData d = make_site();
  mtl::RunTrace t1, t2;
  const mtl::RunResult a = mtl::train_run(make_run(5.0, 4), d, make_config(15), &t1);
  const mtl::RunResult b = mtl::train_run(make_run(5.0, 4), d, make_config(15), &t2);
  EXPECT_EQ(a.loss_total, b.loss_total);
  EXPECT_EQ(t1.final_params, t2.final_params);
  EXPECT_EQ(a.sites[0].m[2][0].nse, b.sites[0].m[2][0].nse);
}

TEST(Train, SeedGivesSameInitialWeightsForEveryLambda) {
  const mtl::SiteData d = make_site();
  mtl::RunTrace t0, t1, t2;
  mtl::train_run(make_run(0.0, 9), d, make_config(2), &t0);
  mtl::train_run(make_run(80.0, 9), d, make_config(2), &t1);
  mtl::train_run(make_run(0.0, 10), d, make_config(2), &t2);
  EXPECT_EQ(t0.initial_params, t1.initial_params);
  EXPECT_NE(t0.final_params, t1.final_params);   // lambda changed the training
  EXPECT_NE(t0.initial_params, t2.initial_params);  // another seed, other weights
}

TEST(Train, NanInputFailsWithEpoch) {
  mtl::SiteData d = make_site();
  d.train.x[5] = kNaN;
  const mtl::RunResult r = mtl::train_run(make_run(1.0, 0), d, make_config(5));
  EXPECT_EQ(r.status, mtl::RunStatus::failed);
  EXPECT_EQ(r.message, "non-finite loss at epoch 1");
  EXPECT_EQ(r.failed_epoch, 1);
  EXPECT_EQ(r.epochs_run, 0);
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_TRUE(std::isnan(r.sites[0].m[2][0].nse));
}

TEST(Train, ExplodingLearningRateFails) {
  const mtl::SiteData d = make_site();
  mtl::Config c = make_config(10);
  // Adam moves every weight by ~lr per step (|m / sqrt(v)| ~ 1). Gates saturate
  // (sigmoid/tanh stay finite) and a head weight of 1e37 still gives finite
  // predictions, so the rate must overflow the weights themselves: with 2e38 two
  // same-sign steps exceed FLT_MAX (3.4e38), the weights become inf and the
  // next forward gives inf - inf = NaN.
  c.train.learning_rate = 2e38;
  const mtl::RunResult r = mtl::train_run(make_run(1.0, 0), d, c);
  EXPECT_EQ(r.status, mtl::RunStatus::failed);
  EXPECT_GE(r.failed_epoch, 2);
  EXPECT_EQ(r.message.rfind("non-finite", 0), 0u) << r.message;
  EXPECT_NE(r.message.find("at epoch " + std::to_string(r.failed_epoch)), std::string::npos);
  EXPECT_EQ(r.loss_total.size(), std::size_t(r.failed_epoch - 1));
}

TEST(Train, NoPrimaryObservationsFails) {
  mtl::SiteData d = make_site();
  for (std::size_t r = 0; r < d.train.day.size(); ++r) d.train.y[r * 2] = kNaN;
  d.train_obs[0] = 0;
  const mtl::RunResult r = mtl::train_run(make_run(1.0, 0), d, make_config(3));
  EXPECT_EQ(r.status, mtl::RunStatus::failed);
  EXPECT_EQ(r.message, "no observed flow in training period");
}

TEST(Train, EarlyStoppingKeepsBestValidationWeights) {
  mtl::SiteData d = make_site();
  d.eval[1] = make_set(2, kDay0 + 4 * kT, 7, -1.0);  // auxiliary sign flipped in val
  for (std::size_t r = 0; r < d.eval[1].day.size(); ++r)  // and the primary too
    d.eval[1].y[r * 2] = -d.eval[1].y[r * 2];
  mtl::Config c = make_config(200);
  c.train.patience = 3;
  mtl::RunTrace trace;
  const mtl::RunResult r = mtl::train_run(make_run(1.0, 0), d, c, &trace);
  ASSERT_EQ(r.status, mtl::RunStatus::done);
  ASSERT_EQ(r.val_loss.size(), std::size_t(r.epochs_run));
  ASSERT_LT(r.epochs_run, 200);  // learning the training targets makes val worse
  std::size_t best = 0;
  for (std::size_t e = 1; e < r.val_loss.size(); ++e)
    if (r.val_loss[e] < r.val_loss[best]) best = e;
  EXPECT_EQ(r.val_loss.size(), best + 1 + 3);  // stopped `patience` epochs after the best
  // The final weights are the best epoch's: their validation loss is that minimum.
  const mtl::SequenceSet& s = d.eval[1];
  std::vector<float> pred(static_cast<std::size_t>(kT) * s.n_seq * 2);
  const mtl::BackendKind kind = mtl::numeric_path(make_config(5).train.backend).backend;
  mtl::make_backend(kind, kC, 8, kT)->predict(trace.final_params.data(), s.x.data(), kT, s.n_seq,
                                              pred.data());
  // [train] early_stop_on = primary (the default): the primary term of the loss.
  const double vl = mtl::masked_loss(pred.data(), s.y.data(), pred.size() / 2, 1.0,
                                     mtl::LossKind::rmse, nullptr).primary;
  EXPECT_EQ(static_cast<float>(vl), r.val_loss[best]);
}

// [train] min_epochs: patience counts as before, but no stop before that epoch.
TEST(Train, MinEpochsDelaysEarlyStopping) {
  mtl::SiteData d = make_site();
  d.eval[1] = make_set(2, kDay0 + 4 * kT, 7, -1.0);  // validation gets worse as training learns
  for (std::size_t r = 0; r < d.eval[1].day.size(); ++r) d.eval[1].y[r * 2] = -d.eval[1].y[r * 2];
  mtl::Config c = make_config(200);
  c.train.patience = 1;
  const mtl::RunResult early = mtl::train_run(make_run(1.0, 0), d, c);
  ASSERT_LT(early.epochs_run, 10);  // without a minimum it stops earlier: the test can fail
  c.train.min_epochs = 10;
  const mtl::RunResult r = mtl::train_run(make_run(1.0, 0), d, c);
  ASSERT_EQ(r.status, mtl::RunStatus::done);
  EXPECT_GE(r.epochs_run, 10);
  EXPECT_LT(r.epochs_run, 200);
  // The stop is the first epoch >= 10 whose validation loss is no new minimum.
  float best = r.val_loss.at(0);
  int expected = 0;
  for (int e = 1; e < static_cast<int>(r.val_loss.size()) && expected == 0; ++e) {
    if (r.val_loss[e] >= best && e + 1 >= 10) expected = e + 1;
    best = std::min(best, r.val_loss[e]);
  }
  EXPECT_EQ(r.epochs_run, expected);
  // Up to the early stop, the same training, bit for bit.
  for (int e = 0; e < early.epochs_run; ++e) {
    EXPECT_EQ(r.loss_total[e], early.loss_total[e]) << e;
    EXPECT_EQ(r.val_loss[e], early.val_loss[e]) << e;
  }
}

TEST(Train, MiniBatchesAreSeededAndDeterministic) {
  const mtl::SiteData d = make_site();
  mtl::Config c = make_config(6);
  c.train.batch = 3;  // 4 sequences: batches of 3 and 1 (own primitive shape)
  mtl::RunTrace t1, t2, tf;
  const mtl::RunResult a = mtl::train_run(make_run(1.0, 3), d, c, &t1);
  const mtl::RunResult b = mtl::train_run(make_run(1.0, 3), d, c, &t2);
  const mtl::RunResult f = mtl::train_run(make_run(1.0, 3), d, make_config(6), &tf);
  ASSERT_EQ(a.status, mtl::RunStatus::done);
  EXPECT_EQ(a.loss_total, b.loss_total);
  EXPECT_EQ(t1.final_params, t2.final_params);
  EXPECT_NE(t1.final_params, tf.final_params);  // 12 Adam steps vs 6
  EXPECT_EQ(t1.initial_params, tf.initial_params);
}

TEST(Evaluate, PerSiteMetricsSkipPaddingAndUnmodelledVariable) {
  // Two sites pooled (multi_site): sequences 0, 1 belong to site 0, 2, 3 to site 1;
  // flow only (no auxiliary); predictions equal to the observations except site 1's
  // flow, shifted by +1 in z units (= +y_std = 2 m3/s after un-scaling).
  mtl::SiteData d = make_site();
  d.site_indices = {0, 1};
  d.site_ids = {"a", "b"};
  d.has_auxiliary = false;
  std::array<std::vector<float>, mtl::kNumParts> pred;
  for (int p = 0; p < mtl::kNumParts; ++p) {
    mtl::SequenceSet& s = d.eval[p];
    for (int n = 0; n < s.n_seq; ++n) s.site[n] = n * 2 / s.n_seq;
    pred[p].assign(s.y.size(), 0.0f);
    for (std::size_t r = 0; r < s.day.size(); ++r) {
      const int site = s.site[r % s.n_seq];
      const float y = std::isnan(s.y[r * 2]) ? 0.0f : s.y[r * 2];
      pred[p][r * 2] = y + (site == 1 ? 1.0f : 0.0f);
      pred[p][r * 2 + 1] = 123.0f;  // the unmodelled column must be ignored
    }
  }
  mtl::Config c = make_config();
  c.output.predictions = mtl::PredictionOutput::all;
  mtl::RunResult r;
  std::vector<mtl::Prediction> all;
  mtl::evaluate_predictions(d, c, pred, r, &all);
  ASSERT_EQ(r.sites.size(), 2u);
  EXPECT_EQ(r.predictions.size(), 6u);
  EXPECT_EQ(all.size(), 6u);
  for (int p = 0; p < mtl::kNumParts; ++p) {
    const mtl::SequenceSet& s = d.eval[p];
    int64_t obs[2] = {0, 0};
    for (std::size_t r2 = 0; r2 < s.day.size(); ++r2)
      obs[s.site[r2 % s.n_seq]] += s.day[r2] >= 0 && !std::isnan(s.y[r2 * 2]);
    for (int site = 0; site < 2; ++site) {
      const mtl::MetricSet& m = r.sites[site].m[p][0];
      EXPECT_EQ(m.n_obs, obs[site]);
      // Perfect fit: rmse 0 (exact up to the float un-scaling, |obs| <= 12, eps 1.2e-7).
      // Shifted fit: every error is 2 m3/s, so rmse = |bias| = 2.
      const double expect = site == 0 ? 0.0 : 2.0;
      EXPECT_NEAR(m.rmse, expect, 12 * 1.2e-7 * 4) << p << " " << site;
      EXPECT_NEAR(m.bias, expect, 12 * 1.2e-7 * 4);
      EXPECT_TRUE(std::isnan(r.sites[site].m[p][1].nse));  // temp not modelled
      EXPECT_EQ(r.sites[site].m[p][1].n_obs, 0);
    }
  }
  for (const mtl::Prediction& p : all) {
    for (std::size_t i = 1; i < p.day.size(); ++i) ASSERT_LT(p.day[i - 1], p.day[i]);
    for (std::size_t i = 0; i < p.day.size(); ++i) ASSERT_TRUE(std::isnan(p.value[i * 2 + 1]));
  }
}

std::vector<float> read_floats(hid_t f, const char* name) {
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  if (ds < 0) return {};
  hid_t sp = H5Dget_space(ds);
  std::vector<float> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)));
  H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Sclose(sp);
  H5Dclose(ds);
  return v;
}

TEST(Trace, WritesPyTorchNamedParamsLossesAndPredictions) {
  const mtl::SiteData d = make_site();
  const mtl::Config c = make_config(4);
  const mtl::RunSpec run = make_run(1.0, 5);
  mtl::RunTrace trace;
  const mtl::RunResult r = mtl::train_run(run, d, c, &trace);
  const std::string path = std::string(MTL_BINARY_DIR) + "/train_test_trace.h5";
  mtl::write_trace(path, run, d, c, r, trace);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const mtl::ParamLayout L = mtl::make_param_layout(kC, 8);
  const std::size_t G = 4 * 8;
  // weight_ih_l0 [4H, C] is wx^T, weight_hh_l0 [4H, H] is wh^T, head_weight [2, H] is head_w^T.
  const auto w_ih = read_floats(f, "/initial/weight_ih_l0");
  const auto w_hh = read_floats(f, "/final/weight_hh_l0");
  const auto head = read_floats(f, "/final/head_weight");
  ASSERT_EQ(w_ih.size(), G * kC);
  for (std::size_t k = 0; k < G; ++k)
    for (std::size_t ci = 0; ci < kC; ++ci)
      ASSERT_EQ(w_ih[k * kC + ci], trace.initial_params[L.wx + ci * G + k]);
  for (std::size_t k = 0; k < G; ++k)
    for (std::size_t j = 0; j < 8; ++j)
      ASSERT_EQ(w_hh[k * 8 + j], trace.final_params[L.wh + j * G + k]);
  for (std::size_t j = 0; j < 8; ++j) ASSERT_EQ(head[8 + j], trace.final_params[L.head_w + j * 2 + 1]);
  EXPECT_EQ(read_floats(f, "/final/bias_hh_l0"), std::vector<float>(G, 0.0f));
  EXPECT_EQ(read_floats(f, "/loss/total"), r.loss_total);
  EXPECT_EQ(read_floats(f, "/train/x"), d.train.x);
  const auto pv = read_floats(f, "/prediction/test/value");
  ASSERT_EQ(pv.size(), trace.predictions[2].value.size());  // [days, 2]; flow primary = column 0
  EXPECT_EQ(pv[0], trace.predictions[2].value[0]);
  EXPECT_EQ(read_floats(f, "/metrics/values").size(), std::size_t(1 * 3 * 2 * mtl::metric_names().size()));
  H5Fclose(f);
  std::remove(path.c_str());
}

}  // namespace
