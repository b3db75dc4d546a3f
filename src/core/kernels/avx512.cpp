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

// ---- cell update and heads of several rows at once -----------------------------
// Both keep every value of cells() and heads() (lstm_impl.hpp) bit for bit: the
// same operations on the same operands, only more rows per instruction.

// out[j] 128-bit lane r = in[r] 128-bit lane j (a 4 x 4 transpose of 4-float blocks).
inline void transpose4x4(const __m512* in, __m512* out) {
  const __m512 ab_lo = _mm512_shuffle_f32x4(in[0], in[1], 0x44);  // a0 a1 b0 b1
  const __m512 ab_hi = _mm512_shuffle_f32x4(in[0], in[1], 0xEE);  // a2 a3 b2 b3
  const __m512 cd_lo = _mm512_shuffle_f32x4(in[2], in[3], 0x44);
  const __m512 cd_hi = _mm512_shuffle_f32x4(in[2], in[3], 0xEE);
  out[0] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0x88);  // a0 b0 c0 d0
  out[1] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0xDD);  // a1 b1 c1 d1
  out[2] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0x88);
  out[3] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0xDD);
}

// Lanes 4 q + k = p[n[q] * stride + k] (q, k < 4), and back: 128-bit loads and
// inserts, extracts and stores (masked loads and stores were 2 % slower on Zen 5).
inline __m512 rows_load(const float* p, const int* n, int stride) {
  __m512 x = _mm512_zextps128_ps512(_mm_loadu_ps(p + n[0] * stride));
  x = _mm512_insertf32x4(x, _mm_loadu_ps(p + n[1] * stride), 1);
  x = _mm512_insertf32x4(x, _mm_loadu_ps(p + n[2] * stride), 2);
  return _mm512_insertf32x4(x, _mm_loadu_ps(p + n[3] * stride), 3);
}
inline void rows_store(float* p, const int* n, int stride, __m512 x) {
  _mm_storeu_ps(p + n[0] * stride, _mm512_castps512_ps128(x));
  _mm_storeu_ps(p + n[1] * stride, _mm512_extractf32x4_ps(x, 1));
  _mm_storeu_ps(p + n[2] * stride, _mm512_extractf32x4_ps(x, 2));
  _mm_storeu_ps(p + n[3] * stride, _mm512_extractf32x4_ps(x, 3));
}

constexpr int kRows4[4] = {0, 1, 2, 3};

// Cell update of 4 rows when H = 16 NF + 4 (H = 20: NF = 1). A row's NF full chunks
// are whole vectors as in cell_row_k; its 4-unit tail filled 4 of 16 lanes there (a
// whole tanh for 4 values), and here the tails of the 4 rows share one vector
// (lanes 4 q + k: row q, unit 16 NF + k): 4 NF + 1 tanh vectors for 4 rows instead
// of 4 NF + 4, all in lockstep (one tanh_k), so the cell pass is no longer a
// latency-bound chain per row. Gate layout (lstm_impl.hpp): a row's tail gates
// i, f, g, o are the 4 x 4 floats at column 64 NF (Gp = 4 H): 4 rows' tails are 4
// vectors, transposed into one vector per gate.
template <int NF>
void cell_rows4(int H, const float* act, const float* cp, float* c, float* tc, float* h) {
  constexpr int K = 4 * NF + 1;
  const int Gp = 4 * H, Hf = 16 * NF;
  __m512 cv[K], t[K];
  for (int q = 0; q < 4; ++q)
    for (int j = 0; j < NF; ++j) {
      const float* g = act + q * Gp + 64 * j;
      cv[q * NF + j] = S::fma(S::load(g + 16), S::load(cp + q * H + 16 * j),
                              S::mul(S::load(g), S::load(g + 32)));
    }
  __m512 rowg[4], gate[4];
  for (int q = 0; q < 4; ++q) rowg[q] = S::load(act + q * Gp + 4 * Hf);
  transpose4x4(rowg, gate);
  const __m512 o = gate[3];
  cv[K - 1] = S::fma(gate[1], rows_load(cp + Hf, kRows4, H), S::mul(gate[0], gate[2]));
  for (int i = 0; i < K; ++i) t[i] = cv[i];
  tanh_k<K>(t);
  for (int q = 0; q < 4; ++q)
    for (int j = 0; j < NF; ++j) {
      const int u = q * H + 16 * j, i = q * NF + j;
      S::store(c + u, cv[i]);
      S::store(tc + u, t[i]);
      S::store(h + u, S::mul(S::load(act + q * Gp + 64 * j + 48), t[i]));
    }
  rows_store(c + Hf, kRows4, H, cv[K - 1]);
  rows_store(tc + Hf, kRows4, H, t[K - 1]);
  rows_store(h + Hf, kRows4, H, S::mul(o, t[K - 1]));
}

