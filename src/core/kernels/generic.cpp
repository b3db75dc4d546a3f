// The portable variant of our LSTM kernels: the target's baseline instruction set
// (SSE2 on x86-64), GCC vector extensions. Used where no AVX variant applies or
// when MTL_MAX_ISA=generic. Kernels: lstm_impl.hpp.
#include <cstddef>

#include "constants.hpp"
#include "mtl/kernels.hpp"

namespace mtl::kernels {
namespace {

#include "no_special.hpp"
#include "simd_generic.hpp"
#include "lstm_impl.hpp"

}  // namespace

extern const Variant kGenericVariant = {Isa::generic, S::L, &forward_train, &forward_predict, &backward};

}  // namespace mtl::kernels
