// AVX-512 backward step of the lockstep trainer (one model, one time step t):
//   dh   = dh_{from t+1} + dpred_t head_w^T                         [N, H]
//   da_o = dh tanh(c) o (1 - o);   dc = dh o (1 - tanh(c)^2) + dc_{from t+1}
//   da_i = dc g i (1 - i);  da_g = dc i (1 - g^2);  da_f = dc c_{t-1} f (1 - f)
//   dc_{to t-1} = dc f;     dh_{to t-1} = da wh^T                       [N, 4H] x [4H, H]
//   dwx += x_t^T da;  dwh += h_{t-1}^T da;  db += sum_n da;  dhead += h_t^T dpred_t
// Accumulation order per gradient element: t descending, then n ascending, for
// every model alike (see lockstep.hpp for why that gives group independence).
#include "lockstep_internal.hpp"

#if defined(__AVX512F__)
// GCC 12 warns inside its own avx512fintrin.h (_mm512_undefined_ps in the masked
// intrinsics), a known false positive; keep the build output clean.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

namespace mtl::lockstep::detail {
namespace {

inline __mmask16 chunk_mask(int left) {
  return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
}
inline __mmask16 tail_mask(int width) {
  const int r = width % 16;
  return r == 0 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << r) - 1u);
}

// Gate gradients of one row into dg (stride of the padded row), dc updated in place,
// head-kernel gradient (transposed, [2, H], HV vectors per head) accumulated in
// registers hw0/hw1 across the rows: through memory, each row's masked load of
// dhwT waited for the previous row's masked store (no store-to-load forwarding
// for masked stores), a serial chain over the N rows. Same values (n ascending).
template <int HV>
inline void gate_grads_row(int H, const StepIn& in, int n, const float* hwT, float* dh,
                           float* dc, float* dg, __m512* hw0, __m512* hw1) {
  const float* a = in.act + static_cast<std::size_t>(n) * 4 * H;
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 dp0 = _mm512_set1_ps(in.dpred[2 * n]), dp1 = _mm512_set1_ps(in.dpred[2 * n + 1]);
  _Pragma("GCC unroll 2")
  for (int c = 0; c < HV; ++c) {
    const int k0 = 16 * c;
    const __mmask16 m = chunk_mask(H - k0);
    const int q = n * H + k0;
    __m512 dhv = _mm512_maskz_loadu_ps(m, dh + q);
    dhv = _mm512_fmadd_ps(dp0, _mm512_maskz_loadu_ps(m, hwT + k0), dhv);
    dhv = _mm512_fmadd_ps(dp1, _mm512_maskz_loadu_ps(m, hwT + H + k0), dhv);
    const __m512 i = _mm512_maskz_loadu_ps(m, a + k0);
    const __m512 f = _mm512_maskz_loadu_ps(m, a + H + k0);
    const __m512 g = _mm512_maskz_loadu_ps(m, a + 2 * H + k0);
    const __m512 o = _mm512_maskz_loadu_ps(m, a + 3 * H + k0);
    const __m512 t = _mm512_maskz_loadu_ps(m, in.tc + q);
    const __m512 cp = _mm512_maskz_loadu_ps(m, in.c_prev + q);
    const __m512 dao = _mm512_mul_ps(_mm512_mul_ps(dhv, t), _mm512_mul_ps(o, _mm512_sub_ps(one, o)));
    const __m512 dcv =
        _mm512_fmadd_ps(_mm512_mul_ps(dhv, o), _mm512_fnmadd_ps(t, t, one),
                        _mm512_maskz_loadu_ps(m, dc + q));
    const __m512 dai = _mm512_mul_ps(_mm512_mul_ps(dcv, g), _mm512_mul_ps(i, _mm512_sub_ps(one, i)));
    const __m512 dag = _mm512_mul_ps(_mm512_mul_ps(dcv, i), _mm512_fnmadd_ps(g, g, one));
    const __m512 daf = _mm512_mul_ps(_mm512_mul_ps(dcv, cp), _mm512_mul_ps(f, _mm512_sub_ps(one, f)));
    _mm512_mask_storeu_ps(dg + k0, m, dai);
    _mm512_mask_storeu_ps(dg + H + k0, m, daf);
    _mm512_mask_storeu_ps(dg + 2 * H + k0, m, dag);
    _mm512_mask_storeu_ps(dg + 3 * H + k0, m, dao);
    _mm512_mask_storeu_ps(dc + q, m, _mm512_mul_ps(dcv, f));
    const __m512 hv = _mm512_maskz_loadu_ps(m, in.h + q);
    hw0[c] = _mm512_fmadd_ps(dp0, hv, hw0[c]);
    hw1[c] = _mm512_fmadd_ps(dp1, hv, hw1[c]);
  }
}