int S::cells_special(const View& v, const float* act, const float* cp, float* c, float* tc,
                     float* h) {
  const int H = v.H, N4 = v.N / 4 * 4;
  if (H % 16 != 4 || H > 52 || v.Gp != 4 * H) return 0;
  with_vecs<4>(H / 16 + 1, [&](auto nc) {
    constexpr int NF = decltype(nc)::value - 1;
    for (int n = 0; n < N4; n += 4)
      cell_rows4<NF>(H, act + static_cast<std::size_t>(n) * v.Gp, cp + n * H, c + n * H,
                     tc + n * H, h + n * H);
  });
  return N4;
}

// Lane l of the result = the sum of the 16 lanes of in[4 (l % 4) + l / 4], added in
// the pairs of _mm512_reduce_add_ps (S::hsum): lanes i and i + 8, then i and i + 4,
// i and i + 2, i and i + 1. Shuffles pack the partial sums of several vectors into
// one, so 16 sums cost 15 adds and 30 shuffles instead of 16 x 4 adds and 16 x 4
// extracts or shuffles.
inline __m512 reduce16(const __m512* in) {
  __m512 c[8], d[4], e[2];
  for (int j = 0; j < 8; ++j)  // lanes 0-7: in[2 j] i + (i + 8); 8-15: in[2 j + 1]
    c[j] = S::add(_mm512_shuffle_f32x4(in[2 * j], in[2 * j + 1], 0x44),
                  _mm512_shuffle_f32x4(in[2 * j], in[2 * j + 1], 0xEE));
  for (int j = 0; j < 4; ++j)  // 128-bit lane m: in[4 j + m], i + (i + 4)
    d[j] = S::add(_mm512_shuffle_f32x4(c[2 * j], c[2 * j + 1], 0x88),
                  _mm512_shuffle_f32x4(c[2 * j], c[2 * j + 1], 0xDD));
  for (int j = 0; j < 2; ++j)  // lane m: in[8 j + m] (i, i + 2) x 2, in[8 j + 4 + m] x 2
    e[j] = S::add(_mm512_shuffle_ps(d[2 * j], d[2 * j + 1], 0x44),
                  _mm512_shuffle_ps(d[2 * j], d[2 * j + 1], 0xEE));
  // lane m: in[m], in[4 + m], in[8 + m], in[12 + m] (0 + 1)
  return S::add(_mm512_shuffle_ps(e[0], e[1], 0x88), _mm512_shuffle_ps(e[0], e[1], 0xDD));
}

// The heads of 8 rows at a time: each row's two dot products as in head_row, their
// 16 lane sums by one reduce16, lanes 2 r + o = pred[row r, head o].
int S::heads_special(const View& v, const float* h, float* pred) {
  const int H = v.H, Hp = v.Hp, N8 = v.N / 8 * 8;
  const float* hb = v.params + v.lay.head_b;
  alignas(64) float bias[16];
  for (int l = 0; l < 16; ++l) bias[l] = hb[l % 2];
  const __m512 bv = S::load(bias);
  for (int n = 0; n < N8; n += 8) {
    __m512 in[16];
    for (int r = 0; r < 8; ++r) {
      __m512 s0, s1;
      head_dots(H, Hp, h + (n + r) * H, v.hwT, s0, s1);
      const int l0 = 2 * r, l1 = 2 * r + 1;  // result lanes of pred[row r, 0 and 1]
      in[4 * (l0 % 4) + l0 / 4] = s0;
      in[4 * (l1 % 4) + l1 / 4] = s1;
    }
    const __m512 p = S::add(bv, reduce16(in));
    if (!v.src) {
      S::store(pred + 2 * n, p);
    } else {
      alignas(64) float out[16];
      S::store(out, p);
      for (int r = 0; r < 8; ++r) {
        pred[2 * v.src[n + r]] = out[2 * r];
        pred[2 * v.src[n + r] + 1] = out[2 * r + 1];
      }
    }
  }
  return N8;
}

