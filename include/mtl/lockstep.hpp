#pragma once
// Internals of the lockstep trainer (train_group in train.hpp): per-model LSTM
// forward/backward kernels written for a group of models that share one data set.
//
// Determinism: every function here works on ONE model, with a fixed operation
// order that depends only on the model's shape (C, H, N, T), never on how many
// models share a group or where a model sits in it. The group loop only decides
// *when* a model's kernels run, so a run's numbers are bit-identical for any
// group size G and position (tests/unit/lockstep_test.cpp proves it).
//
// Equations (PyTorch/oneDNN LSTM, gate order i, f, g = c~, o; params.hpp layout):
//   a_t = x_t wx + h_{t-1} wh + b             [N, 4H]
//   i = sig(a_i), f = sig(a_f), g = tanh(a_g), o = sig(a_o)
//   c_t = f c_{t-1} + i g,   h_t = o tanh(c_t),   pred_t = h_t head_w + head_b   [N, 2]
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/data.hpp"
#include "mtl/grid.hpp"
#include "mtl/params.hpp"
#include "mtl/train.hpp"

namespace mtl::lockstep {

/// Shapes of one model on one sequence set.
struct Dims {
  int n_in = 0;    // C
  int hidden = 0;  // H
  int n_seq = 0;   // N (rows of every step)
  int gates() const { return kNumGates * hidden; }
};

/// True when the AVX-512 kernels are compiled in and support this hidden size
/// (4H <= 96); otherwise a scalar path with the same equations is used.
bool vector_path(int hidden);

/// Fast exp used by both paths' sigmoid/tanh (Cody-Waite reduction + degree-5
/// Cephes-style polynomial, scaled by 2^n). Max relative error vs std::exp on
/// [-87, 88]: about 2 ulp (measured in lockstep_test).
float fast_exp(float x);
/// sig(x) = 1 / (1 + fast_exp(-x)); tanh(x) = 2 sig(2x) - 1 (absolute error
/// about 1.5e-7 near 0: the cancellation costs relative, not absolute, accuracy).
float fast_sigmoid(float x);
float fast_tanh(float x);

/// Forward activations of one model over T steps, kept for the backward pass.
struct Tape {
  int steps = 0;
  std::vector<float> act;  // [T, N, 4H] activated gates i, f, g, o
  std::vector<float> c;    // [T, N, H] cell state
  std::vector<float> tc;   // [T, N, H] tanh(c)
  std::vector<float> h;    // [T, N, H] hidden state
  void resize(int t, const Dims& d);
};

/// Scratch buffers of one worker (reused by every model of a group, no
/// allocation in the epoch loop).
struct Scratch {
  std::vector<float> dg;     // [N, 4H padded to 16] gate gradients of one step
  std::vector<float> dh, dc; // [N, H] gradients flowing to step t-1
  std::vector<float> zeros;  // [N, max(H, C)] zero state h_{-1}, c_{-1}
  std::vector<float> whT;    // [4H, H] (+ 4 padding) transposed recurrent kernel
  std::vector<float> hwT;    // [2, H] transposed head kernel
  std::vector<float> dhwT;   // [2, H] head-kernel gradient, transposed
  std::vector<float> h0, c0, h1, c1;  // [N, H] rolling state for inference
  std::vector<float> act1, tc1;       // [N, 4H], [N, H] inference step outputs
  void resize(const Dims& d);
};

/// Forward pass for training: x [T, N, C] -> tape, pred [T, N, 2].
void forward_train(const Dims& d, int steps, const float* params, const ParamLayout& lay,
                   const float* x, Tape& tape, float* pred, Scratch& s);

/// Inference forward (no tape): x [T, N, C] -> pred [T, N, 2].
void forward_predict(const Dims& d, int steps, const float* params, const ParamLayout& lay,
                     const float* x, float* pred, Scratch& s);

/// Backpropagation through time. dpred [T, N, 2] = dL/dpred. OVERWRITES grads
/// (flat layout of params.hpp) with dL/dparams.
void backward(const Dims& d, int steps, const float* params, const ParamLayout& lay,
              const float* x, const Tape& tape, const float* dpred, float* grads, Scratch& s);

/// Multiply-add count of one forward_train + backward (2 FLOP each), for the
/// benchmark's FLOP/s: gates 2*T*N*(C+H)*4H, dh 2*T*N*4H*H, dW 2*T*N*(C+H)*4H,
/// heads 2*2*T*N*H*2 (forward and backward).
double train_flops(const Dims& d, int steps);
/// FLOP of one forward_predict.
double predict_flops(const Dims& d, int steps);

/// Group size used when cfg.train.group == 0 (chosen by measurement, README "Performance").
int default_group_size();

/// train_group without the single-run fallback: trains `runs` in chunks of
/// cfg.train.group (0 = default_group_size()) models; evaluate = false skips the
/// metrics (tests, benchmarks). final_params (nullable) receives each run's final
/// flat parameters, in run order.
std::vector<RunResult> train_group_models(const std::vector<RunSpec>& runs, const SiteData& data,
                                          const Config& cfg, bool evaluate,
                                          std::vector<std::vector<float>>* final_params);

}  // namespace mtl::lockstep
