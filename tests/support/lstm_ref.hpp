#pragma once
// Plain scalar reference of the model (benchdnn ref_rnn / lstm_cell style):
// one LSTM layer with PyTorch's equations and gate order (i, f, g = c~, o),
// zero initial state, two linear heads, the masked multi-task RMSE, and full
// backpropagation through time. Templated on the element type so gradcheck can
// run in double. Parameters use the flat layout of params.hpp:
//   wx [C, 4, H] (ldigo), wh [H, 4, H] (ldigo), b [4, H], head_w [H, 2], head_b [2]
//
//   a_t = x_t wx + h_{t-1} wh + b                       [N, 4H]
//   i = sig(a_i), f = sig(a_f), g = tanh(a_g), o = sig(a_o)
//   c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)
//   pred_t = h_t head_w + head_b                         [N, 2]
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mtl/params.hpp"

namespace mtl::ref {

template <class T>
T sigmoid(T a) {
  return T(1) / (T(1) + std::exp(-a));
}

/// Deterministic uniform numbers in [lo, hi) from a 64-bit LCG (Knuth MMIX
/// constants): identical on every platform, unlike std::uniform_real_distribution.
template <class T>
void fill_uniform(std::vector<T>& v, std::uint64_t seed, double lo, double hi) {
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1442695040888963407ULL;
  for (auto& e : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
    e = static_cast<T>(lo + (hi - lo) * u);
  }
}

template <class T>
struct RefLstm {
  int steps = 0, batch = 0, n_in = 0, hidden = 0;  // T, N, C, H
  ParamLayout layout;
  std::vector<T> gate;   // [T, N, 4, H] activated gates i, f, g, o
  std::vector<T> c;      // [T, N, H]
  std::vector<T> h;      // [T, N, H]
  std::vector<T> pred;   // [T, N, 2]

  RefLstm(int t, int n, int c_in, int hid)
      : steps(t), batch(n), n_in(c_in), hidden(hid), layout(make_param_layout(c_in, hid)) {}

  std::size_t idx(int t, int n) const { return static_cast<std::size_t>(t) * batch + n; }

  /// x [T, N, C]
  void forward(const std::vector<T>& p, const std::vector<T>& x) {
    const int H = hidden, G = kNumGates * hidden;
    gate.assign(static_cast<std::size_t>(steps) * batch * G, T(0));
    c.assign(static_cast<std::size_t>(steps) * batch * H, T(0));
    h.assign(c.size(), T(0));
    pred.assign(static_cast<std::size_t>(steps) * batch * 2, T(0));
    std::vector<T> a(G);
    for (int t = 0; t < steps; ++t) {
      for (int n = 0; n < batch; ++n) {
        for (int k = 0; k < G; ++k) a[k] = p[layout.b + k];
        const T* xt = &x[idx(t, n) * n_in];
        for (int ci = 0; ci < n_in; ++ci)
          for (int k = 0; k < G; ++k) a[k] += xt[ci] * p[layout.wx + ci * G + k];
        if (t > 0) {
          const T* hp = &h[idx(t - 1, n) * H];
          for (int j = 0; j < H; ++j)
            for (int k = 0; k < G; ++k) a[k] += hp[j] * p[layout.wh + j * G + k];
        }
        T* gt = &gate[idx(t, n) * G];
        for (int j = 0; j < H; ++j) {
          const T i = sigmoid(a[j]), f = sigmoid(a[H + j]);
          const T g = std::tanh(a[2 * H + j]), o = sigmoid(a[3 * H + j]);
          gt[j] = i, gt[H + j] = f, gt[2 * H + j] = g, gt[3 * H + j] = o;
          const T cp = t > 0 ? c[idx(t - 1, n) * H + j] : T(0);
          const T ct = f * cp + i * g;
          c[idx(t, n) * H + j] = ct;
          h[idx(t, n) * H + j] = o * std::tanh(ct);
        }
        for (int k = 0; k < 2; ++k) {
          T s = p[layout.head_b + k];
          for (int j = 0; j < H; ++j) s += h[idx(t, n) * H + j] * p[layout.head_w + j * 2 + k];
          pred[idx(t, n) * 2 + k] = s;
        }
      }
    }
  }

