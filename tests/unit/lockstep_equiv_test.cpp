// Lockstep path vs the single-run oneDNN path (train_run, LstmNet): same init,
// loss, Adam and metrics; different float summation orders and activation
// implementations, so agreement is within derived bounds, not bit-identical.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "mtl/lockstep.hpp"
#include "mtl/loss.hpp"
#include "mtl/lstm.hpp"
#include "mtl/params.hpp"
#include "mtl/train.hpp"
#include "support/expect_close.hpp"
#include "support/synthetic_site.hpp"

namespace {

namespace ls = mtl::lockstep;
constexpr int kT = 365, kN = 25, kC = 7, kH = 20;  // the paper's single-site shape
const double kU = std::ldexp(1.0, -24);           // float unit roundoff

double rel_norm(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

// Epoch 1 from the same init_params: predictions, loss and every gradient.
// Each result is a chain of float dot products of total length
// n = T (C + 5H + 4) + T N (lengths C + H, 4H and T N over T steps). With
// independent rounding errors the probabilistic bound of Higham & Mary (2019,
// SIAM J. Sci. Comput. 41, A2815) gives |error| <= lambda sqrt(n) u with
// probability >= 1 - 2 exp(-lambda^2 / 2); lambda = 6 makes a false failure a
// 1e-8 event. The activations (fast_exp vs oneDNN's) add a few u per step,
// inside that. Two paths: twice the bound. (The worst-case n u bound, 6e-3, would
// be too loose to catch a wrong summation.)
TEST(LockstepEquivalence, FirstEpochMatchesOneDnnPath) {
  const auto d = mtl::test::synthetic_site(kT, kN, kC, 21);
  const mtl::ParamLayout lay = mtl::make_param_layout(kC, kH);
  std::vector<float> p(lay.total);
  mtl::init_params(p.data(), lay, 4);
  const std::size_t pts = std::size_t(kT) * kN;
  std::vector<float> pred_dnn(pts * 2), pred_ls(pts * 2), dpred(pts * 2), dpred_ls(pts * 2);
  std::vector<float> g_dnn(lay.total), g_ls(lay.total);
  mtl::set_compute_threads(1);
  mtl::LstmNet& net = mtl::lstm_net({kT, kN, kC, kH}, mtl::LstmMode::training);
  net.forward(p.data(), d.train.x.data(), pred_dnn.data());
  const auto l_dnn = mtl::masked_loss(pred_dnn.data(), d.train.y.data(), pts, 5.0,
                                      mtl::LossKind::rmse, dpred.data());
  net.backward(p.data(), dpred.data(), g_dnn.data());
  const ls::Dims dims{kC, kH, kN};
  ls::Tape tape;
  tape.resize(kT, dims);
  ls::Scratch s;
  s.resize(dims);
  ls::forward_train(dims, kT, p.data(), lay, d.train.x.data(), tape, pred_ls.data(), s);
  const auto l_ls = mtl::masked_loss(pred_ls.data(), d.train.y.data(), pts, 5.0,
                                     mtl::LossKind::rmse, dpred_ls.data());
  ls::backward(dims, kT, p.data(), lay, d.train.x.data(), tape, dpred.data(), g_ls.data(), s);
  const double bound = 2.0 * 6.0 * std::sqrt(kT * (kC + 5.0 * kH + 4) + kT * kN) * kU;
  std::printf("epoch 1: pred rel diff %.2e, loss rel diff %.2e, grad rel diff %.2e (bound %.2e)\n",
              rel_norm(pred_ls, pred_dnn), std::fabs(l_ls.total / l_dnn.total - 1),
              rel_norm(g_ls, g_dnn), bound);
  EXPECT_LT(rel_norm(pred_ls, pred_dnn), bound);
  EXPECT_TRUE(mtl::test::close(l_ls.total, l_dnn.total, bound, 0.0));
  EXPECT_LT(rel_norm(g_ls, g_dnn), bound);
}

// 50 epochs (the paper's setting), full metrics, train_run vs train_group.
// Tolerance: every epoch's gradients differ by delta <= 1.6e-4 (the epoch-1
// bound above). Adam's update lr m_hat / (sqrt(v_hat) + eps) changes by about
// delta relative where |g| >> eps, so after E = 50 updates of size <= ~lr the
// parameters differ by <= E lr delta ~ 1e-5, far below their scale (0.1 .. 1);
// predictions, losses and metrics are smooth in the parameters and differ by the
// same relative order. Elements with gradients near 0 can flip an update's sign
// (up to 2 lr each), so we allow 1e-3: loss-curve relative difference, NSE/KGE
// absolute, RMSE relative. A real defect (wrong gate, wrong gradient) moves
// these by > 1e-2 within a few epochs.
TEST(LockstepEquivalence, FiftyEpochsMatchTrainRunLoosely) {
  const auto d = mtl::test::synthetic_site(kT, kN, kC, 22);
  mtl::Config cfg;
  cfg.model.hidden = kH;
  cfg.model.seq_len = kT;
  for (double lambda : {0.0, 10.0}) {
    mtl::RunSpec run;
    run.run_id = 3;
    run.site_index = 0;
    run.lambda = lambda;
    run.seed = 2;
    cfg.train.group = 0;
    const mtl::RunResult a = mtl::train_run(run, d, cfg);
    const std::vector<mtl::RunResult> b = mtl::train_group({run}, d, cfg);
    ASSERT_EQ(a.status, mtl::RunStatus::done) << a.message;
    ASSERT_EQ(b[0].status, mtl::RunStatus::done) << b[0].message;
    ASSERT_EQ(b[0].loss_total.size(), a.loss_total.size());
    double worst = 0;
    for (std::size_t e = 0; e < a.loss_total.size(); ++e)
      worst = std::max(worst, std::fabs(double(b[0].loss_total[e]) / a.loss_total[e] - 1));
    EXPECT_LT(worst, 1e-3);
    ASSERT_EQ(b[0].sites.size(), a.sites.size());
    for (int part = 0; part < mtl::kNumParts; ++part)
      for (int v = 0; v < mtl::kNumVariables; ++v) {
        const auto& ma = a.sites[0].m[part][v];
        const auto& mb = b[0].sites[0].m[part][v];
        EXPECT_EQ(mb.n_obs, ma.n_obs);
        EXPECT_TRUE(mtl::test::close(mb.nse, ma.nse, 0.0, 1e-3)) << part << " " << v;
        EXPECT_TRUE(mtl::test::close(mb.kge, ma.kge, 0.0, 1e-3)) << part << " " << v;
        EXPECT_TRUE(mtl::test::close(mb.rmse, ma.rmse, 1e-3, 0.0)) << part << " " << v;
      }
    std::printf("lambda %g, 50 epochs: worst loss-curve rel diff %.2e, test NSE %.6f vs %.6f\n",
                lambda, worst, b[0].sites[0].m[2][0].nse, a.sites[0].m[2][0].nse);
  }
}

// group = 1 selects the single-run path itself: bit-identical to train_run.
TEST(LockstepEquivalence, GroupOneIsTheSingleRunPath) {
  const auto d = mtl::test::synthetic_site(40, 6, kC, 23);
  mtl::Config cfg;
  cfg.model.hidden = 8;
  cfg.train.epochs = 3;
  cfg.train.group = 1;
  mtl::RunSpec run;
  run.lambda = 2.0;
  run.seed = 1;
  const mtl::RunResult a = mtl::train_run(run, d, cfg);
  const auto b = mtl::train_group({run}, d, cfg);
  EXPECT_EQ(b[0].loss_total, a.loss_total);
  EXPECT_EQ(b[0].status, a.status);
}

}  // namespace
