// Adam with Keras' epsilon placement: three steps against a hand computation,
// the placement itself, and convergence on a quadratic.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mtl/optim.hpp"
#include "support/expect_close.hpp"

namespace {

constexpr double kU = 0x1.0p-24;  // float unit roundoff

mtl::TrainConfig adam_config(double lr) {
  mtl::TrainConfig cfg;
  cfg.learning_rate = lr;
  cfg.beta1 = 0.9;
  cfg.beta2 = 0.999;
  cfg.epsilon = 1e-7;
  return cfg;
}

TEST(Adam, ThreeStepsMatchHandComputation) {
  const mtl::TrainConfig cfg = adam_config(0.01);
  // Four parameters; gradients given per step. Element 3 never gets a gradient.
  const double p0[4] = {0.5, -1.25, 2.0, 0.75};
  const double g[3][4] = {{0.1, -2.0, 0.0, 0.0}, {0.3, 1.0, 1e-6, 0.0}, {-0.2, 0.5, 4.0, 0.0}};
  std::vector<float> p(p0, p0 + 4), m(4, 0.0f), v(4, 0.0f);

  // Hand computation in double, written out:
  //   step 1: lr_1 = 0.01 sqrt(1 - 0.999) / (1 - 0.9)       = 0.01 * 0.0316227766 / 0.1
  //           m_1 = 0.1 g1, v_1 = 0.001 g1^2
  //           p_1 = p0 - lr_1 m_1 / (sqrt(v_1) + 1e-7)      (~ p0 - 0.01 sign(g1) for |g1| >> 3e-6)
  //   step 2: lr_2 = 0.01 sqrt(1 - 0.999^2) / (1 - 0.9^2)
  //           m_2 = 0.9 m_1 + 0.1 g2, v_2 = 0.999 v_1 + 0.001 g2^2, p_2 = p_1 - lr_2 m_2/(sqrt(v_2)+1e-7)
  //   step 3: the same with t = 3.
  double hp[4], hm[4] = {0, 0, 0, 0}, hv[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) hp[i] = p0[i];
  const double lr[3] = {0.01 * std::sqrt(1 - 0.999) / (1 - 0.9),
                        0.01 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.9 * 0.9),
                        0.01 * std::sqrt(1 - 0.999 * 0.999 * 0.999) / (1 - 0.9 * 0.9 * 0.9)};
  // Error bounds carried along with the hand values. The optimiser stores m, v and
  // p in float after every step; each store rounds by <= u |value| (u = 2^-24):
  //   em_t = b1 em_{t-1} + u |m_t|,   ev_t = b2 ev_{t-1} + u v_t   (absolute, on m and v)
  //   a move lr_t m/(sqrt v + eps) then errs by <= lr_t em/(sqrt v + eps) + |move| ev/(2v)
  //   (first order; sqrt halves a relative error), and
  //   ep_t = ep_{t-1} + move error + u |p_t|.
  // Double rounding of the formula itself (~1e-16 relative) is covered by 1e-15.
  double em[4] = {0, 0, 0, 0}, ev[4] = {0, 0, 0, 0}, ep[4] = {0, 0, 0, 0};
  for (int t = 0; t < 3; ++t) {
    std::vector<float> gf(g[t], g[t] + 4);
    mtl::adam_step(p.data(), gf.data(), m.data(), v.data(), 4, t + 1, cfg);
    for (int i = 0; i < 4; ++i) {
      const double gi = static_cast<float>(g[t][i]);  // the optimiser sees float gradients
      hm[i] = 0.9 * hm[i] + 0.1 * gi;
      hv[i] = 0.999 * hv[i] + 0.001 * gi * gi;
      const double move = lr[t] * hm[i] / (std::sqrt(hv[i]) + 1e-7);
      const double move_err = lr[t] * em[i] / (std::sqrt(hv[i]) + 1e-7) +
                              (hv[i] > 0 ? std::fabs(move) * ev[i] / (2 * hv[i]) : 0.0);
      hp[i] -= move;
      em[i] = 0.9 * em[i] + kU * std::fabs(hm[i]);
      ev[i] = 0.999 * ev[i] + kU * hv[i];
      ep[i] += move_err + kU * std::fabs(hp[i]);
      const auto iu = static_cast<std::size_t>(i);
      EXPECT_TRUE(mtl::test::close(p[iu], hp[i], 1e-15, ep[i])) << "t=" << t << " i=" << i;
      EXPECT_TRUE(mtl::test::close(m[iu], hm[i], 1e-15, em[i])) << "t=" << t << " i=" << i;
      EXPECT_TRUE(mtl::test::close(v[iu], hv[i], 1e-15, ev[i])) << "t=" << t << " i=" << i;
    }
  }
  // Concrete numbers of step 1 (independent of the loop above): a gradient much
  // larger than eps / sqrt(1 - b2) ~ 3.2e-6 moves a parameter by ~lr against its sign.
  // Element 3 never moves and its moments stay exactly zero.
  EXPECT_EQ(p[3], 0.75f);
  EXPECT_EQ(m[3], 0.0f);
  EXPECT_EQ(v[3], 0.0f);
}

