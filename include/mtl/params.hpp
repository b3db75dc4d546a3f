#pragma once
// One flat parameter buffer per model, and one gradient buffer of the same
// layout, with named views (llm.c style). The LSTM weights are stored in
// oneDNN's user layouts so the primitive reads them without a reorder when it
// accepts ldigo/ldgo:
//   wx     [C, 4H]  input kernel     (ldigo with L = D = 1; gates i, f, g(c~), o)
//   wh     [H, 4H]  recurrent kernel (ldigo)
//   b      [4H]     bias             (ldgo)
//   head_w [H, 2]   heads: column 0 primary, column 1 auxiliary
//   head_b [2]
// PyTorch nn.LSTM naming for traces: weight_ih_l0 = wx^T [4H, C],
// weight_hh_l0 = wh^T [4H, H], bias_ih_l0 = b, bias_hh_l0 = 0, head_weight = head_w^T.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtl {

constexpr int kNumGates = 4;  // i, f, g (cell candidate, c~), o: oneDNN and PyTorch order

struct ParamLayout {
  int n_in = 0;    // C
  int hidden = 0;  // H
  std::size_t wx = 0, wh = 0, b = 0, head_w = 0, head_b = 0;  // offsets in floats
  std::size_t total = 0;
};

ParamLayout make_param_layout(int n_in, int hidden);

/// A flat buffer as PyTorch's nn.LSTM(C, H) tensors plus the heads, row-major,
/// gate order i, f, g, o: weight_ih_l0 [4H, C], weight_hh_l0 [4H, H],
/// bias_ih_l0 [4H] (our one combined bias), bias_hh_l0 [4H] zeros,
/// head_weight [2, H] (row 0 primary), head_bias [2]. Used by the trace and
/// the results file's saved weights.
struct TorchParams {
  std::vector<float> weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, head_weight, head_bias;
};
TorchParams torch_params(const float* params, const ParamLayout& layout);

/// Keras initialisation: wx Glorot-uniform (fan_in C, fan_out 4H), wh orthogonal
/// (Keras Orthogonal on the [H, 4H] kernel), b = 0 except forget gate = 1,
/// head_w Glorot-uniform per head (fan_in H, fan_out 1), head_b = 0.
/// Random numbers come from a counter-based generator keyed only by
/// (seed, tensor, element), so a seed gives the same weights for every lambda
/// and site. Seed 0 is a real seed.
void init_params(float* params, const ParamLayout& layout, int seed);

}  // namespace mtl
