// Our LSTM kernels, every ISA variant this CPU runs, against a double-precision
// scalar reference written here: forward predictions and every parameter
// gradient for a given dL/dpred, for hidden sizes from 5 to 128.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "mtl/backend.hpp"
#include "mtl/kernels.hpp"
#include "mtl/params.hpp"

namespace {

using mtl::ParamLayout;
using mtl::kernels::Isa;
namespace kn = mtl::kernels;

struct Dims {
  int n_in, hidden, n_seq;
};

std::vector<float> uniform(std::size_t n, std::uint64_t seed, float lo, float hi) {
  std::vector<float> v(n);
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 12345;
  for (auto& e : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    e = lo + (hi - lo) * static_cast<float>(static_cast<double>(s >> 11) / 9007199254740992.0);
  }
  return v;
}

double sig(double a) { return 1.0 / (1.0 + std::exp(-a)); }

// Double reference: forward (pred), backward (grads) for dpred. x [T, N, C].
struct Ref {
  std::vector<double> pred, grads;
  Ref(const Dims& d, int T, const std::vector<float>& p, const ParamLayout& L,
      const std::vector<float>& x, const std::vector<float>& dpred) {
    const int C = d.n_in, H = d.hidden, G = 4 * H, N = d.n_seq;
    std::vector<double> act(T * N * G), c(T * N * H), h(T * N * H);
    pred.assign(T * N * 2, 0.0);
    for (int t = 0; t < T; ++t)
      for (int n = 0; n < N; ++n) {
        double* a = &act[(t * N + n) * G];
        for (int j = 0; j < G; ++j) {
          double s = p[L.b + j];
          for (int k = 0; k < C; ++k) s += double(x[(t * N + n) * C + k]) * p[L.wx + k * G + j];
          if (t > 0)
            for (int k = 0; k < H; ++k) s += h[((t - 1) * N + n) * H + k] * p[L.wh + k * G + j];
          a[j] = (j >= 2 * H && j < 3 * H) ? std::tanh(s) : sig(s);
        }
        for (int k = 0; k < H; ++k) {
          const double cp = t > 0 ? c[((t - 1) * N + n) * H + k] : 0.0;
          const double cv = a[H + k] * cp + a[k] * a[2 * H + k];
          c[(t * N + n) * H + k] = cv;
          h[(t * N + n) * H + k] = a[3 * H + k] * std::tanh(cv);
        }
        for (int v = 0; v < 2; ++v) {
          double s = p[L.head_b + v];
          for (int k = 0; k < H; ++k) s += h[(t * N + n) * H + k] * p[L.head_w + k * 2 + v];
          pred[(t * N + n) * 2 + v] = s;
        }
      }
    grads.assign(L.total, 0.0);
    std::vector<double> dh(N * H, 0.0), dc(N * H, 0.0), da(G);
    for (int t = T - 1; t >= 0; --t) {
      std::vector<double> dh_prev(N * H, 0.0);
      for (int n = 0; n < N; ++n) {
        const double* a = &act[(t * N + n) * G];
        for (int v = 0; v < 2; ++v) {
          const double dp = dpred[(t * N + n) * 2 + v];
          grads[L.head_b + v] += dp;
          for (int k = 0; k < H; ++k) {
            grads[L.head_w + k * 2 + v] += dp * h[(t * N + n) * H + k];
            dh[n * H + k] += dp * p[L.head_w + k * 2 + v];
          }
        }
        for (int k = 0; k < H; ++k) {
          const double cv = c[(t * N + n) * H + k], tc = std::tanh(cv);
          const double cp = t > 0 ? c[((t - 1) * N + n) * H + k] : 0.0;
          const double i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k];
          const double dhv = dh[n * H + k];
          da[3 * H + k] = dhv * tc * o * (1 - o);
          const double dcv = dhv * o * (1 - tc * tc) + dc[n * H + k];
          da[k] = dcv * g * i * (1 - i);
          da[2 * H + k] = dcv * i * (1 - g * g);
          da[H + k] = dcv * cp * f * (1 - f);
          dc[n * H + k] = dcv * f;
        }
        for (int j = 0; j < G; ++j) {
          grads[L.b + j] += da[j];
          for (int k = 0; k < C; ++k) grads[L.wx + k * G + j] += x[(t * N + n) * C + k] * da[j];
          if (t > 0)
            for (int k = 0; k < H; ++k) {
              grads[L.wh + k * G + j] += h[((t - 1) * N + n) * H + k] * da[j];
              dh_prev[n * H + k] += da[j] * p[L.wh + k * G + j];
            }
        }
      }
      dh = dh_prev;
    }
  }
};

