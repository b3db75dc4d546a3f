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
//
// R rows (4 <= R <= 16) in one block: R full-vector accumulators and Q = ceil(R / 4)
// tail vectors (a last quad with fewer than 4 rows loads zeros for the missing
// ones and stores only its rows). 12 + 13 rows for N = 25 is 32 FMAs per j, against
// 35 for 8 + 8 + 8 + 4 (the last a 5-accumulator block whose 80-deep chains ran
// latency-bound: 3.3 % of the kernels' time for 4 rows, 17 % for the other 24).
// The shape is fixed (H = 20: Gp = 80 dg columns, Hp = 32 dh columns), so every
// dg and dh access is one base register plus a constant: with run-time strides GCC
// 12 kept R row pointers, spilled them to vector registers and divided by H for
// each kernel column, about 70 integer instructions per 4 j beside 60 FMAs.
constexpr int kH = 20, kGp = 80, kHp = 32;

template <int R>
void dh_rows(const float* dg, const float* whT, float* dh) {
  constexpr int Q = (R + 3) / 4, ldg = kGp, Hp = kHp, H = kH;
  __m512 am[R], at[Q];
  for (int r = 0; r < R; ++r) am[r] = _mm512_setzero_ps();
  for (int q = 0; q < Q; ++q) at[q] = _mm512_setzero_ps();
  const __m512i idx0 = _mm512_set_epi32(12, 12, 12, 12, 8, 8, 8, 8, 4, 4, 4, 4, 0, 0, 0, 0);
  // Parameter columns j0 = 20 q + 4 m .. j0 + 3 (gate q, units 4 m .. 4 m + 3) sit
  // contiguous at kernel column jk: 16 q + 4 m for m < 4, the tail 64 + 4 q for m = 4
  // (layout in lstm_impl.hpp), in the same order j = 0, 1, .. as before.
  for (int j0 = 0, q4 = 0; q4 < 4; ++q4)
  for (int m = 0; m < 5; ++m, j0 += 4) {
    const int jk = m < 4 ? 16 * q4 + 4 * m : 64 + 4 * q4;
    __m512 blk[Q];  // lanes 4 q' + jj: dg[row 4 q + q', j0 + jj] (0 past row R - 1)
    for (int q = 0; q < Q; ++q) {
      const float* d0 = dg + 4 * q * ldg + jk;
      __m512 b = _mm512_zextps128_ps512(_mm_loadu_ps(d0));  // rows past R - 1 read 0
      if (4 * q + 1 < R) b = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + ldg), 1);
      if (4 * q + 2 < R) b = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + 2 * ldg), 2);
      if (4 * q + 3 < R) b = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + 3 * ldg), 3);
      blk[q] = b;
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
    if (4 * q + 1 < R) _mm_mask_storeu_ps(o + Hp, mt, _mm512_extractf32x4_ps(at[q], 1));
    if (4 * q + 2 < R) _mm_mask_storeu_ps(o + 2 * Hp, mt, _mm512_extractf32x4_ps(at[q], 2));
    if (4 * q + 3 < R) _mm_mask_storeu_ps(o + 3 * Hp, mt, _mm512_extractf32x4_ps(at[q], 3));
  }
}

// Blocks of 12 rows while more than 16 are left, then the rest (4 to 16 rows) as one
// block: N = 25 is 12 + 13. No latency-bound short block and no row computed twice.
// H = 20 only: the j0 loop needs every 4 parameter columns j0 .. j0 + 3 in one gate
// and contiguous in the kernel layout (H % 4 == 0).
// f(Int<R>{}) for rows = R .. 15 (R from 4), Int<16> for 16 or more.
template <int R, class F>
void with_rows(int rows, F&& f) {
  if constexpr (R < 16) {
    if (rows != R) return with_rows<R + 1>(rows, f);
  }
  f(Int<R>{});
}

bool S::dh_special(const View& v) {
  if (v.H != kH || v.Gp != kGp || v.Hp != kHp || v.N < 4) return false;
  const int N = v.N;
  int n = 0;
  for (; N - n > 16; n += 12) dh_rows<12>(v.dg + n * kGp, v.whT, v.dh + n * kHp);
  with_rows<4>(N - n, [&](auto r) {
    dh_rows<decltype(r)::value>(v.dg + n * kGp, v.whT, v.dh + n * kHp);
  });
  return true;
}

}  // namespace

extern const Variant kAvx512Variant = {Isa::avx512, S::L, &forward_train, &forward_predict, &backward};

}  // namespace mtl::kernels