  /// Full BPTT of the last forward. dpred [T, N, 2]; grads (size layout.total) overwritten.
  void backward(const std::vector<T>& p, const std::vector<T>& x, const std::vector<T>& dpred,
                std::vector<T>& grads) const {
    const int H = hidden, G = kNumGates * hidden;
    grads.assign(layout.total, T(0));
    std::vector<T> dh_next(static_cast<std::size_t>(batch) * H, T(0));
    std::vector<T> dc_next(dh_next.size(), T(0));
    std::vector<T> da(G);
    for (int t = steps - 1; t >= 0; --t) {
      for (int n = 0; n < batch; ++n) {
        const std::size_t r = idx(t, n);
        const T* gt = &gate[r * G];
        for (int k = 0; k < 2; ++k) grads[layout.head_b + k] += dpred[r * 2 + k];
        for (int j = 0; j < H; ++j) {
          T dh = dh_next[n * H + j];
          for (int k = 0; k < 2; ++k) {
            dh += dpred[r * 2 + k] * p[layout.head_w + j * 2 + k];
            grads[layout.head_w + j * 2 + k] += dpred[r * 2 + k] * h[r * H + j];
          }
          const T i = gt[j], f = gt[H + j], g = gt[2 * H + j], o = gt[3 * H + j];
          const T tc = std::tanh(c[r * H + j]);
          const T cp = t > 0 ? c[idx(t - 1, n) * H + j] : T(0);
          const T dc = dc_next[n * H + j] + dh * o * (T(1) - tc * tc);
          da[j] = dc * g * i * (T(1) - i);
          da[H + j] = dc * cp * f * (T(1) - f);
          da[2 * H + j] = dc * i * (T(1) - g * g);
          da[3 * H + j] = dh * tc * o * (T(1) - o);
          dc_next[n * H + j] = dc * f;
        }
        for (int k = 0; k < G; ++k) grads[layout.b + k] += da[k];
        for (int ci = 0; ci < n_in; ++ci)
          for (int k = 0; k < G; ++k) grads[layout.wx + ci * G + k] += x[r * n_in + ci] * da[k];
        for (int j = 0; j < H; ++j) {
          T s = T(0);
          for (int k = 0; k < G; ++k) {
            s += p[layout.wh + j * G + k] * da[k];
            if (t > 0) grads[layout.wh + j * G + k] += h[idx(t - 1, n) * H + j] * da[k];
          }
          dh_next[n * H + j] = s;
        }
      }
    }
  }
};

/// Masked multi-task RMSE (loss.hpp): L = RMSE_0 + lambda RMSE_1 over observed
/// points (y not NaN); a variable without observations contributes 0.
/// pred, y [n_points, 2]; dpred (nullable) gets dL/dpred.
template <class T>
T masked_rmse(const std::vector<T>& pred, const std::vector<T>& y, T lambda,
              std::vector<T>* dpred, T* parts = nullptr) {
  const std::size_t n = pred.size() / 2;
  if (dpred) dpred->assign(pred.size(), T(0));
  T total = T(0);
  for (int k = 0; k < 2; ++k) {
    T sse = T(0);
    std::size_t cnt = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (std::isnan(y[r * 2 + k])) continue;
      const T d = pred[r * 2 + k] - y[r * 2 + k];
      sse += d * d;
      ++cnt;
    }
    const T rmse = cnt ? std::sqrt(sse / T(cnt)) : T(0);
    const T w = k == 0 ? T(1) : lambda;
    if (parts) parts[k] = rmse;
    total += w * rmse;
    if (dpred && cnt && rmse > T(0))
      for (std::size_t r = 0; r < n; ++r)
        if (!std::isnan(y[r * 2 + k]))
          (*dpred)[r * 2 + k] = w * (pred[r * 2 + k] - y[r * 2 + k]) / (T(cnt) * rmse);
  }
  return total;
}

}  // namespace mtl::ref
