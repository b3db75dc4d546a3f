// AVX-512 step kernels of the lockstep trainer: one model, one time step.
//
// Why own kernels and not oneDNN matmul: the products of one step are tiny
// ([N=25, C+H=27] x [27, 4H=80] forward; [25, 80] x [80, 20] and [27, 25] x [25, 80]
// backward), so a primitive call costs more than the arithmetic, and oneDNN does
// not promise that a model's results stay bit-identical when the batch of models
// (the matmul batch dimension) changes. These register-blocked loops give every
// model the same instruction sequence whatever the group, which is the
// determinism argument of lockstep.hpp. Measured numbers: README "Performance".
//
// Register blocking (H = 20, 4H = 80 = 5 zmm): forward gates 5 rows x 5 vectors =
// 25 accumulators over K = C + H; dh_{t-1} 5 rows x 2 vectors over K = 4H; dW 4
// rows of W x 5 vectors over the N rows. Every accumulation runs in a fixed order.
#include "lockstep_internal.hpp"

#if defined(__AVX512F__)
// GCC 12 warns inside its own avx512fintrin.h (_mm512_undefined_ps in the masked
// intrinsics), a known false positive; keep the build output clean.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#endif

#include <algorithm>

namespace mtl::lockstep {

#if defined(__AVX512F__)
bool vector_path(int hidden) { return hidden > 0 && kNumGates * hidden <= 96; }
#else
bool vector_path(int) { return false; }
#endif

#if defined(__AVX512F__)
namespace detail {
namespace {

inline __mmask16 tail_mask(int width) {  // lanes of the last vector of `width` columns
  const int r = width % 16;
  return r == 0 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << r) - 1u);
}
inline __mmask16 chunk_mask(int left) {  // lanes of a chunk with `left` columns remaining
  return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
}

// fast_exp(-x) (lockstep_math.cpp) 16 lanes at a time, bit for bit the same values:
// n = round-to-nearest-even(-x log2e) via the 1.5 * 2^23 shifter, and 2^n built in
// the exponent field by integer ops (-x is clamped to [-87, 88], so n + 127 is in
// [1, 254]: a normal number; multiplying by it is exact). Both are cheaper here
// than vroundscaleps / vscalefps. The negation is folded into the constants (exact:
// min(88, -x) = -max(-88, x), (-y) log2e = y (-log2e), -n ln2hi + (-y) =
// fnmsub(n, ln2hi, y)), which saves the separate 0 - x of the sigmoid.
inline __m512 v_exp_neg(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-88.0f), x);  // min/max return the 2nd operand on NaN
  x = _mm512_min_ps(_mm512_set1_ps(87.0f), x);
  const __m512 shifter = _mm512_set1_ps(12582912.0f);  // 1.5 * 2^23
  const __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(-1.44269504088896341f)), shifter);
  const __m512 n = _mm512_sub_ps(t, shifter);
  __m512 r = _mm512_fnmsub_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512i ni = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_castps_si512(shifter));
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(ni, _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}
// 1 / (1 + e^-x) with the reciprocal from rcp14 (relative error < 2^-14) and one
// Newton step (error ~2^-28 before rounding): 3 cheap ops instead of a division,
// whose throughput made the gate arithmetic cost more than the gate products.
inline __m512 v_sigmoid(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 den = _mm512_add_ps(one, v_exp_neg(x));
  const __m512 r0 = _mm512_rcp14_ps(den);
  return _mm512_fmadd_ps(r0, _mm512_fnmadd_ps(den, r0, one), r0);
}
// tanh(x) = 2 sig(2x) - 1, with 2x = x + x and 2 s - 1 = (s + s) - 1 (s + s is
// exact, so one rounding as in fma(2, s, -1)): adds instead of multiplies keep the
// two FMA pipes, which the gate products and the polynomial saturate, for those.
inline __m512 v_tanh(__m512 x) {
  const __m512 s = v_sigmoid(_mm512_add_ps(x, x));
  return _mm512_sub_ps(_mm512_add_ps(s, s), _mm512_set1_ps(1.0f));
}

// is_tanh[v]: lanes of vector v (columns 16 v ..) in the g block [2H, 3H).
void tanh_masks(int H, int G, __mmask16* is_tanh) {
  for (int j0 = 0, v = 0; j0 < G; j0 += 16, ++v) {
    is_tanh[v] = 0;
    for (int l = 0; l < 16; ++l)
      if (j0 + l >= 2 * H && j0 + l < 3 * H) is_tanh[v] = static_cast<__mmask16>(is_tanh[v] | (1u << l));
  }
}

