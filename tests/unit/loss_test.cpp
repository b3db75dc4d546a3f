// Masked multi-task loss: hand-computed values and central finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mtl/loss.hpp"
#include "mtl/rng.hpp"
#include "support/expect_close.hpp"

namespace {

using mtl::LossKind;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// The loss is accumulated in double from float inputs that are exact here, so
// it matches a double hand computation to a few double ulps (1e-14 relative).
// dpred is rounded to float once: relative error <= 2^-24, plus the same 1e-14.
constexpr double kLossRel = 1e-14;
constexpr double kGradRel = 0x1.0p-24 + 1e-14;

// Shared example, [4, 2] (primary, auxiliary):
//   primary   pred 1, 2, 0, -1   y 0, 2, NaN, 1     -> diffs 1, 0, -, -2
//   auxiliary pred .5, 0, 3, 0   y NaN, NaN, 1, NaN -> one observation, diff 2
const std::vector<float> kPred = {1, 0.5f, 2, 0, 0, 3, -1, 0};
const std::vector<float> kY = {0, kNaN, 2, kNaN, kNaN, 1, 1, kNaN};

TEST(Loss, RmseHandComputed) {
  std::vector<float> d(8, 99.0f);
  const double lambda = 2.5;
  const auto l = mtl::masked_loss(kPred.data(), kY.data(), 4, lambda, LossKind::rmse, d.data());
  // primary: SSE = 1 + 0 + 4 = 5 over n = 3 -> sqrt(5/3); auxiliary: sqrt(4/1) = 2.
  const double lp = std::sqrt(5.0 / 3.0);
  EXPECT_TRUE(mtl::test::close(l.primary, lp, kLossRel, 0));
  EXPECT_TRUE(mtl::test::close(l.auxiliary, 2.0, kLossRel, 0));
  EXPECT_TRUE(mtl::test::close(l.total, lp + 2.5 * 2.0, kLossRel, 0));
  // dL_p/dp_i = (p_i - y_i) / (n L_p) = {1, 0, masked, -2} / (3 sqrt(5/3));
  // lambda dL_a/dp_2 = 2.5 * 2 / (1 * 2) = 2.5; masked entries exactly 0.
  const double c = 1.0 / (3.0 * lp);
  const std::vector<double> expect = {c, 0, 0, 0, 0, 2.5, -2 * c, 0};
  EXPECT_TRUE(mtl::test::all_close(d.data(), expect.data(), 8, kGradRel, 0));
}

TEST(Loss, LambdaZeroIsSingleTask) {
  std::vector<float> d(8, 99.0f);
  const auto l = mtl::masked_loss(kPred.data(), kY.data(), 4, 0.0, LossKind::rmse, d.data());
  EXPECT_TRUE(mtl::test::close(l.total, std::sqrt(5.0 / 3.0), kLossRel, 0));
  EXPECT_TRUE(mtl::test::close(l.auxiliary, 2.0, kLossRel, 0));  // still reported
  for (int i = 0; i < 4; ++i) EXPECT_EQ(d[std::size_t(2 * i + 1)], 0.0f) << i;
}

TEST(Loss, AllMaskedGivesZeroAndZeroGradient) {
  const std::vector<float> y(8, kNaN);
  for (LossKind kind : {LossKind::rmse, LossKind::nnse}) {
    std::vector<float> d(8, 99.0f);
    const auto l = mtl::masked_loss(kPred.data(), y.data(), 4, 3.0, kind, d.data());
    EXPECT_EQ(l.total, 0.0);
    EXPECT_EQ(l.primary, 0.0);
    EXPECT_EQ(l.auxiliary, 0.0);
    for (float g : d) EXPECT_EQ(g, 0.0f);
  }
  // n_points = 0 is the same as all masked; dpred may be null.
  const auto l = mtl::masked_loss(nullptr, nullptr, 0, 1.0, LossKind::rmse, nullptr);
  EXPECT_EQ(l.total, 0.0);
}

TEST(Loss, PerfectFitHasZeroGradient) {
  // sqrt is not differentiable at 0; the documented choice is gradient 0.
  const std::vector<float> p = {1, 2, 3, 4}, y = {1, 2, 3, 4};
  std::vector<float> d(4, 99.0f);
  const auto l = mtl::masked_loss(p.data(), y.data(), 2, 1.0, LossKind::rmse, d.data());
  EXPECT_EQ(l.total, 0.0);
  for (float g : d) EXPECT_EQ(g, 0.0f);
}

TEST(Loss, NanPredictionAtObservedPointPropagates) {
  std::vector<float> p = kPred;
  p[0] = kNaN;
  const auto l = mtl::masked_loss(p.data(), kY.data(), 4, 1.0, LossKind::rmse, nullptr);
  EXPECT_TRUE(std::isnan(l.total));
}

TEST(Loss, NnseHandComputed) {
  // primary as kPred/kY: y 0, 2, 1 (observed) -> mean 1, SST = 1 + 1 + 0 = 2, SSE = 5;
  //   NSE = 1 - 5/2 = -1.5, NNSE = 1/(2 + 1.5) = 2/7, L = 1 - 2/7 = 5/7 = SSE/(SSE+SST).
  //   dL/dp_i = 2 (p_i - y_i) SST / (SSE+SST)^2 = (p_i - y_i) * 4/49.
  // auxiliary: y NaN, 1, 3, 2 with pred 0, 1, 4, 2 -> mean 2, SST = 2, SSE = 0 + 1 + 0 = 1;
  //   NSE = 0.5, L = 1 - 1/1.5 = 1/3; lambda dL/dp_2 = 2 * 2 * 1 * 2 / 9 = 8/9 (lambda 2).
  const std::vector<float> p = {1, 0, 2, 1, 0, 4, -1, 2};
  const std::vector<float> y = {0, kNaN, 2, 1, kNaN, 3, 1, 2};
  std::vector<float> d(8, 99.0f);
  const auto l = mtl::masked_loss(p.data(), y.data(), 4, 2.0, LossKind::nnse, d.data());
  EXPECT_TRUE(mtl::test::close(l.primary, 5.0 / 7.0, kLossRel, 0));
  EXPECT_TRUE(mtl::test::close(l.auxiliary, 1.0 / 3.0, kLossRel, 0));
  EXPECT_TRUE(mtl::test::close(l.total, 5.0 / 7.0 + 2.0 / 3.0, kLossRel, 0));
  const std::vector<double> expect = {4.0 / 49, 0, 0, 0, 0, 8.0 / 9, -8.0 / 49, 0};
  EXPECT_TRUE(mtl::test::all_close(d.data(), expect.data(), 8, kGradRel, 0));
}

TEST(Loss, NnseZeroVarianceContributesNothing) {
  // auxiliary targets constant (2, 2): SST = 0, NSE undefined -> L_a = 0, gradient 0.
  const std::vector<float> p = {1, 0, 2, 5}, y = {0, 2, 2, 2};
  std::vector<float> d(4, 99.0f);
  const auto l = mtl::masked_loss(p.data(), y.data(), 2, 1.0, LossKind::nnse, d.data());
  EXPECT_EQ(l.auxiliary, 0.0);
  EXPECT_EQ(d[1], 0.0f);
  EXPECT_EQ(d[3], 0.0f);
  // primary: y 0, 2 -> SST = 2, SSE = 1 + 0 -> L = 1/3.
  EXPECT_TRUE(mtl::test::close(l.primary, 1.0 / 3.0, kLossRel, 0));
}

/// Bound on |d^3 L_v / dp_i^3| over the FD interval for the coordinate i of
/// variable v, given a = SSE of the other points and c = SST (nnse), n = n_v.
/// rmse: L = n^-1/2 g, g = sqrt(a + d^2): g''' = -3 a d / g^5, and since g^2 >= a,
///   |g'''| <= 3 a g / g^5 <= 3 / a.
/// nnse: L = 1 - c/u, u = a + c + d^2: L''' = -24 c d/u^3 + 48 c d^3/u^4, and
///   |d| <= sqrt(u), u >= a + c give |L'''| <= 72 c / (a + c)^2.5.
double third_derivative_bound(LossKind kind, double a, double c, double n) {
  if (kind == LossKind::rmse) return 3.0 / (std::sqrt(n) * a);
  return 72.0 * c / std::pow(a + c, 2.5);
}

TEST(Loss, GradientMatchesCentralDifferences) {
  // Predictions on the grid k/256 and h = 2^-12, so p +- h is exact in float and
  // the loss (accumulated in double) sees exactly the perturbed input.
  // |FD - dL/dp| <= h^2/6 max|L'''| (Taylor) + 2 * 1e-14 |L| / (2h) (double
  // rounding of the two losses) ; the analytic value is stored in float: + 2^-24 |g|.
  const std::size_t n = 40;
  const double h = 0x1.0p-12, lambda = 1.7;
  const mtl::CounterRng rng(123, 7);
  std::vector<float> p(2 * n), y(2 * n);
  for (std::size_t i = 0; i < 2 * n; ++i) {
    p[i] = static_cast<float>(std::floor(rng.uniform(i) * 1024.0 - 512.0) / 256.0);
    y[i] = rng.uniform(i, 1) < 0.3 ? kNaN : static_cast<float>(4 * rng.uniform(i, 2) - 2);
  }
  for (LossKind kind : {LossKind::rmse, LossKind::nnse}) {
    std::vector<float> d(2 * n);
    const double l0 = mtl::masked_loss(p.data(), y.data(), n, lambda, kind, d.data()).total;
    for (std::size_t i = 0; i < 2 * n; ++i) {
      const std::size_t v = i % 2;
      if (std::isnan(y[i])) {
        EXPECT_EQ(d[i], 0.0f) << i;
        continue;
      }
      // a = SSE of the other observed points of v; c = SST of v; n_v.
      double a = 0, sum = 0, nv = 0;
      for (std::size_t k = v; k < 2 * n; k += 2) {
        if (std::isnan(y[k])) continue;
        nv += 1;
        sum += y[k];
        if (k != i) a += (double(p[k]) - y[k]) * (double(p[k]) - y[k]);
      }
      double c = 0;
      for (std::size_t k = v; k < 2 * n; k += 2) {
        if (!std::isnan(y[k])) c += (y[k] - sum / nv) * (y[k] - sum / nv);
      }
      std::vector<float> q = p;
      q[i] = static_cast<float>(p[i] + h);
      const double lp = mtl::masked_loss(q.data(), y.data(), n, lambda, kind, nullptr).total;
      q[i] = static_cast<float>(p[i] - h);
      const double lm = mtl::masked_loss(q.data(), y.data(), n, lambda, kind, nullptr).total;
      const double fd = (lp - lm) / (2 * h);
      const double scale = v == 0 ? 1.0 : lambda;
      const double tol = scale * h * h / 6 * third_derivative_bound(kind, a, c, nv) +
                         1e-14 * std::fabs(l0) / h + 0x1.0p-24 * std::fabs(fd);
      EXPECT_TRUE(mtl::test::close(d[i], fd, 0, tol)) << "kind " << static_cast<int>(kind) << " i=" << i;
    }
  }
}

// nnse_samplewise by hand: T = 2 steps, B = 2 sequences, [T, B, 2] layout.
// Primary: sequence 0 y = (1, NaN), p = (0.5, 9); sequence 1 y = (-1, 0), p = (-1, 1).
// mu = (1 - 1 + 0) / 3 = 0; d0 = (1.1, 0.1), D0 = 1.22, E0 = 0.25; d1 = (-0.9, 0.1),
// D1 = 0.82, E1 = 1; NSEbar = (1 - 0.25/1.22 + 1 - 1/0.82) / 2; L = 1 - 1/(2 - NSEbar);
// dL/dp = 2 e / (B D_b (2 - NSEbar)^2). Auxiliary unobserved: NSE_b = 1, L = 0, grad 0.
TEST(Loss, SamplewiseHandComputed) {
  const std::vector<float> p = {0.5f, 7.f, -1.f, 7.f, 9.f, 7.f, 1.f, 7.f};  // [t][b][v]
  const std::vector<float> y = {1.f, kNaN, -1.f, kNaN, kNaN, kNaN, 0.f, kNaN};
  std::vector<float> d(8), daux(4);
  const auto l = mtl::samplewise_loss(p.data(), y.data(), 2, 2, 3.0, d.data(), daux.data());
  const double nse = (1 - 0.25 / 1.22 + 1 - 1 / 0.82) / 2, u = 2 - nse;
  EXPECT_NEAR(l.primary, 1 - 1 / u, 1e-15);
  EXPECT_EQ(l.auxiliary, 0.0);
  EXPECT_EQ(l.total, l.primary);
  EXPECT_FLOAT_EQ(d[0], static_cast<float>(2 * -0.5 / (2 * 1.22 * u * u)));
  EXPECT_FLOAT_EQ(d[2], 0.0f);                                        // e = 0
  EXPECT_FLOAT_EQ(d[6], static_cast<float>(2 * 1.0 / (2 * 0.82 * u * u)));
  EXPECT_EQ(d[4], 0.0f);                                              // unobserved
  for (int i : {1, 3, 5, 7}) EXPECT_EQ(d[i], 0.0f);
  for (float g : daux) EXPECT_EQ(g, 0.0f);
  // batch_loss picks it by kind; the other kinds go to masked_loss over T B points.
  EXPECT_EQ(mtl::batch_loss(p.data(), y.data(), 2, 2, 3.0, LossKind::nnse_samplewise, nullptr).primary,
            l.primary);
  EXPECT_EQ(mtl::batch_loss(p.data(), y.data(), 2, 2, 3.0, LossKind::rmse, nullptr).primary,
            mtl::masked_loss(p.data(), y.data(), 4, 3.0, LossKind::rmse, nullptr).primary);
}

// Central differences against dL/dp of nnse_samplewise. Per coordinate the loss is
// phi(e) = -1 / (a + k e^2) + const with k = 1 / (B D_b) and u = a + k e^2 =
// 2 - NSEbar >= 1, so |phi'''| = |-24 k^2 e / u^3 + 48 k^3 e^3 / u^4| <= 72 k^2 |e|
// (k e^2 <= u, u >= 1): |FD - g| <= h^2 / 6 * 72 k^2 (|e| + h) + double rounding of
// the two losses + float storage of g. daux = the unscaled auxiliary gradient.
TEST(Loss, SamplewiseGradientMatchesCentralDifferences) {
  const int T = 6, B = 5;
  const std::size_t n = static_cast<std::size_t>(T) * B;
  const double h = 0x1.0p-12, lambda = 2.5;
  const mtl::CounterRng rng(321, 7);
  std::vector<float> p(2 * n), y(2 * n);
  for (std::size_t i = 0; i < 2 * n; ++i) {
    p[i] = static_cast<float>(std::floor(rng.uniform(i) * 1024.0 - 512.0) / 256.0);
    y[i] = rng.uniform(i, 1) < 0.3 ? kNaN : static_cast<float>(4 * rng.uniform(i, 2) - 2);
  }
  std::vector<float> d(2 * n), daux(n);
  const double l0 = mtl::samplewise_loss(p.data(), y.data(), T, B, lambda, d.data(), daux.data()).total;
  for (std::size_t i = 0; i < 2 * n; ++i) {
    const std::size_t v = i % 2, point = i / 2, b = point % B;
    if (v == 1) {
      EXPECT_FLOAT_EQ(daux[point] * static_cast<float>(lambda), d[i]);
    }
    if (std::isnan(y[i])) {
      EXPECT_EQ(d[i], 0.0f) << i;
      continue;
    }
    double sum = 0, nv = 0;
    for (std::size_t k = v; k < 2 * n; k += 2)
      if (!std::isnan(y[k])) {
        sum += y[k];
        nv += 1;
      }
    double D = 0;
    for (int t = 0; t < T; ++t) {
      const double yk = y[2 * (static_cast<std::size_t>(t) * B + b) + v];
      const double dk = (std::isnan(yk) ? 0.0 : yk - sum / nv) + 0.1;
      D += dk * dk;
    }
    const double k = 1.0 / (B * D), e = std::fabs(double(p[i]) - y[i]) + h;
    std::vector<float> q = p;
    q[i] = static_cast<float>(p[i] + h);
    const double lp = mtl::samplewise_loss(q.data(), y.data(), T, B, lambda, nullptr, nullptr).total;
    q[i] = static_cast<float>(p[i] - h);
    const double lm = mtl::samplewise_loss(q.data(), y.data(), T, B, lambda, nullptr, nullptr).total;
    const double fd = (lp - lm) / (2 * h);
    const double scale = v == 0 ? 1.0 : lambda;
    const double tol = scale * h * h / 6 * 72 * k * k * e + 1e-14 * std::fabs(l0) / h +
                       0x1.0p-24 * std::fabs(fd);
    EXPECT_TRUE(mtl::test::close(d[i], fd, 0, tol)) << "i=" << i;
  }
}

}  // namespace
