// Choosing and describing the LSTM backend (backend.hpp).
#include "mtl/backend.hpp"

#include "mtl/kernels.hpp"
#include "mtl/version.hpp"

namespace mtl {

std::string NumericPath::text() const {
  return std::string(backend == BackendKind::kernels ? "kernels " : "onednn ") + isa + " (" +
         variant + ")";
}

namespace {

NumericPath kernels_path() {
  const kernels::Variant& v = kernels::selected_variant();
  return {BackendKind::kernels, kernels::isa_name(v.isa), std::to_string(v.lanes) + " lanes"};
}

NumericPath onednn_path() { return {BackendKind::onednn, onednn_isa(), "oneDNN " + onednn_version()}; }

}  // namespace

std::unique_ptr<LstmBackend> make_onednn_backend(int n_in, int hidden, int seq_len);
std::unique_ptr<LstmBackend> make_kernels_backend(int n_in, int hidden, int seq_len);

std::unique_ptr<LstmBackend> make_backend(BackendKind kind, int n_in, int hidden, int seq_len) {
  return kind == BackendKind::kernels ? make_kernels_backend(n_in, hidden, seq_len)
                                      : make_onednn_backend(n_in, hidden, seq_len);
}

NumericPath numeric_path(BackendChoice choice) {
  // auto = the AVX kernels where the CPU has AVX2 (measured 1.6x faster than
  // oneDNN's LSTM at H = 64 and 3-5x at H = 20, on AVX-512 and on AVX2); else
  // oneDNN, whose own JIT code matched the generic kernels at H = 20 and was 1.6x
  // faster at H = 64 with AVX (docs/backends.md).
  if (choice == BackendChoice::onednn) return onednn_path();
  if (choice == BackendChoice::kernels) return kernels_path();
  const NumericPath k = kernels_path();
  return k.isa == "generic" ? onednn_path() : k;
}

std::string numeric_paths_summary() {
  return "backend kernels: " + kernels_path().isa + " (built: " + kernels::built_variants() +
         "; this CPU: up to " + kernels::isa_name(kernels::detected_isa()) +
         "; cap: MTL_MAX_ISA)\nbackend onednn: " + onednn_isa() + " (oneDNN " + onednn_version() + " " +
         onednn_hash() + "; cap: ONEDNN_MAX_CPU_ISA)\nbackend = auto: " +
         numeric_path(BackendChoice::automatic).text();
}

}  // namespace mtl