// Gate activation of one pre-activation vector: sig on i, f, o lanes and
// tanh = 2 sig(2 a) - 1 on g lanes (is_tanh), the doublings and the - 1 as masked
// adds (see v_tanh; same values as scale = 2, shift = -1 by one fma).
inline __m512 activate_mixed(__m512 pre, __mmask16 is_tanh) {
  const __m512 s = v_sigmoid(_mm512_mask_add_ps(pre, is_tanh, pre, pre));
  const __m512 s2 = _mm512_mask_add_ps(s, is_tanh, s, s);
  return _mm512_mask_sub_ps(s2, is_tanh, s2, _mm512_set1_ps(1.0f));
}

// act[R rows, G] = activation(b + x[R, C] wx + h[R, H] wh). The activation runs on
// the accumulators in registers: 5 x 5 independent sigmoid chains give the core
// plenty of parallel work, and no pre-activation buffer is stored and reloaded.
template <int R, int NV>
void gates_block(int C, int H, int G, const float* x, const float* hp, const float* wx,
                 const float* wh, const float* b, const __mmask16* masks, float* act) {
  const __mmask16 mt = tail_mask(G);
  __m512 acc[R][NV];
  _Pragma("GCC unroll 8")
  for (int v = 0; v < NV; ++v) {
    const __m512 bv = _mm512_maskz_loadu_ps(v == NV - 1 ? mt : 0xFFFF, b + 16 * v);
    _Pragma("GCC unroll 8")
    for (int r = 0; r < R; ++r) acc[r][v] = bv;
  }
  for (int k = 0; k < C; ++k) {
    __m512 w[NV];
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; ++v)
      w[v] = _mm512_maskz_loadu_ps(v == NV - 1 ? mt : 0xFFFF, wx + k * G + 16 * v);
    _Pragma("GCC unroll 8")
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(x[r * C + k]);
      _Pragma("GCC unroll 8")
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(a, w[v], acc[r][v]);
    }
  }
  for (int k = 0; k < H; ++k) {
    __m512 w[NV];
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; ++v)
      w[v] = _mm512_maskz_loadu_ps(v == NV - 1 ? mt : 0xFFFF, wh + k * G + 16 * v);
    _Pragma("GCC unroll 8")
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(hp[r * H + k]);
      _Pragma("GCC unroll 8")
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(a, w[v], acc[r][v]);
    }
  }
  // Vectors without g lanes (3 of 5 for H = 20) need only the sigmoid.
  _Pragma("GCC unroll 8")
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = v == NV - 1 ? mt : 0xFFFF;
    if (masks[v] == 0) {
      _Pragma("GCC unroll 8")
      for (int r = 0; r < R; ++r) _mm512_mask_storeu_ps(act + r * G + 16 * v, m, v_sigmoid(acc[r][v]));
    } else {
      _Pragma("GCC unroll 8")
      for (int r = 0; r < R; ++r)
        _mm512_mask_storeu_ps(act + r * G + 16 * v, m, activate_mixed(acc[r][v], masks[v]));
    }
  }
}

template <int NV>
void gates_all(const Dims& d, const float* x, const float* hp, const float* wx, const float* wh,
               const float* b, const __mmask16* masks, float* act) {
  const int C = d.n_in, H = d.hidden, G = d.gates();
  // Blocks of 5 rows (25 accumulators + 5 weight vectors fit the 32 zmm registers
  // for NV = 5; N = 25 splits without a latency-bound 1-row remainder).
  constexpr int kR = NV <= 5 ? 5 : 4;
  int n = 0;
  for (; n + kR <= d.n_seq; n += kR)
    gates_block<kR, NV>(C, H, G, x + n * C, hp + n * H, wx, wh, b, masks, act + n * G);
  const int rest = d.n_seq - n;
  const float* xr = x + n * C;
  const float* hr = hp + n * H;
  float* ar = act + static_cast<std::size_t>(n) * G;
  if (rest == 4) gates_block<4, NV>(C, H, G, xr, hr, wx, wh, b, masks, ar);
  if (rest == 3) gates_block<3, NV>(C, H, G, xr, hr, wx, wh, b, masks, ar);
  if (rest == 2) gates_block<2, NV>(C, H, G, xr, hr, wx, wh, b, masks, ar);
  if (rest == 1) gates_block<1, NV>(C, H, G, xr, hr, wx, wh, b, masks, ar);
}

// c = f c_prev + i g, tc = tanh(c), h = o tc (one row).
void cell_row(int H, const float* a, const float* cp, float* c, float* tc, float* h) {
  for (int k0 = 0; k0 < H; k0 += 16) {
    const __mmask16 m = chunk_mask(H - k0);
    const __m512 i = _mm512_maskz_loadu_ps(m, a + k0);
    const __m512 f = _mm512_maskz_loadu_ps(m, a + H + k0);
    const __m512 g = _mm512_maskz_loadu_ps(m, a + 2 * H + k0);
    const __m512 o = _mm512_maskz_loadu_ps(m, a + 3 * H + k0);
    const __m512 cv = _mm512_fmadd_ps(f, _mm512_maskz_loadu_ps(m, cp + k0), _mm512_mul_ps(i, g));
    const __m512 t = v_tanh(cv);
    _mm512_mask_storeu_ps(c + k0, m, cv);
    _mm512_mask_storeu_ps(tc + k0, m, t);
    _mm512_mask_storeu_ps(h + k0, m, _mm512_mul_ps(o, t));
  }
}

