// Sequence-level forward/backward of one model (see lockstep.hpp): loops the
// step kernels over t and picks the AVX-512 or the scalar path by shape.
#include <algorithm>
#include <cstring>

#include "lockstep_internal.hpp"

namespace mtl::lockstep {

namespace {

void transpose_heads(const Dims& d, const float* p, const ParamLayout& lay, Scratch& s) {
  const int H = d.hidden;
  for (int k = 0; k < H; ++k)
    for (int v = 0; v < 2; ++v) s.hwT[static_cast<std::size_t>(v * H + k)] = p[lay.head_w + k * 2 + v];
}

void step(const Dims& d, const float* p, const ParamLayout& lay, const float* x_t,
          const float* hp, const float* cp, float* act, float* c, float* tc, float* h,
          float* pred, Scratch& s) {
#if defined(__AVX512F__)
  if (vector_path(d.hidden)) {
    detail::avx_forward_step(d, p, lay, x_t, hp, cp, act, c, tc, h, pred, s);
    return;
  }
#endif
  detail::scalar_forward_step(d, p, lay, x_t, hp, cp, act, c, tc, h, pred);
}

}  // namespace

void forward_train(const Dims& d, int steps, const float* params, const ParamLayout& lay,
                   const float* x, Tape& tape, float* pred, Scratch& s) {
  transpose_heads(d, params, lay, s);
  const std::size_t rows = static_cast<std::size_t>(d.n_seq);
  const std::size_t sx = rows * d.n_in, sh = rows * d.hidden, sg = rows * d.gates();
  for (int t = 0; t < steps; ++t) {
    const float* hp = t > 0 ? tape.h.data() + (t - 1) * sh : s.zeros.data();
    const float* cp = t > 0 ? tape.c.data() + (t - 1) * sh : s.zeros.data();
    step(d, params, lay, x + t * sx, hp, cp, tape.act.data() + t * sg, tape.c.data() + t * sh,
         tape.tc.data() + t * sh, tape.h.data() + t * sh, pred + t * rows * 2, s);
  }
}

void forward_predict(const Dims& d, int steps, const float* params, const ParamLayout& lay,
                     const float* x, float* pred, Scratch& s) {
  transpose_heads(d, params, lay, s);
  const std::size_t rows = static_cast<std::size_t>(d.n_seq);
  const std::size_t sx = rows * d.n_in;
  std::fill(s.h0.begin(), s.h0.end(), 0.0f);
  std::fill(s.c0.begin(), s.c0.end(), 0.0f);
  float *hp = s.h0.data(), *cp = s.c0.data(), *hn = s.h1.data(), *cn = s.c1.data();
  for (int t = 0; t < steps; ++t) {
    step(d, params, lay, x + t * sx, hp, cp, s.act1.data(), cn, s.tc1.data(), hn,
         pred + t * rows * 2, s);
    std::swap(hp, hn);
    std::swap(cp, cn);
  }
}

void backward(const Dims& d, int steps, const float* params, const ParamLayout& lay,
              const float* x, const Tape& tape, const float* dpred, float* grads, Scratch& s) {
  const int H = d.hidden, G = d.gates();
  std::fill(grads, grads + lay.total, 0.0f);
  std::fill(s.dh.begin(), s.dh.end(), 0.0f);
  std::fill(s.dc.begin(), s.dc.end(), 0.0f);
  std::fill(s.dhwT.begin(), s.dhwT.end(), 0.0f);
  transpose_heads(d, params, lay, s);
  for (int j = 0; j < G; ++j)
    for (int k = 0; k < H; ++k) s.whT[static_cast<std::size_t>(j * H + k)] = params[lay.wh + k * G + j];
  const bool vec = vector_path(H);
  const std::size_t rows = static_cast<std::size_t>(d.n_seq);
  const std::size_t sx = rows * d.n_in, sh = rows * H, sg = rows * G;
  for (int t = steps - 1; t >= 0; --t) {
    detail::StepIn in;
    in.x = x + t * sx;
    in.h_prev = t > 0 ? tape.h.data() + (t - 1) * sh : s.zeros.data();
    in.c_prev = t > 0 ? tape.c.data() + (t - 1) * sh : s.zeros.data();
    in.act = tape.act.data() + t * sg;
    in.tc = tape.tc.data() + t * sh;
    in.h = tape.h.data() + t * sh;
    in.dpred = dpred + t * rows * 2;
#if defined(__AVX512F__)
    if (vec) {
      detail::avx_backward_step(d, params, lay, in, grads, t > 0, s);
      continue;
    }
#endif
    detail::scalar_backward_step(d, params, lay, in, s.dh.data(), s.dc.data(), s.dg.data(),
                                 grads, t > 0);
  }
  if (vec) {
    for (int k = 0; k < H; ++k)
      for (int v = 0; v < 2; ++v) grads[lay.head_w + k * 2 + v] = s.dhwT[static_cast<std::size_t>(v * H + k)];
  }
}

}  // namespace mtl::lockstep
