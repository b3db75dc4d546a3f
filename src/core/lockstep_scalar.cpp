// Scalar LSTM kernels of the lockstep trainer: used when AVX-512 is not compiled
// in or 4H > 96 (see vector_path). Same equations and fast activations as the
// vector kernels; per-model and order-fixed, so also group-independent.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "lockstep_internal.hpp"

namespace mtl::lockstep::detail {

void scalar_forward_step(const Dims& d, const float* p, const ParamLayout& lay, const float* x_t,
                         const float* h_prev, const float* c_prev, float* act, float* c,
                         float* tc, float* h, float* pred) {
  const int C = d.n_in, H = d.hidden, G = d.gates();
  const float* wx = p + lay.wx;
  const float* wh = p + lay.wh;
  const float* b = p + lay.b;
  const float* hw = p + lay.head_w;
  const float* hb = p + lay.head_b;
  for (int n = 0; n < d.n_seq; ++n) {
    float* a = act + static_cast<std::size_t>(n) * G;
    for (int j = 0; j < G; ++j) a[j] = b[j];
    for (int k = 0; k < C; ++k) {
      const float xv = x_t[n * C + k];
      for (int j = 0; j < G; ++j) a[j] = std::fma(xv, wx[k * G + j], a[j]);
    }
    for (int k = 0; k < H; ++k) {
      const float hv = h_prev[n * H + k];
      for (int j = 0; j < G; ++j) a[j] = std::fma(hv, wh[k * G + j], a[j]);
    }
    for (int j = 0; j < G; ++j) {
      a[j] = (j >= 2 * H && j < 3 * H) ? fast_tanh(a[j]) : fast_sigmoid(a[j]);
    }
    for (int k = 0; k < H; ++k) {
      const float cv = std::fma(a[H + k], c_prev[n * H + k], a[k] * a[2 * H + k]);
      c[n * H + k] = cv;
      tc[n * H + k] = fast_tanh(cv);
      h[n * H + k] = a[3 * H + k] * tc[n * H + k];
    }
    for (int v = 0; v < 2; ++v) {
      float s = hb[v];
      for (int k = 0; k < H; ++k) s = std::fma(h[n * H + k], hw[k * 2 + v], s);
      pred[n * 2 + v] = s;
    }
  }
}

void scalar_backward_step(const Dims& d, const float* p, const ParamLayout& lay,
                          const StepIn& in, float* dh, float* dc, float* dg, float* grads,
                          bool need_dh) {
  const int C = d.n_in, H = d.hidden, G = d.gates();
  const float* wh = p + lay.wh;
  const float* hw = p + lay.head_w;
  float* dwx = grads + lay.wx;
  float* dwh = grads + lay.wh;
  float* db = grads + lay.b;
  float* dhw = grads + lay.head_w;
  float* dhb = grads + lay.head_b;
  for (int n = 0; n < d.n_seq; ++n) {
    const float* a = in.act + static_cast<std::size_t>(n) * G;
    float* g = dg + static_cast<std::size_t>(n) * G;
    const float dp0 = in.dpred[n * 2], dp1 = in.dpred[n * 2 + 1];
    for (int k = 0; k < H; ++k) {
      const int q = n * H + k;
      const float dhv = std::fma(dp1, hw[k * 2 + 1], std::fma(dp0, hw[k * 2], dh[q]));
      const float i = a[k], f = a[H + k], gg = a[2 * H + k], o = a[3 * H + k];
      const float t = in.tc[q];
      g[3 * H + k] = dhv * t * (o * (1.0f - o));
      const float dcv = std::fma(dhv * o, 1.0f - t * t, dc[q]);
      g[k] = dcv * gg * (i * (1.0f - i));
      g[2 * H + k] = dcv * i * (1.0f - gg * gg);
      g[H + k] = dcv * in.c_prev[q] * (f * (1.0f - f));
      dc[q] = dcv * f;
    }
    for (int v = 0; v < 2; ++v) {
      const float dpv = in.dpred[n * 2 + v];
      for (int k = 0; k < H; ++k) dhw[k * 2 + v] = std::fma(dpv, in.h[n * H + k], dhw[k * 2 + v]);
      dhb[v] += dpv;
    }
  }
  for (int n = 0; n < d.n_seq; ++n) {
    const float* g = dg + static_cast<std::size_t>(n) * G;
    if (need_dh) {
      for (int k = 0; k < H; ++k) {
        float s = 0.0f;
        for (int j = 0; j < G; ++j) s = std::fma(g[j], wh[k * G + j], s);
        dh[n * H + k] = s;
      }
    }
    for (int k = 0; k < C; ++k)
      for (int j = 0; j < G; ++j) dwx[k * G + j] = std::fma(in.x[n * C + k], g[j], dwx[k * G + j]);
    for (int k = 0; k < H; ++k)
      for (int j = 0; j < G; ++j)
        dwh[k * G + j] = std::fma(in.h_prev[n * H + k], g[j], dwh[k * G + j]);
    for (int j = 0; j < G; ++j) db[j] += g[j];
  }
}

}  // namespace mtl::lockstep::detail
