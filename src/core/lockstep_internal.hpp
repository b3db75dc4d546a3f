#pragma once
// Private step kernels of the lockstep trainer (one model, one time step).
#include "mtl/lockstep.hpp"

namespace mtl::lockstep::detail {

/// Inputs of one backward step t of one model (all row-major over N rows).
struct StepIn {
  const float* x;       // [N, C] x_t
  const float* h_prev;  // [N, H] h_{t-1} (zeros at t = 0)
  const float* c_prev;  // [N, H] c_{t-1} (zeros at t = 0)
  const float* act;     // [N, 4H] activated gates of step t
  const float* tc;      // [N, H] tanh(c_t)
  const float* h;       // [N, H] h_t
  const float* dpred;   // [N, 2] dL/dpred_t
};

// Scalar path (lockstep_scalar.cpp).
void scalar_forward_step(const Dims& d, const float* p, const ParamLayout& lay, const float* x_t,
                         const float* h_prev, const float* c_prev, float* act, float* c,
                         float* tc, float* h, float* pred);
/// Accumulates into grads; dh/dc: in = gradient from step t+1, out = to step t-1
/// (dh only when need_dh). dg: [N, 4H] scratch.
void scalar_backward_step(const Dims& d, const float* p, const ParamLayout& lay,
                          const StepIn& in, float* dh, float* dc, float* dg, float* grads,
                          bool need_dh);

// AVX-512 path (lockstep_kernels.cpp); only called when vector_path(H).
void avx_forward_step(const Dims& d, const float* p, const ParamLayout& lay, const float* x_t,
                      const float* h_prev, const float* c_prev, float* act, float* c, float* tc,
                      float* h, float* pred, Scratch& s);
/// s.whT and s.hwT must hold the transposed kernels; s.dhwT accumulates the
/// transposed head gradient (copied into grads by the caller at the end).
void avx_backward_step(const Dims& d, const float* p, const ParamLayout& lay, const StepIn& in,
                       float* grads, bool need_dh, Scratch& s);

}  // namespace mtl::lockstep::detail
