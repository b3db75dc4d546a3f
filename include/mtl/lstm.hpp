#pragma once
// One LSTM layer + two linear heads on oneDNN 2.6 primitives, for one shape.
// No oneDNN type appears here (pimpl): the numerics headers stay free of it.
//
//   x    [T, N, C]  time-major inputs (oneDNN `tnc`)
//   h    [T, N, H]  hidden states, zero initial h and c
//   pred [T, N, 2]  pred[t,n,k] = sum_h h[t,n,h] head_w[h,k] + head_b[k]
//
// Parameters and gradients live in the flat buffers of params.hpp (wx, wh in
// ldigo, b in ldgo, gates i, f, g, o). Descriptors, primitives, workspace and
// memories are built once per shape in the constructor; forward/backward only
// execute. Every shape used by the process is cached (lstm_net()), so the
// thousands of runs a rank trains reuse the same primitives.
#include <cstddef>
#include <memory>

#include "mtl/params.hpp"

namespace mtl {

struct LstmShape {
  int seq_len = 0;  // T
  int batch = 0;    // N
  int n_in = 0;     // C
  int hidden = 0;   // H
  bool operator<(const LstmShape& o) const;
  bool operator==(const LstmShape& o) const;
};

enum class LstmMode { training, inference };

class LstmNet {
 public:
  LstmNet(const LstmShape& shape, LstmMode mode);
  ~LstmNet();
  LstmNet(const LstmNet&) = delete;
  LstmNet& operator=(const LstmNet&) = delete;

  const LstmShape& shape() const;
  LstmMode mode() const;

  /// Forward pass. params: flat buffer (make_param_layout(C, H)); x [T, N, C];
  /// pred [T, N, 2]. In training mode the workspace and h are kept for backward.
  void forward(const float* params, const float* x, float* pred);

  /// Backward pass of the last forward (training mode only). dpred [T, N, 2] =
  /// dL/dpred; grads: flat buffer of the params layout, OVERWRITTEN (not
  /// accumulated) with dL/dparams.
  void backward(const float* params, const float* dpred, float* grads);

  /// Hidden states of the last forward, [T, N, H].
  const float* hidden_states() const;

  /// Name of the weight layouts the primitives chose (for logs and tests),
  /// e.g. "fwd ldigo/ldigo, bwd ldgoi/ldgoi, diff ldigo/ldigo".
  const char* layout_summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The process-wide cached net of this shape and mode (created on first use).
/// One engine and stream serve the whole process. Not thread-safe: one training
/// thread per process (oneDNN itself may use OpenMP threads inside).
LstmNet& lstm_net(const LstmShape& shape, LstmMode mode);

/// Number of shapes currently cached (for tests).
std::size_t lstm_cache_size();

/// Set the OpenMP thread count oneDNN uses in this process ([train] threads; at
/// least 1). The one place the thread count is set: by the driver at start and by
/// the trainer before each training call.
void set_compute_threads(int threads);

}  // namespace mtl