double rel_err(const std::vector<float>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num / den);
}

void check_shape(Isa isa, int C, int H, int N, int T) {
  const Dims d{C, H, N};
  const ParamLayout L = mtl::make_param_layout(C, H);
  const auto p = uniform(L.total, 1 + H, -0.4f, 0.4f);
  const auto x = uniform(static_cast<std::size_t>(T) * N * C, 2, -2.f, 2.f);
  const auto dpred = uniform(static_cast<std::size_t>(T) * N * 2, 3, -0.01f, 0.01f);
  const auto lstm = mtl::make_kernels_backend(isa, C, H, T);
  std::vector<float> pred(static_cast<std::size_t>(T) * N * 2), grads(L.total, NAN), pred2(pred.size());
  lstm->forward(p.data(), x.data(), N, pred.data());
  lstm->predict(p.data(), x.data(), T, N, pred2.data());
  lstm->backward(p.data(), dpred.data(), grads.data());
  const Ref ref(d, T, p, L, x, dpred);
  // Tolerance: each float result is a chain of dot products of length K = C + H
  // (forward), 4H (dh) and T*N (dW) through T steps; the worst-case linear bound
  // of float accumulation (Higham gamma_n = n u, u = 2^-24) summed over the chain
  // is about T (C + 5H) u + T N u; the fast activations add ~2 ulp per step.
  const double u = std::ldexp(1.0, -24);
  // The generic variant rounds a * b + c twice (no fma): twice the bound.
  const double tol = (isa == Isa::generic ? 2 : 1) * (T * (C + 5.0 * H + 4) + T * N) * u;
  std::printf("%s C=%d H=%d N=%d T=%d: pred rel err %.2e, grad rel err %.2e, tol %.2e\n",
              kn::isa_name(isa), C, H, N, T, rel_err(pred, ref.pred), rel_err(grads, ref.grads), tol);
  EXPECT_LT(rel_err(pred, ref.pred), tol) << kn::isa_name(isa) << " C=" << C << " H=" << H;
  EXPECT_EQ(pred, pred2) << "inference and training forward must agree bit for bit";
  EXPECT_LT(rel_err(grads, ref.grads), tol) << kn::isa_name(isa) << " C=" << C << " H=" << H;
  // Per-tensor check so a broken small tensor (head_b, b) is not hidden in the norm.
  for (auto [off, len] : {std::pair{L.wx, L.wh - L.wx}, {L.wh, L.b - L.wh}, {L.b, L.head_w - L.b},
                          {L.head_w, L.head_b - L.head_w}, {L.head_b, std::size_t{2}}}) {
    std::vector<float> a(grads.begin() + off, grads.begin() + off + len);
    std::vector<double> b(ref.grads.begin() + off, ref.grads.begin() + off + len);
    EXPECT_LT(rel_err(a, b), tol) << "tensor at offset " << off << " C=" << C << " H=" << H << " " << kn::isa_name(isa);
  }
}

// Every variant this CPU can run (the test runs on any CPU; CI also runs it
// under MTL_MAX_ISA caps, which change only the grid's choice, not this list).
std::vector<Isa> isas_here() {
  std::vector<Isa> v;
  for (int i = 0; i <= static_cast<int>(kn::detected_isa()); ++i) v.push_back(static_cast<Isa>(i));
  return v;
}

class Kernels : public ::testing::TestWithParam<Isa> {};

TEST_P(Kernels, MatchesDoubleReferenceH20) { check_shape(GetParam(), 7, 20, 25, 40); }

// Hidden sizes hydrologists use: gate columns tiled over several register blocks.
TEST_P(Kernels, MatchesDoubleReferenceWideHidden) {
  check_shape(GetParam(), 7, 32, 25, 20);
  check_shape(GetParam(), 7, 64, 25, 12);
  check_shape(GetParam(), 5, 128, 11, 6);
  check_shape(GetParam(), 3, 100, 6, 5);  // 4H = 400: tails in every product
}