// The same cell update as one flat pass over the N*H elements of [N, H]: for
// H = 20 that is 32 vectors instead of 25 rows x 2 (16 + 4 lanes). A vector covers
// the end of row n and the start of row n + 1 (needs H >= 16); its gate values
// come from the two rows of act [N, 4H] by two masked loads. Same values.
void cell_flat(int H, int N, const float* act, const float* cp, float* c, float* tc, float* h) {
  const int total = N * H, G = 4 * H;
  int n = 0, k0 = 0;  // row and column of element e0
  for (int e0 = 0; e0 < total; e0 += 16) {
    const __mmask16 valid = chunk_mask(total - e0);
    const __mmask16 lo = static_cast<__mmask16>(chunk_mask(H - k0) & valid);
    const __mmask16 hi = static_cast<__mmask16>(~lo & valid);
    const float* a0 = act + static_cast<std::size_t>(n) * G + k0;
    __m512 gate[4];
    for (int q = 0; q < 4; ++q) {
      gate[q] = _mm512_maskz_loadu_ps(lo, a0 + q * H);
      if (hi) gate[q] = _mm512_mask_loadu_ps(gate[q], hi, a0 + G - H + q * H);  // row n + 1
    }
    const __m512 cv = _mm512_fmadd_ps(gate[1], _mm512_maskz_loadu_ps(valid, cp + e0),
                                      _mm512_mul_ps(gate[0], gate[2]));
    const __m512 t = v_tanh(cv);
    _mm512_mask_storeu_ps(c + e0, valid, cv);
    _mm512_mask_storeu_ps(tc + e0, valid, t);
    _mm512_mask_storeu_ps(h + e0, valid, _mm512_mul_ps(gate[3], t));
    for (k0 += 16; k0 >= H; k0 -= H) ++n;
  }
}

// pred = h head_w + head_b (one row; fixed-order lane reduction).
void head_row(int H, const float* h, const float* hwT, const float* hb, float* pred) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  for (int k0 = 0; k0 < H; k0 += 16) {
    const __mmask16 m = chunk_mask(H - k0);
    const __m512 hv = _mm512_maskz_loadu_ps(m, h + k0);
    s0 = _mm512_fmadd_ps(hv, _mm512_maskz_loadu_ps(m, hwT + k0), s0);
    s1 = _mm512_fmadd_ps(hv, _mm512_maskz_loadu_ps(m, hwT + H + k0), s1);
  }
  pred[0] = hb[0] + _mm512_reduce_add_ps(s0);
  pred[1] = hb[1] + _mm512_reduce_add_ps(s1);
}

}  // namespace

void avx_forward_step(const Dims& d, const float* p, const ParamLayout& lay, const float* x_t,
                      const float* h_prev, const float* c_prev, float* act, float* c, float* tc,
                      float* h, float* pred, Scratch& s) {
  const int H = d.hidden, G = d.gates(), NV = (G + 15) / 16;
  const float *wx = p + lay.wx, *wh = p + lay.wh, *b = p + lay.b;
  __mmask16 masks[6];
  tanh_masks(H, G, masks);
  switch (NV) {
    case 1: gates_all<1>(d, x_t, h_prev, wx, wh, b, masks, act); break;
    case 2: gates_all<2>(d, x_t, h_prev, wx, wh, b, masks, act); break;
    case 3: gates_all<3>(d, x_t, h_prev, wx, wh, b, masks, act); break;
    case 4: gates_all<4>(d, x_t, h_prev, wx, wh, b, masks, act); break;
    case 5: gates_all<5>(d, x_t, h_prev, wx, wh, b, masks, act); break;
    default: gates_all<6>(d, x_t, h_prev, wx, wh, b, masks, act); break;
  }
  // Two more passes over the rows, not one doing both per row: each row's cell ->
  // head work is a long dependency chain and the out-of-order window holds only
  // about one row of it; rows are independent, so short bodies overlap many rows.
  if (H >= 16) {
    cell_flat(H, d.n_seq, act, c_prev, c, tc, h);
  } else {
    for (int n = 0; n < d.n_seq; ++n)
      cell_row(H, act + static_cast<std::size_t>(n) * G, c_prev + n * H, c + n * H, tc + n * H,
               h + n * H);
  }
  for (int n = 0; n < d.n_seq; ++n)
    head_row(H, h + n * H, s.hwT.data(), p + lay.head_b, pred + 2 * n);
}

}  // namespace detail
#endif  // __AVX512F__

}  // namespace mtl::lockstep