TEST(Adam, FirstStepMovesByLearningRate) {
  // Step 1: move = lr sqrt(1-b2) g / (sqrt(1-b2) |g| + eps) = 0.01 * g*0.0316/(0.0316|g| + 1e-7).
  // For g = 0.1: 0.01 * 0.00316228/0.00316238 = 0.0099996838 (hand value below).
  const mtl::TrainConfig cfg = adam_config(0.01);
  std::vector<float> p = {1.0f}, m = {0.0f}, v = {0.0f};
  const std::vector<float> g = {0.1f};
  mtl::adam_step(p.data(), g.data(), m.data(), v.data(), 1, 1, cfg);
  const double gd = 0.1f, s = std::sqrt(0.001);
  const double move = 0.01 * s * gd / (s * gd + 1e-7);
  EXPECT_NEAR(move, 0.0099996838, 1e-10);  // the hand value, to its printed digits
  // p is rounded to float once: |error| <= u * |p|.
  EXPECT_TRUE(mtl::test::close(p[0], 1.0 - move, 0, kU * 1.0));
}

TEST(Adam, EpsilonIsAddedToUncorrectedSqrtV) {
  // A tiny first gradient separates the two conventions clearly:
  //   Keras (ours):  lr sqrt(1-b2) g / (sqrt(1-b2) g + eps) = 0.01 * 3.162e-8 / 1.3162e-7 = 0.0024025
  //   PyTorch:       lr g / (g + eps)                         = 0.01 * 1e-6 / 1.1e-6     = 0.0090909
  const mtl::TrainConfig cfg = adam_config(0.01);
  std::vector<float> p = {0.0f}, m = {0.0f}, v = {0.0f};
  const std::vector<float> g = {1e-6f};
  mtl::adam_step(p.data(), g.data(), m.data(), v.data(), 1, 1, cfg);
  const double gd = 1e-6f, s = std::sqrt(0.001);
  const double keras = 0.01 * s * gd / (s * gd + 1e-7);
  EXPECT_TRUE(mtl::test::close(-p[0], keras, 2 * kU, 0));
  EXPECT_GT(std::fabs(-p[0] - 0.01 * gd / (gd + 1e-7)), 0.005);
}

TEST(Adam, RejectsStepZero) {
  const mtl::TrainConfig cfg = adam_config(0.01);
  float p = 0, g = 0, m = 0, v = 0;
  EXPECT_THROW(mtl::adam_step(&p, &g, &m, &v, 1, 0, cfg), std::invalid_argument);
}

TEST(Adam, ConvergesOnAnIllConditionedQuadratic) {
  // f(p) = 1/2 sum_i a_i (p_i - c_i)^2 with curvatures spanning 1e-2..1e2: Adam's
  // per-coordinate scaling makes progress on all of them. Adam's step is bounded
  // by about lr (Kingma & Ba section 2.1, |move| <= lr (1-b1)/sqrt(1-b2) in the
  // worst case), and with a constant lr the iterate settles within a few steps
  // of the minimum; we require |p - c| < 10 lr after 4000 steps starting at a
  // distance of up to 3 (>= 300 lr, so a non-moving optimiser fails).
  const mtl::TrainConfig cfg = adam_config(0.01);
  const std::vector<double> a = {0.01, 0.1, 1.0, 10.0, 100.0};
  const std::vector<double> c = {3.0, -2.0, 1.0, -0.5, 0.25};
  std::vector<float> p(5, 0.0f), m(5, 0.0f), v(5, 0.0f), g(5);
  for (int step = 1; step <= 4000; ++step) {
    for (std::size_t i = 0; i < 5; ++i) g[i] = static_cast<float>(a[i] * (p[i] - c[i]));
    mtl::adam_step(p.data(), g.data(), m.data(), v.data(), 5, step, cfg);
  }
  for (std::size_t i = 0; i < 5; ++i) EXPECT_LT(std::fabs(p[i] - c[i]), 0.1) << i << " p=" << p[i];
}

TEST(Adam, ElementwiseIndependentOfBufferPosition) {
  // A trainer may update many models in one buffer: an element's result
  // must not depend on its neighbours or the buffer length.
  const mtl::TrainConfig cfg = adam_config(0.001);
  std::vector<float> p(37), g(37), m(37, 0.0f), v(37, 0.0f);
  for (std::size_t i = 0; i < 37; ++i) {
    p[i] = 0.1f * float(i) - 1.0f;
    g[i] = 0.37f * float(i % 5) - 0.5f;
  }
  std::vector<float> p1 = p, m1 = m, v1 = v;
  for (int step = 1; step <= 3; ++step) mtl::adam_step(p.data(), g.data(), m.data(), v.data(), 37, step, cfg);
  for (std::size_t i = 0; i < 37; ++i) {
    float pi = p1[i], mi = m1[i], vi = v1[i];
    for (int step = 1; step <= 3; ++step) mtl::adam_step(&pi, &g[i], &mi, &vi, 1, step, cfg);
    EXPECT_EQ(pi, p[i]) << i;
    EXPECT_EQ(mi, m[i]) << i;
    EXPECT_EQ(vi, v[i]) << i;
  }
}

}  // namespace