TEST_P(Kernels, MatchesDoubleReferenceOddShapes) {
  const Isa isa = GetParam();
  check_shape(isa, 3, 5, 7, 20);    // 4H = 20: partial vectors, row remainders
  check_shape(isa, 7, 24, 9, 15);
  check_shape(isa, 2, 30, 3, 10);
  check_shape(isa, 7, 16, 4, 12);   // 4H = 64 exact vectors
  check_shape(isa, 1, 1, 1, 3);     // the smallest model
  // 16 < H < 20 (AVX-512: dh with packed partial tails, H - 16 = 1..3 of 4 lanes),
  // the last block overlapping the previous one (N = 9: rows 0-7, then 5-8), two
  // overlapping quads (N = 6) and a single quad (N = 4).
  check_shape(isa, 7, 18, 9, 15);
  check_shape(isa, 5, 17, 6, 12);
  check_shape(isa, 3, 19, 4, 10);
}

// H = 16 k + 4: AVX-512 packs the 4-unit tails of 4 rows into one vector in the cell
// update and the gate gradients (N = 9: two packed quads and a row alone; the heads
// of 8 rows together and one alone).
TEST_P(Kernels, MatchesDoubleReferenceTailOf4) {
  check_shape(GetParam(), 5, 4, 9, 8);
  check_shape(GetParam(), 5, 36, 9, 6);
  check_shape(GetParam(), 3, 52, 9, 5);
}

// Rows are independent, so a row's predictions must not depend on the rows beside
// it, bit for bit: each row of an N = 9 forward equals that row run alone (N = 1,
// where AVX-512 takes the row-by-row cell and head code, not the 4- and 8-row forms).
TEST_P(Kernels, RowsTogetherEqualEachRowAlone) {
  for (const int H : {4, 20, 36, 52}) {
    const int C = 5, N = 9, T = 7;
    const ParamLayout L = mtl::make_param_layout(C, H);
    const auto p = uniform(L.total, 11, -0.5f, 0.5f);
    const auto x = uniform(static_cast<std::size_t>(T) * N * C, 12, -2.f, 2.f);
    const auto lstm = mtl::make_kernels_backend(GetParam(), C, H, T);
    std::vector<float> pred(static_cast<std::size_t>(T) * N * 2), alone(static_cast<std::size_t>(T) * 2);
    lstm->forward(p.data(), x.data(), N, pred.data());
    for (int r = 0; r < N; ++r) {
      std::vector<float> xr(static_cast<std::size_t>(T) * C);
      for (int t = 0; t < T; ++t)
        for (int c = 0; c < C; ++c) xr[t * C + c] = x[(static_cast<std::size_t>(t) * N + r) * C + c];
      lstm->forward(p.data(), xr.data(), 1, alone.data());
      for (int t = 0; t < T; ++t)
        for (int k = 0; k < 2; ++k)
          ASSERT_EQ(alone[t * 2 + k], pred[(static_cast<std::size_t>(t) * N + r) * 2 + k])
              << kn::isa_name(GetParam()) << " H=" << H << " row " << r << " t=" << t;
    }
  }
}

// Saturated gates stay finite (the exp argument is clamped), NaN inputs poison the
// output (so a bad value fails the run instead of vanishing).
TEST_P(Kernels, SaturationAndNaN) {
  const int C = 3, H = 20, N = 4, T = 5;
  const ParamLayout L = mtl::make_param_layout(C, H);
  auto p = uniform(L.total, 9, -300.f, 300.f);
  auto x = uniform(static_cast<std::size_t>(T) * N * C, 8, -50.f, 50.f);
  const auto lstm = mtl::make_kernels_backend(GetParam(), C, H, T);
  std::vector<float> pred(static_cast<std::size_t>(T) * N * 2);
  lstm->predict(p.data(), x.data(), T, N, pred.data());
  for (float v : pred) ASSERT_TRUE(std::isfinite(v));
  x[0] = NAN;  // row 0, step 0
  lstm->predict(p.data(), x.data(), T, N, pred.data());
  EXPECT_TRUE(std::isnan(pred[0]));
  EXPECT_TRUE(std::isfinite(pred[2])) << "row 1 must not see row 0's NaN";
}

