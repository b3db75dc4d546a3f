#pragma once
// The LSTM backend interface of the trainer (train.cpp): forward for training,
// backward and predict for ONE model of one shape. Two implementations:
//   onednn  - oneDNN's LSTM primitive (lstm.hpp): the reference, and the portable path;
//   kernels - our own kernels (kernels.hpp), compiled per ISA, chosen at start.
// `[train] backend = auto` takes the kernels where an AVX2 or AVX-512 variant runs
// on this CPU and oneDNN otherwise (measured: docs/backends.md). A backend keeps no state
// between calls that changes a number, so a run's results do not depend on the
// runs trained before it by the same backend object.
#include <cstddef>
#include <memory>
#include <string>

#include "mtl/config.hpp"
#include "mtl/kernels.hpp"

namespace mtl {

enum class BackendKind { onednn, kernels };

/// What computes the LSTM: backend, ISA and variant, as recorded in results files
/// and resume fingerprints (e.g. {kernels, "avx512", "16 lanes"} or
/// {onednn, "avx512_core", "oneDNN 2.6.3"}).
struct NumericPath {
  BackendKind backend = BackendKind::onednn;
  std::string isa;
  std::string variant;
  std::string text() const;  // "kernels avx512 (16 lanes)"
};

/// Resolve [train] backend for this process (auto -> kernels or onednn).
/// Throws ConfigError on a bad MTL_MAX_ISA.
NumericPath numeric_path(BackendChoice choice);

/// Both backends' paths on this machine, for --version and the grid banner.
std::string numeric_paths_summary();

class LstmBackend {
 public:
  virtual ~LstmBackend() = default;
  /// Training forward: x [T, n, C] -> pred [T, n, 2] (n <= the max batch given to
  /// make_backend), keeping what backward needs. len (optional, [n]): the loss reads
  /// row r's predictions at steps < len[r] only (up to its last observed target), so
  /// a backend may leave the later steps out (the kernels do when that saves more
  /// than 5 % of the work: pred there is then 0) and the next backward must get
  /// dpred = 0 there. Values at the steps computed are those of the full pass.
  virtual void forward(const float* params, const float* x, int n, float* pred,
                       const int* len = nullptr) = 0;
  /// Backward of the last forward: dpred [T, n, 2] -> grads (flat layout, OVERWRITTEN).
  virtual void backward(const float* params, const float* dpred, float* grads) = 0;
  /// Hidden states of the last training forward: row r of step t at
  /// h + (t n + (pos ? pos[r] : r)) H, for the steps it computed (t < len[r]).
  struct Hidden {
    const float* h = nullptr;  // [T, n, H]
    const int* pos = nullptr;  // [n] the backend's row of caller row r; nullptr = r
    int n = 0, H = 0;
    const float* at(int t, int r) const {
      return h + (static_cast<std::size_t>(t) * n + (pos ? pos[r] : r)) * H;
    }
  };
  virtual Hidden hidden() const = 0;
  /// Inference from zero state: x [steps, n, C] -> pred [steps, n, 2].
  virtual void predict(const float* params, const float* x, int steps, int n, float* pred) = 0;
  /// As predict, but row r needs only steps [0, len[r]) (len [n]; the validation
  /// pass of early stopping): a computed value equals predict's, the predictions
  /// left out may be left unwritten. Default: predict every row.
  virtual void predict_rows(const float* params, const float* x, int steps, int n,
                            const int* len, float* pred) {
    (void)len;
    predict(params, x, steps, n, pred);
  }
};

/// A backend for n_in inputs, `hidden` units and training sequences of seq_len steps.
std::unique_ptr<LstmBackend> make_backend(BackendKind kind, int n_in, int hidden, int seq_len);
/// The kernels backend on one given ISA variant (tests, benchmarks).
std::unique_ptr<LstmBackend> make_kernels_backend(kernels::Isa isa, int n_in, int hidden, int seq_len);

}  // namespace mtl
