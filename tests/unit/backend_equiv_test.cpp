// The backends against each other: every kernel ISA variant and oneDNN's LSTM
// primitive compute the same model with different float summation orders and
// activation implementations, so they agree within derived bounds, not bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "mtl/backend.hpp"
#include "mtl/loss.hpp"
#include "mtl/lstm.hpp"
#include "mtl/params.hpp"
#include "mtl/train.hpp"
#include "support/expect_close.hpp"
#include "support/synthetic_site.hpp"

namespace {

using mtl::kernels::Isa;
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

std::vector<Isa> isas_here() {
  std::vector<Isa> v;
  for (int i = 0; i <= static_cast<int>(mtl::kernels::detected_isa()); ++i) v.push_back(static_cast<Isa>(i));
  return v;
}

struct Epoch1 {
  std::vector<float> pred, grads;
  double loss = 0;
};

Epoch1 epoch1(mtl::LstmBackend& b, const mtl::SiteData& d, const std::vector<float>& p) {
  const std::size_t pts = std::size_t(kT) * kN;
  Epoch1 e;
  e.pred.resize(pts * 2);
  e.grads.resize(p.size());
  std::vector<float> dpred(pts * 2);
  b.forward(p.data(), d.train.x.data(), kN, e.pred.data());
  e.loss = mtl::masked_loss(e.pred.data(), d.train.y.data(), pts, 5.0, mtl::LossKind::rmse,
                            dpred.data()).total;
  b.backward(p.data(), dpred.data(), e.grads.data());
  return e;
}

// Epoch 1 from the same init_params: predictions, loss and every gradient.
// Each result is a chain of float dot products of total length
// n = T (C + 5H + 4) + T N (lengths C + H, 4H and T N over T steps). With
// independent rounding errors the probabilistic bound of Higham & Mary (2019,
// SIAM J. Sci. Comput. 41, A2815) gives |error| <= lambda sqrt(n) u with
// probability >= 1 - 2 exp(-lambda^2 / 2); lambda = 6 makes a false failure a
// 1e-8 event. The activations (fast exp vs oneDNN's) add a few u per step,
// inside that. Two paths: twice the bound. The generic variant has no fused
// multiply-add (two roundings per term): twice again. (The worst-case n u bound,
// 6e-3, would be too loose to catch a wrong summation.)
TEST(BackendEquivalence, FirstEpochEveryVariantMatchesOneDnn) {
  const auto d = mtl::test::synthetic_site(kT, kN, kC, 21);
  const mtl::ParamLayout lay = mtl::make_param_layout(kC, kH);
  std::vector<float> p(lay.total);
  mtl::init_params(p.data(), lay, 4);
  mtl::set_compute_threads(1);
  const Epoch1 ref = epoch1(*mtl::make_backend(mtl::BackendKind::onednn, kC, kH, kT), d, p);
  for (Isa isa : isas_here()) {
    const Epoch1 k = epoch1(*mtl::make_kernels_backend(isa, kC, kH, kT), d, p);
    const double bound = (isa == Isa::generic ? 2.0 : 1.0) * 2.0 * 6.0 *
                         std::sqrt(kT * (kC + 5.0 * kH + 4) + kT * kN) * kU;
    std::printf("%s epoch 1 vs oneDNN: pred %.2e, loss %.2e, grad %.2e (bound %.2e)\n",
                mtl::kernels::isa_name(isa), rel_norm(k.pred, ref.pred),
                std::fabs(k.loss / ref.loss - 1), rel_norm(k.grads, ref.grads), bound);
    EXPECT_LT(rel_norm(k.pred, ref.pred), bound) << mtl::kernels::isa_name(isa);
    EXPECT_TRUE(mtl::test::close(k.loss, ref.loss, bound, 0.0)) << mtl::kernels::isa_name(isa);
    EXPECT_LT(rel_norm(k.grads, ref.grads), bound) << mtl::kernels::isa_name(isa);
  }
}

// 50 epochs (the paper's setting), full metrics, kernels (this process's variant,
// MTL_MAX_ISA) vs oneDNN through the one trainer.
// Tolerance: every epoch's gradients differ by delta <= 3.2e-4 (the epoch-1
// bound above). Adam's update lr m_hat / (sqrt(v_hat) + eps) changes by about
// delta relative where |g| >> eps, so after E = 50 updates of size <= ~lr the
// parameters differ by <= E lr delta ~ 2e-5, far below their scale (0.1 .. 1);
// predictions, losses and metrics are smooth in the parameters and differ by the
// same relative order. Elements with gradients near 0 can flip an update's sign
// (up to 2 lr each), so we allow 1e-3: loss-curve relative difference, NSE/KGE
// absolute, RMSE relative. A real defect (wrong gate, wrong gradient) moves
// these by > 1e-2 within a few epochs.
TEST(BackendEquivalence, FiftyEpochsKernelsMatchOneDnnLoosely) {
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
    cfg.train.backend = mtl::BackendChoice::onednn;
    const mtl::RunResult a = mtl::train_run(run, d, cfg);
    cfg.train.backend = mtl::BackendChoice::kernels;
    const mtl::RunResult b = mtl::train_run(run, d, cfg);
    ASSERT_EQ(a.status, mtl::RunStatus::done) << a.message;
    ASSERT_EQ(b.status, mtl::RunStatus::done) << b.message;
    ASSERT_EQ(b.loss_total.size(), a.loss_total.size());
    double worst = 0;
    for (std::size_t e = 0; e < a.loss_total.size(); ++e)
      worst = std::max(worst, std::fabs(double(b.loss_total[e]) / a.loss_total[e] - 1));
    EXPECT_LT(worst, 1e-3);
    ASSERT_EQ(b.sites.size(), a.sites.size());
    for (int part = 0; part < mtl::kNumParts; ++part)
      for (int v = 0; v < mtl::kNumVariables; ++v) {
        const auto& ma = a.sites[0].m[part][v];
        const auto& mb = b.sites[0].m[part][v];
        EXPECT_EQ(mb.n_obs, ma.n_obs);
        EXPECT_TRUE(mtl::test::close(mb.nse, ma.nse, 0.0, 1e-3)) << part << " " << v;
        EXPECT_TRUE(mtl::test::close(mb.kge, ma.kge, 0.0, 1e-3)) << part << " " << v;
        EXPECT_TRUE(mtl::test::close(mb.rmse, ma.rmse, 1e-3, 0.0)) << part << " " << v;
      }
    std::printf("%s, lambda %g, 50 epochs: worst loss-curve rel diff %.2e, test NSE %.6f vs %.6f\n",
                mtl::numeric_path(mtl::BackendChoice::kernels).text().c_str(), lambda, worst,
                b.sites[0].m[2][0].nse, a.sites[0].m[2][0].nse);
  }
}

}  // namespace