// predict_rows (the validation pass): row r computed at steps [0, len[r]) equals
// the full predict bit for bit (rows are independent), whatever order the plan
// keeps the rows in; the rest is not written. Shapes: a 1-row tail block (N = 6,
// the val set of exp1) and H = 20 and 5 (flat and row-wise cell update); lengths
// in row order (no reordering) and out of it.
TEST_P(Kernels, PredictRowsEqualsPredict) {
  const std::vector<std::vector<int>> lens = {{12, 12, 9, 9, 4, 1}, {3, 12, 0, 7, 12, 1}};
  for (const int H : {20, 5})
    for (const auto& len : lens) {
      const int C = 7, N = 6, T = 12;
      const ParamLayout L = mtl::make_param_layout(C, H);
      const auto p = uniform(L.total, 4, -0.4f, 0.4f);
      const auto x = uniform(static_cast<std::size_t>(T) * N * C, 5, -2.f, 2.f);
      const auto lstm = mtl::make_kernels_backend(GetParam(), C, H, T);
      std::vector<float> full(static_cast<std::size_t>(T) * N * 2), part(full.size(), -7.0f);
      lstm->predict(p.data(), x.data(), T, N, full.data());
      lstm->predict_rows(p.data(), x.data(), T, N, len.data(), part.data());
      for (int t = 0; t < T; ++t)
        for (int n = 0; n < N; ++n)
          for (int k = 0; k < 2; ++k) {
            const std::size_t i = (static_cast<std::size_t>(t) * N + n) * 2 + k;
            if (t < len[n])
              ASSERT_EQ(part[i], full[i]) << "H=" << H << " t=" << t << " n=" << n;
            else
              ASSERT_EQ(part[i], -7.0f) << "H=" << H << " t=" << t << " n=" << n << " was written";
          }
    }
}

// Training with per-row lengths (sparse targets): the forward computes row r at
// steps [0, len[r]) only, the backward only the rows with a non-zero dpred at a
// step or later, and sums over rows in the caller's order. Predictions at the
// computed steps, the hidden states there and EVERY gradient must equal the full
// pass's exactly (the terms left out are exact zeros; == also takes -0 for +0).
// Cases: lengths out of row order (a permuted plan), in row order (identity), a
// gradient on fewer rows than the forward (lambda = 0: flow rows only), and a
// second epoch, whose row order comes from the first backward. N = 25 with
// H = 20 takes AVX-512's dh_special blocks; H = 5 the generic ones.
TEST_P(Kernels, TrainingLengthsEqualFullPass) {
  struct Case {
    int N, H;
    std::vector<int> len, len_b;  // forward lengths; steps with a non-zero dpred (<= len)
  };
  const int T = 12, C = 7;
  std::vector<Case> cases = {
      {7, 20, {12, 0, 5, 12, 1, 7, 3}, {12, 0, 5, 12, 1, 7, 3}},
      {7, 5, {12, 12, 9, 5, 5, 1, 0}, {12, 12, 9, 5, 5, 1, 0}},
      {7, 20, {12, 0, 5, 12, 1, 7, 3}, {0, 0, 0, 12, 0, 7, 0}},
  };
  Case big{25, 20, {}, {}};
  for (int r = 0; r < 25; ++r) {
    big.len.push_back((r * 7) % 13);  // 0 .. 12, scattered
    big.len_b.push_back(r % 3 == 0 ? big.len.back() : 0);
  }
  cases.push_back(big);
  for (const Case& cs : cases) {
    const int N = cs.N, H = cs.H;
    const ParamLayout L = mtl::make_param_layout(C, H);
    const auto p = uniform(L.total, 11, -0.4f, 0.4f);
    const auto x = uniform(static_cast<std::size_t>(T) * N * C, 12, -2.f, 2.f);
    auto dpred = uniform(static_cast<std::size_t>(T) * N * 2, 13, -1.f, 1.f);
    for (int t = 0; t < T; ++t)
      for (int n = 0; n < N; ++n)
        if (t >= cs.len_b[n]) dpred[(static_cast<std::size_t>(t) * N + n) * 2] = dpred[(static_cast<std::size_t>(t) * N + n) * 2 + 1] = 0.0f;
    const auto full = mtl::make_kernels_backend(GetParam(), C, H, T);
    std::vector<float> pf(static_cast<std::size_t>(T) * N * 2), gf(L.total);
    full->forward(p.data(), x.data(), N, pf.data());
    full->backward(p.data(), dpred.data(), gf.data());
    const auto part = mtl::make_kernels_backend(GetParam(), C, H, T);
    for (int epoch = 0; epoch < 2; ++epoch) {
      std::vector<float> pp(pf.size(), -7.0f), gp(L.total, -7.0f);
      part->forward(p.data(), x.data(), N, pp.data(), cs.len.data());
      for (int t = 0; t < T; ++t)
        for (int n = 0; n < N; ++n) {
          const std::size_t i = (static_cast<std::size_t>(t) * N + n) * 2;
          const char* what = t < cs.len[n] ? "computed" : "left out (0)";
          for (int k = 0; k < 2; ++k)
            ASSERT_EQ(pp[i + k], t < cs.len[n] ? pf[i + k] : 0.0f)
                << what << " N=" << N << " H=" << H << " t=" << t << " n=" << n << " epoch " << epoch;
          if (t < cs.len[n]) {
            for (int k = 0; k < H; ++k) ASSERT_EQ(part->hidden().at(t, n)[k], full->hidden().at(t, n)[k]);
          }
        }
      part->backward(p.data(), dpred.data(), gp.data());
      for (std::size_t i = 0; i < L.total; ++i)
        ASSERT_EQ(gp[i], gf[i]) << "param " << i << " N=" << N << " H=" << H << " epoch " << epoch;
    }
  }
}

