// The AVX2 + FMA variant of our LSTM kernels (compiled with -march=x86-64-v3 in
// this unit only; chosen at run time by dispatch.cpp). Kernels: lstm_impl.hpp.
#include <cstddef>
#include <immintrin.h>

#include "constants.hpp"
#include "mtl/kernels.hpp"

namespace mtl::kernels {
namespace {

#include "no_special.hpp"
#include "simd_avx2.hpp"
#include "lstm_impl.hpp"

}  // namespace

extern const Variant kAvx2Variant = {Isa::avx2, S::L, &forward_train, &forward_predict, &backward};

}  // namespace mtl::kernels