// All rows' gate gradients of one step (HV = vectors over H, 1 or 2).
template <int HV>
void gate_grads(int N, int H, int ldg, const StepIn& in, Scratch& s, float* dhb) {
  __m512 hw0[HV], hw1[HV];
  float* dhwT = s.dhwT.data();
  _Pragma("GCC unroll 2")
  for (int c = 0; c < HV; ++c) {
    hw0[c] = _mm512_maskz_loadu_ps(chunk_mask(H - 16 * c), dhwT + 16 * c);
    hw1[c] = _mm512_maskz_loadu_ps(chunk_mask(H - 16 * c), dhwT + H + 16 * c);
  }
  for (int n = 0; n < N; ++n) {
    gate_grads_row<HV>(H, in, n, s.hwT.data(), s.dh.data(), s.dc.data(), s.dg.data() + n * ldg,
                       hw0, hw1);
    dhb[0] += in.dpred[2 * n];
    dhb[1] += in.dpred[2 * n + 1];
  }
  _Pragma("GCC unroll 2")
  for (int c = 0; c < HV; ++c) {
    _mm512_mask_storeu_ps(dhwT + 16 * c, chunk_mask(H - 16 * c), hw0[c]);
    _mm512_mask_storeu_ps(dhwT + H + 16 * c, chunk_mask(H - 16 * c), hw1[c]);
  }
}

// dh[R rows, H] = dg[R, 4H] whT[4H, H]  (HV = vectors over H).
template <int R, int HV>
void dh_block(int H, int G, const float* dg, int ldg, const float* whT, float* dh) {
  const __mmask16 mt = tail_mask(H);
  __m512 acc[R][HV];
  _Pragma("GCC unroll 8")
  for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 8")
    for (int v = 0; v < HV; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int j = 0; j < G; ++j) {
    __m512 w[HV];
    _Pragma("GCC unroll 8")
    for (int v = 0; v < HV; ++v)
      w[v] = _mm512_maskz_loadu_ps(v == HV - 1 ? mt : 0xFFFF, whT + j * H + 16 * v);
    _Pragma("GCC unroll 8")
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(dg[r * ldg + j]);
      _Pragma("GCC unroll 8")
      for (int v = 0; v < HV; ++v) acc[r][v] = _mm512_fmadd_ps(a, w[v], acc[r][v]);
    }
  }
  _Pragma("GCC unroll 8")
  for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 8")
    for (int v = 0; v < HV; ++v)
      _mm512_mask_storeu_ps(dh + r * H + 16 * v, v == HV - 1 ? mt : 0xFFFF, acc[r][v]);
}