// ---- gate gradients of a 4-unit tail, 4 rows at a time ----------------------------

// grads_chunk (lstm_impl.hpp) for a tail of 4 units (H = 20: units 16-19), its
// entries [0, nb / 4 * 4) 4 at a time: row after row, each row's 4 units took a
// whole vector of 16 lanes (80 ns of a 1250 ns backward step at N = 25); here the
// 4 rows share one (lanes 4 q + k: entry q, unit k0 + k). A row's tail gates
// i, f, g, o are 16 contiguous floats (Gp = 4 H), so its activations come in and
// its gate gradients go out as whole vectors through a 4 x 4 transpose. The
// head-kernel gradient (hw0, hw1: lanes 0-3) adds the rows one by one in entry
// order, as grads_chunk. The same operations on the same operands: the same values.
template <bool Ord>
int S::grads_tail4(const View& v, int nb, const int* ord, int k0, const float* act,
                   const float* tc, const float* h, const float* cp, const float* dp, V& hw0,
                   V& hw1) {
  const int H = v.H, Hp = v.Hp, Gp = v.Gp, a0 = 4 * k0;
  if (H - k0 != 4 || Gp != 4 * H) return 0;
  const int n4 = nb / 4 * 4;
  const __m512 w0 = _mm512_broadcast_f32x4(_mm_loadu_ps(v.hwT + k0));
  const __m512 w1 = _mm512_broadcast_f32x4(_mm_loadu_ps(v.hwT + Hp + k0));
  const __m512i spread = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  __m128 s0 = _mm512_castps512_ps128(hw0), s1 = _mm512_castps512_ps128(hw1);
  for (int e = 0; e < n4; e += 4) {
    int n[4];
    alignas(16) float p0[4], p1[4];
    for (int q = 0; q < 4; ++q) {
      n[q] = Ord ? ord[e + q] : e + q;
      const int d = Ord ? v.src[n[q]] : n[q];
      p0[q] = dp[2 * d];
      p1[q] = dp[2 * d + 1];
    }
    const __m512 dp0 = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_load_ps(p0)));
    const __m512 dp1 = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_load_ps(p1)));
    __m512 dhv = fma(dp0, w0, rows_load(v.dh + k0, n, Hp));
    dhv = fma(dp1, w1, dhv);
    __m512 rowg[4], gate[4];  // row q's i f g o; gate q of the 4 rows
    for (int q = 0; q < 4; ++q) rowg[q] = load(act + static_cast<std::size_t>(n[q]) * Gp + a0);
    transpose4x4(rowg, gate);
    const UnitGrads u = unit_grads(dhv, gate[0], gate[1], gate[2], gate[3], rows_load(tc + k0, n, H),
                                   rows_load(v.dc + k0, n, Hp), rows_load(cp + k0, n, H));
    transpose4x4(u.da, rowg);
    for (int q = 0; q < 4; ++q) store(v.dg + static_cast<std::size_t>(n[q]) * Gp + a0, rowg[q]);
    rows_store(v.dc + k0, n, Hp, u.dc);
    for (int q = 0; q < 4; ++q) {
      const __m128 hv = _mm_loadu_ps(h + n[q] * H + k0);
      s0 = _mm_fmadd_ps(_mm_set1_ps(p0[q]), hv, s0);
      s1 = _mm_fmadd_ps(_mm_set1_ps(p1[q]), hv, s1);
    }
  }
  hw0 = _mm512_insertf32x4(hw0, s0, 0);
  hw1 = _mm512_insertf32x4(hw1, s1, 0);
  return n4;
}

}  // namespace

extern const Variant kAvx512Variant = {Isa::avx512, S::L, &forward_train, &forward_predict, &backward};

}  // namespace mtl::kernels
