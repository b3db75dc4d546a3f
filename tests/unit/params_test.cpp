// Parameter layout, counter-based RNG and Keras-default initialisation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "mtl/params.hpp"
#include "mtl/rng.hpp"
#include "support/expect_close.hpp"

namespace {

using mtl::CounterRng;
using mtl::ParamLayout;

constexpr double kFloatUnit = 0x1.0p-24;  // unit roundoff of float (round to nearest)

std::vector<float> init(const ParamLayout& l, int seed) {
  std::vector<float> p(l.total, -999.0f);
  mtl::init_params(p.data(), l, seed);
  return p;
}

TEST(Rng, PhiloxMatchesRandom123KnownAnswers) {
  // Random123 tests/kat_vectors, philox4x32 10 rounds.
  EXPECT_EQ(mtl::philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (mtl::PhiloxBlock{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(mtl::philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                               {0xffffffffu, 0xffffffffu}),
            (mtl::PhiloxBlock{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  EXPECT_EQ(mtl::philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                               {0xa4093822u, 0x299f31d0u}),
            (mtl::PhiloxBlock{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(Rng, ValueIsAFunctionOfKeyAndCounterOnly) {
  const CounterRng a(0, 7), b(0, 7);
  EXPECT_EQ(a.uniform(12345), b.uniform(12345));        // no hidden state
  EXPECT_EQ(a.uniform(3), a.uniform(3));
  EXPECT_NE(a.uniform(3), CounterRng(1, 7).uniform(3));  // seed 0 is a seed
  EXPECT_NE(a.uniform(3), CounterRng(0, 8).uniform(3));  // streams differ
  EXPECT_NE(a.uniform(3, 0), a.uniform(3, 1));           // sub counter differs
  EXPECT_NE(a.uniform(uint64_t{1} << 32), a.uniform(0)); // high index word used
}

TEST(Rng, NormalMomentsWithinSamplingError) {
  // n i.i.d. N(0,1): the sample mean has sd 1/sqrt(n); the mean of z^2 has
  // sd sqrt(Var z^2 / n) = sqrt(2/n). Bounds at 5 sd (the draws are fixed, so
  // this is deterministic; 5 sd only says a correct generator passes).
  const CounterRng rng(3, 99);
  const std::size_t n = 200000;
  double s1 = 0, s2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double z = rng.normal(i);
    ASSERT_TRUE(std::isfinite(z));
    s1 += z;
    s2 += z * z;
  }
  const double nd = static_cast<double>(n);
  EXPECT_LT(std::fabs(s1 / nd), 5.0 / std::sqrt(nd));
  EXPECT_LT(std::fabs(s2 / nd - 1.0), 5.0 * std::sqrt(2.0 / nd));
}

TEST(Params, LayoutOffsetsAndTotal) {
  const int c = 7, h = 20;
  const ParamLayout l = mtl::make_param_layout(c, h);
  EXPECT_EQ(l.n_in, c);
  EXPECT_EQ(l.hidden, h);
  EXPECT_EQ(l.wx, 0u);
  EXPECT_EQ(l.wh, std::size_t{7 * 80});
  EXPECT_EQ(l.b, std::size_t{7 * 80 + 20 * 80});
  EXPECT_EQ(l.head_w, std::size_t{7 * 80 + 20 * 80 + 80});
  EXPECT_EQ(l.head_b, std::size_t{7 * 80 + 20 * 80 + 80 + 40});
  EXPECT_EQ(l.total, std::size_t{4 * h * (c + h + 1) + 2 * h + 2});  // 2282
  EXPECT_THROW(mtl::make_param_layout(0, 20), std::invalid_argument);
  EXPECT_THROW(mtl::make_param_layout(7, -1), std::invalid_argument);
}

TEST(Params, SameSeedBitIdenticalOtherSeedsDiffer) {
  const ParamLayout l = mtl::make_param_layout(7, 20);
  const auto a = init(l, 0), b = init(l, 0), c = init(l, 1), d = init(l, 29);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), l.total * sizeof(float)), 0);
  // Random tensors: wx, wh, head_w (the biases are constants by design).
  auto n_diff = [&](const std::vector<float>& x, const std::vector<float>& y) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < l.b; ++i) k += x[i] != y[i];
    for (std::size_t i = l.head_w; i < l.head_b; ++i) k += x[i] != y[i];
    return k;
  };
  const std::size_t n_random = l.b + 2 * 20;
  EXPECT_EQ(n_diff(a, c), n_random);  // seed 0 vs 1: every random element differs
  EXPECT_EQ(n_diff(c, d), n_random);
}

TEST(Params, TensorsIndependentOfOtherShapes) {
  // wh and head_w use their own streams, so changing C (which resizes wx) must
  // leave them bit-identical; wx element e scales with the Glorot limit only.
  const ParamLayout l4 = mtl::make_param_layout(4, 5), l9 = mtl::make_param_layout(9, 5);
  const auto p4 = init(l4, 11), p9 = init(l9, 11);
  EXPECT_EQ(std::memcmp(&p4[l4.wh], &p9[l9.wh], (l4.total - l4.wh) * sizeof(float)), 0);
}

TEST(Params, BiasesForgetGateOneElseZero) {
  const int h = 20;
  const ParamLayout l = mtl::make_param_layout(7, h);
  const auto p = init(l, 5);
  for (int i = 0; i < 4 * h; ++i) {
    EXPECT_EQ(p[l.b + static_cast<std::size_t>(i)], (i >= h && i < 2 * h) ? 1.0f : 0.0f) << i;
  }
  EXPECT_EQ(p[l.head_b], 0.0f);
  EXPECT_EQ(p[l.head_b + 1], 0.0f);
}

TEST(Params, RecurrentKernelRowsOrthonormal) {
  const int h = 20, g = 4 * h;
  const ParamLayout l = mtl::make_param_layout(7, h);
  for (int seed : {0, 1, 17}) {
    const auto p = init(l, seed);
    const float* w = &p[l.wh];  // [H, 4H]
    // Exact Q has Q Q^T = I. Storing in float perturbs each element by at most
    // u|w| (u = 2^-24), so |(W W^T)_ij - delta_ij| <= sum_k 2u|w_ik||w_jk| + u^2(...)
    // <= (2u + u^2) ||w_i|| ||w_j|| = 2u + u^2 (Cauchy-Schwarz, unit rows). The
    // double QR and the double dot product add O(80 * 2^-53) ~ 1e-14: 1e-12 covers it.
    const double tol = 2.0 * kFloatUnit + kFloatUnit * kFloatUnit + 1e-12;
    for (int i = 0; i < h; ++i) {
      for (int j = 0; j < h; ++j) {
        double dot = 0;
        for (int k = 0; k < g; ++k) dot += double(w[i * g + k]) * double(w[j * g + k]);
        EXPECT_TRUE(mtl::test::close(dot, i == j ? 1.0 : 0.0, 0.0, tol)) << i << "," << j;
      }
    }
  }
}

TEST(Params, RecurrentKernelIsKerasSignCorrectedQ) {
  // Keras: a = N(0,1) [H, 4H]; q, r = qr(a^T); q *= sign(diag(r)); W = q^T.
  // Such a Q is the unique one with R = Q^T a^T upper triangular and diag(R) > 0,
  // so check R = W a^T: R_ij = sum_k W_ik a_jk. Below the diagonal it is 0 up to
  // the float storage of W: |R_ij| <= u sum_k |W_ik||a_jk| <= u ||a_j|| (unit rows);
  // we allow 2u ||a_j|| + 1e-12. The diagonal must be clearly positive.
  const int h = 20, g = 4 * h, seed = 4;
  const ParamLayout l = mtl::make_param_layout(3, h);
  const auto p = init(l, seed);
  const float* w = &p[l.wh];
  const CounterRng rng(seed, mtl::rng_stream::kWh);
  std::vector<double> a(static_cast<std::size_t>(h * g));
  for (std::size_t e = 0; e < a.size(); ++e) a[e] = rng.normal(e);
  for (int j = 0; j < h; ++j) {
    double norm_aj = 0;
    for (int k = 0; k < g; ++k) norm_aj += a[std::size_t(j * g + k)] * a[std::size_t(j * g + k)];
    norm_aj = std::sqrt(norm_aj);
    for (int i = 0; i < h; ++i) {
      double r = 0;
      for (int k = 0; k < g; ++k) r += double(w[i * g + k]) * a[std::size_t(j * g + k)];
      if (i > j) {
        EXPECT_LT(std::fabs(r), 2 * kFloatUnit * norm_aj + 1e-12) << i << "," << j;
      } else if (i == j) {
        EXPECT_GT(r, 0.01) << i;
      }
    }
  }
}

TEST(Params, GlorotBoundsAndMoments) {
  const int c = 50, h = 64, g = 4 * h;
  const ParamLayout l = mtl::make_param_layout(c, h);
  const auto p = init(l, 0);
  auto check = [](const float* x, std::size_t n, std::size_t stride, double limit) {
    // U(-l, l): mean 0 with sd l/sqrt(3n); E x^2 = l^2/3, Var x^2 = l^4/5 - l^4/9
    // = 4 l^4/45, so mean(x^2) has sd l^2 sqrt(4/45/n). Bounds at 5 sd. The float
    // rounding of limit * (2u - 1) can reach float(limit) at most, hence the
    // bound |x| <= limit (1 + u).
    double s1 = 0, s2 = 0, mx = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = x[i * stride];
      EXPECT_LE(std::fabs(v), limit * (1 + kFloatUnit)) << i;
      s1 += v;
      s2 += v * v;
      mx = std::max(mx, std::fabs(v));
    }
    const double nd = static_cast<double>(n);
    EXPECT_LT(std::fabs(s1 / nd), 5 * limit / std::sqrt(3 * nd));
    EXPECT_LT(std::fabs(s2 / nd - limit * limit / 3), 5 * limit * limit * std::sqrt(4.0 / 45 / nd));
    // P(max |x| < (1 - d) l) = (1 - d)^n: with d = 50/n that is e^-50 or less.
    EXPECT_GT(mx, limit * (1 - 50.0 / nd));
  };
  check(&p[l.wx], std::size_t(c * g), 1, std::sqrt(6.0 / (c + g)));
  // Heads: Dense(1) kernels [H, 1] each, limit sqrt(6 / (H + 1)); columns of head_w.
  check(&p[l.head_w], std::size_t(h), 2, std::sqrt(6.0 / (h + 1)));
  check(&p[l.head_w + 1], std::size_t(h), 2, std::sqrt(6.0 / (h + 1)));
}

TEST(Params, HeadsUseSeparateStreams) {
  const ParamLayout l = mtl::make_param_layout(7, 20);
  const auto p = init(l, 0);
  const double limit = std::sqrt(6.0 / 21.0);
  // Column k of head_w, row r = Glorot value of stream kHead{Primary,Aux}, index r.
  for (std::size_t r = 0; r < 20; ++r) {
    const double u0 = CounterRng(0, mtl::rng_stream::kHeadPrimary).uniform(r);
    const double u1 = CounterRng(0, mtl::rng_stream::kHeadAux).uniform(r);
    EXPECT_EQ(p[l.head_w + 2 * r], static_cast<float>(limit * (2 * u0 - 1)));
    EXPECT_EQ(p[l.head_w + 2 * r + 1], static_cast<float>(limit * (2 * u1 - 1)));
  }
}

}  // namespace