// The same product for 16 < H <= 20 without the idle lanes of dh_block<R, 2>
// (whose second vector holds only H - 16 <= 4 columns): each row keeps one full
// vector for columns [0, 16), and the tails [16, H) of 4 rows share ONE vector
// (lanes 4q + c: row q, column 16 + c). That vector's multiplier dg[row q, j] per
// 4-lane group comes from a permute of the 4 x 4 block dg[rows, j0 .. j0 + 3],
// its weights from whT[j, 16 .. 19] broadcast to the four groups (whT is padded by
// 4 floats, so the last row may read past H; lanes >= H - 16 are never stored).
// 5 FMAs per 4 rows and j instead of 8. Every element is still the fma chain over
// j = 0, 1, .. from 0, so the values equal dh_block's bit for bit.
template <int Q>  // Q quads = 4 Q rows
void dh_quads(int H, int G, const float* dg, int ldg, const float* whT, float* dh) {
  constexpr int R = 4 * Q;
  __m512 am[R], at[Q];
  _Pragma("GCC unroll 8")
  for (int r = 0; r < R; ++r) am[r] = _mm512_setzero_ps();
  _Pragma("GCC unroll 4")
  for (int q = 0; q < Q; ++q) at[q] = _mm512_setzero_ps();
  const __m512i idx0 = _mm512_set_epi32(12, 12, 12, 12, 8, 8, 8, 8, 4, 4, 4, 4, 0, 0, 0, 0);
  for (int j0 = 0; j0 < G; j0 += 4) {
    __m512 blk[Q];  // lanes 4 q' + jj: dg[row 4 q + q', j0 + jj]
    _Pragma("GCC unroll 4")
    for (int q = 0; q < Q; ++q) {
      const float* d0 = dg + 4 * q * ldg + j0;
      __m512 b = _mm512_castps128_ps512(_mm_loadu_ps(d0));
      b = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + ldg), 1);
      b = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + 2 * ldg), 2);
      blk[q] = _mm512_insertf32x4(b, _mm_loadu_ps(d0 + 3 * ldg), 3);
    }
    _Pragma("GCC unroll 4")
    for (int jj = 0; jj < 4; ++jj) {
      const int j = j0 + jj;
      const __m512 w = _mm512_loadu_ps(whT + j * H);
      const __m512 wt = _mm512_broadcast_f32x4(_mm_loadu_ps(whT + j * H + 16));
      const __m512i idx = _mm512_add_epi32(idx0, _mm512_set1_epi32(jj));
      _Pragma("GCC unroll 8")
      for (int r = 0; r < R; ++r) am[r] = _mm512_fmadd_ps(_mm512_set1_ps(dg[r * ldg + j]), w, am[r]);
      _Pragma("GCC unroll 4")
      for (int q = 0; q < Q; ++q) at[q] = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx, blk[q]), wt, at[q]);
    }
  }
  const __mmask8 mt = static_cast<__mmask8>((1u << (H - 16)) - 1u);
  _Pragma("GCC unroll 8")
  for (int r = 0; r < R; ++r) _mm512_storeu_ps(dh + r * H, am[r]);
  _Pragma("GCC unroll 4")
  for (int q = 0; q < Q; ++q) {
    float* o = dh + 4 * q * H + 16;
    _mm_mask_storeu_ps(o, mt, _mm512_extractf32x4_ps(at[q], 0));
    _mm_mask_storeu_ps(o + H, mt, _mm512_extractf32x4_ps(at[q], 1));
    _mm_mask_storeu_ps(o + 2 * H, mt, _mm512_extractf32x4_ps(at[q], 2));
    _mm_mask_storeu_ps(o + 3 * H, mt, _mm512_extractf32x4_ps(at[q], 3));
  }
}

// dh for 16 < H <= 20 and N >= 4: blocks of 8 rows, then the last rows as a
// block ending at row N (it may overlap the previous block: the overlapping rows
// are recomputed to the same values), so no latency-bound short remainder.
void dh_all_quads(int N, int H, int G, const float* dg, int ldg, const float* whT, float* dh) {
  int n = 0;
  for (; n + 8 <= N; n += 8) dh_quads<2>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
  if (n == N) return;
  if (N - n > 4 && N >= 8) {
    n = N - 8;
    dh_quads<2>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
  } else {
    if (N - n > 4) {  // 4 < N < 8: two overlapping quads
      dh_quads<1>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
    }
    n = N - 4;
    dh_quads<1>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
  }
}

template <int HV>
void dh_all(int N, int H, int G, const float* dg, int ldg, const float* whT, float* dh) {
  constexpr int kR = 5;  // N = 25: five blocks, no latency-bound 1-row remainder
  int n = 0;
  for (; n + kR <= N; n += kR) dh_block<kR, HV>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
  const int rest = N - n;
  if (rest == 4) dh_block<4, HV>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
  if (rest == 3) dh_block<3, HV>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
  if (rest == 2) dh_block<2, HV>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
  if (rest == 1) dh_block<1, HV>(H, G, dg + n * ldg, ldg, whT, dh + n * H);
}

