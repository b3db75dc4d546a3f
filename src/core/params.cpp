// Parameter layout and Keras-default initialisation (see params.hpp).
//
// Every tensor draws from its own Philox stream (rng.hpp), element e of a
// tensor using counter index e, so the initial weights are a pure function of
// (seed, tensor, element) and identical for every lambda and site.
#include "mtl/params.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "mtl/rng.hpp"

namespace mtl {

ParamLayout make_param_layout(int n_in, int hidden) {
  if (n_in <= 0 || hidden <= 0) {
    throw std::invalid_argument("make_param_layout: n_in and hidden must be positive, got n_in=" +
                                std::to_string(n_in) + " hidden=" + std::to_string(hidden));
  }
  ParamLayout l;
  l.n_in = n_in;
  l.hidden = hidden;
  const auto c = static_cast<std::size_t>(n_in);
  const auto h = static_cast<std::size_t>(hidden);
  const std::size_t g = kNumGates * h;  // 4H
  l.wx = 0;                 // [C, 4H]
  l.wh = l.wx + c * g;      // [H, 4H]
  l.b = l.wh + h * g;       // [4H]
  l.head_w = l.b + g;       // [H, 2]
  l.head_b = l.head_w + 2 * h;  // [2]
  l.total = l.head_b + 2;   // = 4H(C + H + 1) + 2H + 2
  return l;
}

TorchParams torch_params(const float* p, const ParamLayout& L) {
  const std::size_t C = L.n_in, H = L.hidden, G = kNumGates * H;
  TorchParams t;
  t.weight_ih_l0.resize(G * C);
  t.weight_hh_l0.resize(G * H);
  for (std::size_t k = 0; k < G; ++k) {  // ours are [C, 4H] and [H, 4H]: transpose
    for (std::size_t c = 0; c < C; ++c) t.weight_ih_l0[k * C + c] = p[L.wx + c * G + k];
    for (std::size_t j = 0; j < H; ++j) t.weight_hh_l0[k * H + j] = p[L.wh + j * G + k];
  }
  t.bias_ih_l0.assign(p + L.b, p + L.b + G);
  t.bias_hh_l0.assign(G, 0.0f);
  t.head_weight.resize(2 * H);
  for (std::size_t o = 0; o < 2; ++o)
    for (std::size_t j = 0; j < H; ++j) t.head_weight[o * H + j] = p[L.head_w + j * 2 + o];
  t.head_bias.assign(p + L.head_b, p + L.head_b + 2);
  return t;
}

namespace {

/// Keras GlorotUniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).
/// Element e of the tensor is dst[e * stride] and uses counter index e.
void glorot_uniform(float* dst, std::size_t n, std::size_t stride, double fan_in, double fan_out,
                    const CounterRng& rng) {
  const double limit = std::sqrt(6.0 / (fan_in + fan_out));
  for (std::size_t e = 0; e < n; ++e) {
    dst[e * stride] = static_cast<float>(limit * (2.0 * rng.uniform(e) - 1.0));
  }
}

/// Keras Orthogonal (gain 1) on a [rows, cols] kernel: a = N(0,1) [rows, cols]
/// (element r*cols+c uses counter index r*cols+c); A = a^T if rows < cols so that
/// A is [m, n] with m >= n; thin QR A = Q R; Q *= sign(diag(R)); result Q^T (or Q).
/// The thin QR with a positive R diagonal is unique for a full-rank A, so we
/// compute it directly by Gram-Schmidt with a second orthogonalisation pass
/// ("twice is enough", Giraud et al. 2005) in double: its R diagonal is the norm
/// of the residual, positive, which is exactly Keras' sign-corrected factor.
void orthogonal(float* dst, int rows, int cols, const CounterRng& rng) {
  const bool transpose = rows < cols;
  const auto m = static_cast<std::size_t>(transpose ? cols : rows);
  const auto n = static_cast<std::size_t>(transpose ? rows : cols);
  // q holds the columns of A, column-major [n][m], and becomes Q in place.
  std::vector<double> q(m * n);
  for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
    for (std::size_t c = 0; c < static_cast<std::size_t>(cols); ++c) {
      const double z = rng.normal(r * static_cast<std::size_t>(cols) + c);
      // A[i][j] = a^T -> A[c][r]: column r; else A[r][c]: column c.
      if (transpose) q[r * m + c] = z; else q[c * m + r] = z;
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    double* v = &q[j * m];
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t k = 0; k < j; ++k) {
        const double* qk = &q[k * m];
        double dot = 0.0;
        for (std::size_t i = 0; i < m; ++i) dot += qk[i] * v[i];
        for (std::size_t i = 0; i < m; ++i) v[i] -= dot * qk[i];
      }
    }
    double norm = 0.0;
    for (std::size_t i = 0; i < m; ++i) norm += v[i] * v[i];
    norm = std::sqrt(norm);  // > 0 with probability 1 for normal deviates
    for (std::size_t i = 0; i < m; ++i) v[i] /= norm;
  }
  // Q [m, n]: Q[i][j] = q[j*m + i]. Output Q^T [n, m] = [rows, cols] or Q = [rows, cols].
  for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
    for (std::size_t c = 0; c < static_cast<std::size_t>(cols); ++c) {
      const double val = transpose ? q[r * m + c] : q[c * m + r];
      dst[r * static_cast<std::size_t>(cols) + c] = static_cast<float>(val);
    }
  }
}

}  // namespace

void init_params(float* params, const ParamLayout& layout, int seed) {
  const int c = layout.n_in, h = layout.hidden, g = kNumGates * layout.hidden;
  const auto hs = static_cast<std::size_t>(h);
  glorot_uniform(params + layout.wx, static_cast<std::size_t>(c) * static_cast<std::size_t>(g), 1,
                 c, g, CounterRng(seed, rng_stream::kWx));
  orthogonal(params + layout.wh, h, g, CounterRng(seed, rng_stream::kWh));
  // Bias [4H] (gates i, f, g, o): Keras unit_forget_bias -> f block = 1.
  for (std::size_t i = 0; i < static_cast<std::size_t>(g); ++i) {
    params[layout.b + i] = (i >= hs && i < 2 * hs) ? 1.0f : 0.0f;
  }
  // Two Dense(1) heads, kernel [H, 1] each, stored as columns of head_w [H, 2].
  glorot_uniform(params + layout.head_w + 0, hs, 2, h, 1, CounterRng(seed, rng_stream::kHeadPrimary));
  glorot_uniform(params + layout.head_w + 1, hs, 2, h, 1, CounterRng(seed, rng_stream::kHeadAux));
  params[layout.head_b + 0] = 0.0f;
  params[layout.head_b + 1] = 0.0f;
}

}  // namespace mtl