// A dpred at a step the forward left out has no tape behind it: refused, not
// silently dropped.
TEST_P(Kernels, BackwardRefusesGradientPastLength) {
  const int T = 6, C = 3, H = 5, N = 3;
  const ParamLayout L = mtl::make_param_layout(C, H);
  const auto p = uniform(L.total, 1, -0.4f, 0.4f);
  const auto x = uniform(static_cast<std::size_t>(T) * N * C, 2, -2.f, 2.f);
  const std::vector<int> len = {6, 2, 6};
  std::vector<float> pred(static_cast<std::size_t>(T) * N * 2), dpred(pred.size(), 0.0f), g(L.total);
  const auto lstm = mtl::make_kernels_backend(GetParam(), C, H, T);
  lstm->forward(p.data(), x.data(), N, pred.data(), len.data());
  dpred[(3 * N + 1) * 2] = 0.5f;  // row 1, step 3 >= len 2
  EXPECT_THROW(lstm->backward(p.data(), dpred.data(), g.data()), std::logic_error);
}

INSTANTIATE_TEST_SUITE_P(Variants, Kernels, ::testing::ValuesIn(isas_here()),
                         [](const auto& p) { return std::string(kn::isa_name(p.param)); });

TEST(KernelDispatch, CapFromEnvironment) {
  EXPECT_LE(static_cast<int>(kn::selected_variant().isa), static_cast<int>(kn::detected_isa()));
  EXPECT_LE(static_cast<int>(kn::selected_variant().isa), static_cast<int>(kn::isa_cap_from_env()));
  setenv("MTL_MAX_ISA", "sse9", 1);
  try {
    kn::isa_cap_from_env();
    ADD_FAILURE() << "a bad MTL_MAX_ISA must be refused";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("MTL_MAX_ISA = 'sse9'"), std::string::npos) << e.what();
  }
  unsetenv("MTL_MAX_ISA");
  EXPECT_EQ(kn::isa_cap_from_env(), Isa::avx512);
}

TEST(KernelDispatch, FastExpAccuracy) {
  // Relative error of fast_exp vs double exp over the range the LSTM uses.
  double worst = 0;
  for (float x = -87.f; x <= 88.f; x += 0.0137f) {
    const double e = std::exp(double(x));
    worst = std::max(worst, std::fabs(kn::fast_exp(x) - e) / e);
  }
  EXPECT_LT(worst, 4 * std::ldexp(1.0, -24)) << "fast_exp must stay within 4 ulp";
  EXPECT_TRUE(std::isnan(kn::fast_exp(NAN)));
  EXPECT_GT(kn::fast_exp(-1000.f), 0.0f);  // clamped at -87: a normal number
}

}  // namespace