// dW[R rows, G] += z[N, R (stride ldz)]^T dg[N, G]
template <int R, int NV>
void outer_block(int N, int G, const float* z, int ldz, const float* dg, int ldg, float* dw) {
  const __mmask16 mt = tail_mask(G);
  __m512 acc[R][NV];
  _Pragma("GCC unroll 8")
  for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm512_maskz_loadu_ps(v == NV - 1 ? mt : 0xFFFF, dw + r * G + 16 * v);
  for (int n = 0; n < N; ++n) {
    __m512 dv[NV];
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; ++v) {
      dv[v] = _mm512_loadu_ps(dg + n * ldg + 16 * v);
      // Keep dv in a register: otherwise GCC 12 folds the load into each of the R
      // FMAs that use it (R full-vector loads instead of one), load-port bound.
      __asm__("" : "+v"(dv[v]));
    }
    _Pragma("GCC unroll 8")
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(z[n * ldz + r]);
      _Pragma("GCC unroll 8")
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(a, dv[v], acc[r][v]);
    }
  }
  _Pragma("GCC unroll 8")
  for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; ++v)
      _mm512_mask_storeu_ps(dw + r * G + 16 * v, v == NV - 1 ? mt : 0xFFFF, acc[r][v]);
}

template <int NV>
void outer_all(int N, int K, int G, const float* z, const float* dg, int ldg, float* dw) {
  int k = 0;
  for (; k + 4 <= K; k += 4) outer_block<4, NV>(N, G, z + k, K, dg, ldg, dw + k * G);
  const int rest = K - k;
  if (rest == 3) outer_block<3, NV>(N, G, z + k, K, dg, ldg, dw + k * G);
  if (rest == 2) outer_block<2, NV>(N, G, z + k, K, dg, ldg, dw + k * G);
  if (rest == 1) outer_block<1, NV>(N, G, z + k, K, dg, ldg, dw + k * G);
}

template <int NV>
void weight_grads(const Dims& d, const StepIn& in, const float* dg, int ldg, float* grads,
                  const ParamLayout& lay, bool has_prev) {
  const int N = d.n_seq, G = d.gates();
  outer_all<NV>(N, d.n_in, G, in.x, dg, ldg, grads + lay.wx);
  if (has_prev) outer_all<NV>(N, d.hidden, G, in.h_prev, dg, ldg, grads + lay.wh);
  const __mmask16 mt = tail_mask(G);
  float* db = grads + lay.b;
  _Pragma("GCC unroll 8")
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = v == NV - 1 ? mt : 0xFFFF;
    __m512 acc = _mm512_maskz_loadu_ps(m, db + 16 * v);
    for (int n = 0; n < N; ++n) acc = _mm512_add_ps(acc, _mm512_loadu_ps(dg + n * ldg + 16 * v));
    _mm512_mask_storeu_ps(db + 16 * v, m, acc);
  }
}

}  // namespace

void avx_backward_step(const Dims& d, const float* p, const ParamLayout& lay, const StepIn& in,
                       float* grads, bool need_dh, Scratch& s) {
  const int N = d.n_seq, H = d.hidden, G = d.gates(), NV = (G + 15) / 16, ldg = NV * 16;
  if (H <= 16)  // vector_path: 4H <= 96, so H <= 24: at most 2 vectors over H
    gate_grads<1>(N, H, ldg, in, s, grads + lay.head_b);
  else
    gate_grads<2>(N, H, ldg, in, s, grads + lay.head_b);
  if (need_dh) {
    if (H > 16 && H <= 20 && N >= 4)
      dh_all_quads(N, H, G, s.dg.data(), ldg, s.whT.data(), s.dh.data());
    else if (H <= 16)
      dh_all<1>(N, H, G, s.dg.data(), ldg, s.whT.data(), s.dh.data());
    else
      dh_all<2>(N, H, G, s.dg.data(), ldg, s.whT.data(), s.dh.data());
  }
  switch (NV) {
    case 1: weight_grads<1>(d, in, s.dg.data(), ldg, grads, lay, need_dh); break;
    case 2: weight_grads<2>(d, in, s.dg.data(), ldg, grads, lay, need_dh); break;
    case 3: weight_grads<3>(d, in, s.dg.data(), ldg, grads, lay, need_dh); break;
    case 4: weight_grads<4>(d, in, s.dg.data(), ldg, grads, lay, need_dh); break;
    case 5: weight_grads<5>(d, in, s.dg.data(), ldg, grads, lay, need_dh); break;
    default: weight_grads<6>(d, in, s.dg.data(), ldg, grads, lay, need_dh); break;
  }
}

}  // namespace mtl::lockstep::detail
#endif  // __AVX512F__
