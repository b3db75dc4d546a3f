#pragma once
// Our own LSTM kernels (the `kernels` backend), compiled once per instruction set
// in their own translation units (src/core/kernels/) and chosen once at start
// from the CPU's features, capped by the environment variable MTL_MAX_ISA
// (avx512 | avx2 | generic), like oneDNN's ONEDNN_MAX_CPU_ISA.
//
// Equations (PyTorch/oneDNN LSTM, gate order i, f, g = c~, o; params.hpp layout):
//   a_t = x_t wx + h_{t-1} wh + b             [N, 4H]
//   i = sig(a_i), f = sig(a_f), g = tanh(a_g), o = sig(a_o)
//   c_t = f c_{t-1} + i g,   h_t = o tanh(c_t),   pred_t = h_t head_w + head_b   [N, 2]
//
// Every function works on ONE model with an operation order fixed by the shape
// (C, H, N, T) and the ISA variant: a run's numbers never depend on which other
// runs a rank trains, so results are bit-identical for any rank count. Variants
// differ from each other only at rounding level (tests/unit/kernels_test.cpp).
//
// The view below carries raw pointers only: the per-ISA units include nothing
// that defines inline or template code shared with the rest of the program, so
// the linker can never pick an AVX-512 copy of a function for baseline code.
#include <cstddef>

#include "mtl/params.hpp"

namespace mtl::kernels {

enum class Isa { generic = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);

/// One model on one sequence set. Widths padded to the variant's lanes:
/// Gp = roundup(4H, lanes), Hp = roundup(H, lanes). Buffers are owned by the
/// caller (KernelLstm in backend_kernels.cpp) and sized by buffer sizes below.
struct View {
  int C = 0, H = 0, N = 0, T = 0;  // inputs, hidden units, rows (sequences), steps
  int Gp = 0, Hp = 0;
  ParamLayout lay;
  const float* params = nullptr;  // flat layout (params.hpp)
  const float* x = nullptr;       // [T, N, C]
  float* pred = nullptr;          // [T, N, 2]
  // Rows that matter (KernelLstm's row plan, backend_kernels.cpp). rows[t] = the rows
  // [0, rows[t]) computed at step t (non-increasing in t; 0 ends the pass); nullptr =
  // all N rows at every step. Rows are independent, so a computed row has the same
  // values as in the full pass; the predictions of the rows left out are not written.
  const int* rows = nullptr;
  // The caller's row of kernel row n in pred and dpred is src[n] (x is already in
  // kernel order); nullptr = row n.
  const int* src = nullptr;
  // Backward only: brows[t] = the rows [0, brows[t]) whose gradient may be non-zero
  // at step t (a dpred at t or later; non-increasing, <= rows[t]); nullptr = all N.
  // ord[t] = those rows in the caller's row order (src ascending), so every sum over
  // rows (dW, db, the heads) adds the same terms in the same order as the full
  // pass; nullptr = kernel order. Set exactly when src is (the backward reads src
  // only with ord).
  const int* brows = nullptr;
  const int* const* ord = nullptr;
  // Tape (training: T steps; inference: 2 rolling steps for c and h, 1 for act/tc).
  float* act = nullptr;           // [T, N, Gp] activated gates i, f, g, o (kernel column
                                  // order: chunks of `lanes` units, lstm_impl.hpp)
  float* c = nullptr;             // [T, N, H] cell state
  float* tc = nullptr;            // [T, N, H] tanh(c)
  float* h = nullptr;             // [T, N, H] hidden state
  // Scratch.
  float* zeros = nullptr;         // [N * max(H, C)] zero state h_{-1}, c_{-1}
  float* wp = nullptr;            // [(C + H + 1), Gp] padded copy of wx, wh, b (kernel columns)
  float* hwT = nullptr;           // [2, Hp] transposed head kernel, zero padded
  // Backward only.
  const float* dpred = nullptr;   // [T, N, 2] dL/dpred
  float* grads = nullptr;         // flat layout, OVERWRITTEN with dL/dparams
  float* whT = nullptr;           // [Gp, Hp] transposed recurrent kernel, zero padded
  float* dg = nullptr;            // [kDwStepsMax, N, Gp] gate gradients of the last steps
                                  // (kernels/constants.hpp; padding stays 0)
  float* dh = nullptr;            // [N, Hp] dL/dh flowing to step t-1
  float* dc = nullptr;            // [N, Hp] dL/dc flowing to step t-1
  float* dwp = nullptr;           // [(C + H + 1), Gp] padded weight and bias gradients
  float* dhwT = nullptr;          // [2, Hp] transposed head-kernel gradient
};

/// The entry points of one ISA variant.
struct Variant {
  Isa isa;
  int lanes;  // floats per vector register
  void (*forward_train)(const View& v);    // x -> tape, pred
  void (*forward_predict)(const View& v);  // x -> pred (rolling state in the tape buffers)
  void (*backward)(const View& v);         // tape, dpred -> grads
};

/// The variants compiled into this binary, e.g. "avx512 avx2 generic".
const char* built_variants();
/// Best variant the CPU supports (cpuid and OS register state).
Isa detected_isa();
/// The cap from MTL_MAX_ISA (unset: avx512). Throws ConfigError on another value.
Isa isa_cap_from_env();
/// min(detected, cap), decided once per process (first call).
const Variant& selected_variant();
/// A specific variant (tests and benchmarks); throws when the CPU lacks it.
const Variant& variant(Isa isa);

/// Buffer sizes (floats) of View for a shape and lane count.
struct Sizes {
  int Gp = 0, Hp = 0;
  std::size_t act = 0, state = 0, zeros = 0, wp = 0, hwT = 0, whT = 0, dg = 0, dh = 0;
};
Sizes sizes(int C, int H, int N, int steps, int lanes);

/// Multiply-add count of one forward_train + backward (2 FLOP each), for the
/// benchmark's FLOP/s: gates 2*T*N*(C+H)*4H, dh 2*T*N*4H*H, dW 2*T*N*(C+H)*4H,
/// heads 2*2*T*N*H*2 (forward and backward).
double train_flops(int C, int H, int N, int steps);

/// Scalar definition of the fast exp the kernels use (Cody-Waite reduction and the
/// degree-5 Cephes expf polynomial, scaled by 2^n): max relative error vs std::exp
/// on [-87, 88] about 2 ulp. The vector variants compute the same formula.
float fast_exp(float x);

}  // namespace mtl::kernels
