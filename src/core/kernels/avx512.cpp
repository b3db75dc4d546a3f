// The AVX-512 variant of our LSTM kernels (compiled with -march=x86-64-v4 in this
// unit only; chosen at run time by dispatch.cpp). lstm_impl.hpp holds the kernels;
// this file adds the one product that has an AVX-512-only form (dh for H = 20).
#include <cstddef>
#include <immintrin.h>

#include "constants.hpp"
#include "mtl/kernels.hpp"

// GCC 12 warns inside its own avx512fintrin.h (_mm512_undefined_ps in the masked
// intrinsics), a known false positive; keep the build output clean.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace mtl::kernels {
namespace {

#include "simd_avx512.hpp"
#include "lstm_impl.hpp"

// dh = dg wh^T for H = 20 without the idle lanes of dh_block<R, 2> (whose
// second vector holds only H - 16 <= 4 columns): each row keeps one full vector for
// columns [0, 16), and the tails [16, H) of 4 rows share ONE vector (lanes 4q + c:
// row q, column 16 + c). That vector's multiplier dg[row q, j] per 4-lane group
// comes from a permute of the 4 x 4 block dg[rows, j0 .. j0 + 3], its weights from
// whT[j, 16 .. 19] broadcast to the four groups (lanes >= H - 16 of a group are
// never stored). 5 FMAs per 4 rows and j instead of 8. Every element is still the
// fma chain over j = 0, 1, .. from 0, so the values equal dh_block's bit for bit.
// Kernel column of parameter column j (gate j / H, unit j % H; layout in lstm_impl.hpp).
inline int gate_col4(int H, int j) {
  const int q = j / H, k = j % H, Hf = full_units(H);
  return k < Hf ? 4 * (k - k % L) + q * L + k % L : 4 * Hf + q * (H - Hf) + (k - Hf);
}

template <int Q>  // Q quads = 4 Q rows
void dh_quads(int H, int Hp, int G, const float* dg, int ldg, const float* whT, float* dh) {
  constexpr int R = 4 * Q;
  __m512 am[R], at[Q];
  for (int r = 0; r < R; ++r) am[r] = _mm512_setzero_ps();
  for (int q = 0; q < Q; ++q) at[q] = _mm512_setzero_ps();
  const __m512i idx0 = _mm512_set_epi32(12, 12, 12, 12, 8, 8, 8, 8, 4, 4, 4, 4, 0, 0, 0, 0);
  for (int j0 = 0; j0 < G; j0 += 4) {
    // Kernel column of parameter columns j0 .. j0 + 3 (contiguous there: H % 4 == 0).
    const int jk = gate_col4(H, j0);
    __m512 blk[Q];  // lanes 4 q' + jj: dg[row 4 q + q', j0 + jj]
    for (int q = 0; q < Q; ++q) {
      const float* d0 = dg + 4 * q * ldg + jk;
      __m512 b = _mm512_castps128_ps512(_mm_loadu_ps(d0));
      b = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + ldg), 1);
      b = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + 2 * ldg), 2);
      blk[q] = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + 3 * ldg), 3);
    }
    for (int jj = 0; jj < 4; ++jj) {
      const int j = j0 + jj;
      const __m512 w = _mm512_loadu_ps(whT + j * Hp);
      const __m512 wt = _mm512_broadcast_f32x4(_mm_loadu_ps(whT + j * Hp + 16));
      const __m512i idx = _mm512_add_epi32(idx0, _mm512_set1_epi32(jj));
      for (int r = 0; r < R; ++r) am[r] = _mm512_fmadd_ps(_mm512_set1_ps(dg[r * ldg + jk + jj]), w, am[r]);
      for (int q = 0; q < Q; ++q) at[q] = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx, blk[q]), wt, at[q]);
    }
  }
  const __mmask8 mt = static_cast<__mmask8>((1u << (H - 16)) - 1u);
  for (int r = 0; r < R; ++r) _mm512_storeu_ps(dh + r * Hp, am[r]);
  for (int q = 0; q < Q; ++q) {
    float* o = dh + 4 * q * Hp + 16;
    _mm_mask_storeu_ps(o, mt, _mm512_extractf32x4_ps(at[q], 0));
    _mm_mask_storeu_ps(o + Hp, mt, _mm512_extractf32x4_ps(at[q], 1));
    _mm_mask_storeu_ps(o + 2 * Hp, mt, _mm512_extractf32x4_ps(at[q], 2));
    _mm_mask_storeu_ps(o + 3 * Hp, mt, _mm512_extractf32x4_ps(at[q], 3));
  }
}

// Blocks of 8 rows, then the last rows as a block ending at row N (it may overlap
// the previous block: overlapping rows are recomputed to the same values), so no
// latency-bound short remainder. H = 20 only: the j0 loop needs every 4 parameter
// columns j0 .. j0 + 3 in one gate and contiguous in the kernel layout (H % 4 == 0).
bool S::dh_special(const View& v) {
  if (v.H != 20 || v.N < 4) return false;
  const int N = v.N, H = v.H, Hp = v.Hp, G = 4 * H, ldg = v.Gp;
  const float* dg = v.dg;
  int n = 0;
  for (; n + 8 <= N; n += 8) dh_quads<2>(H, Hp, G, dg + n * ldg, ldg, v.whT, v.dh + n * Hp);
  if (n == N) return true;
  if (N - n > 4 && N >= 8) {
    n = N - 8;
    dh_quads<2>(H, Hp, G, dg + n * ldg, ldg, v.whT, v.dh + n * Hp);
  } else {
    if (N - n > 4) dh_quads<1>(H, Hp, G, dg + n * ldg, ldg, v.whT, v.dh + n * Hp);  // 4 < N < 8
    n = N - 4;
    dh_quads<1>(H, Hp, G, dg + n * ldg, ldg, v.whT, v.dh + n * Hp);
  }
  return true;
}

}  // namespace

extern const Variant kAvx512Variant = {Isa::avx512, S::L, &forward_train, &forward_predict, &backward};

}  // namespace mtl::kernels
