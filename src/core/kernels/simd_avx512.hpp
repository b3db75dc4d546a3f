// AVX-512 vector operations for lstm_impl.hpp (16 float lanes, mask registers).
// Included inside an anonymous namespace by avx512.cpp, after <immintrin.h>.
// The same members in the same order as simd_avx2.hpp and simd_generic.hpp, by
// design: they are the one interface lstm_impl.hpp is written against, each
// ISA's types and intrinsics behind it (the likeness is that interface). The
// special forms at the end (dh_special ... grads_tail4, avx512.cpp) are AVX-512's
// own; the other variants inherit their absence (no_special.hpp).
struct S {
  using V = __m512;
  using M = __mmask16;
  static constexpr int L = 16;
  // Register blocking (32 zmm): rows x vectors of accumulators per kernel.
  static constexpr int kGateVecs = 6;   // forward gates: 5 x 5 (or 4 x 6) accumulators
  static constexpr int kDhVecs = 4;     // dh = dg wh^T: 5 rows x up to 4 vectors
  static constexpr int kOuterVecs = 6;  // dW += z^T dg: 4 rows x up to 6 vectors
  static constexpr int gate_rows(int nv) { return nv <= 5 ? 5 : 4; }
  static constexpr int kDhRows = 5;
  static constexpr int kOuterRows = 4;
  // dW over 4 steps at a time (lstm_impl.hpp): backward 3-7 % faster than step by
  // step at H = 20; 6 or 8 steps (dg slots of 48, 64 KB: past the 48 KB L1) slower.
  static constexpr int kDwSteps = 4;

  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float a) { return _mm512_set1_ps(a); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  // 4 floats, plain 128-bit access (upper lanes 0).
  static V load4(const float* p) { return _mm512_zextps128_ps512(_mm_loadu_ps(p)); }
  static void store4(float* p, V v) { _mm_storeu_ps(p, _mm512_castps512_ps128(v)); }
  static M mask_n(int n) {  // lanes [0, n), n >= 0
    return n >= 16 ? static_cast<M>(0xFFFF) : static_cast<M>((1u << n) - 1u);
  }
  static M mask_andnot(M a, M b) { return static_cast<M>(~a & b); }
  static M mask_and(M a, M b) { return static_cast<M>(a & b); }
  static bool mask_any(M m) { return m != 0; }
  static V loadz(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static V loadm(V src, M m, const float* p) { return _mm512_mask_loadu_ps(src, m, p); }
  static void storem(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }    // a b + c
  static V fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a b
  static V fnms(V a, V b, V c) { return _mm512_fnmsub_ps(a, b, c); }  // -(a b) - c
  static V min(V a, V b) { return _mm512_min_ps(a, b); }  // b when either is NaN
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V add_masked(V a, M m, V b) { return _mm512_mask_add_ps(a, m, a, b); }
  static V sub_masked(V a, M m, V b) { return _mm512_mask_sub_ps(a, m, a, b); }
  // p 2^n by vscalefps: exact (a power-of-two scaling) and correct for any n,
  // down to subnormals and 0, so exp_neg needs no lower clamp here. One operation
  // instead of building 2^n in the exponent field (sub, add, shift) and a multiply
  // (the multiply GCC fused with sigmoid's + 1: p 2^n + 1 is rounded once either way).
  static constexpr bool kScaleAnyN = true;
  static V times_pow2(V p, V n, V /*t*/, V /*shifter*/) { return _mm512_scalef_ps(p, n); }
  // 1 / d from rcp14 (relative error < 2^-14) and one Newton step (~2^-28 before
  // rounding): 3 cheap ops instead of a division, whose throughput made the gate
  // arithmetic cost more than the gate products.
  static V recip(V d) {
    const V r0 = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(r0, _mm512_fnmadd_ps(d, r0, set1(1.0f)), r0);
  }
  static float hsum(V v) { return _mm512_reduce_add_ps(v); }
  // Keep v in a register: otherwise GCC 12 folds the load into each FMA that uses
  // it (R full-vector loads instead of one) and the dW loop becomes load-port bound.
  static void pin(V& v) { __asm__("" : "+v"(v)); }
  static bool dh_special(const View& v);  // avx512.cpp
  // Rows done (from row 0) of the cell update and of the heads (avx512.cpp).
  static int cells_special(const View& v, const float* act, const float* cp, float* c, float* tc,
                           float* h);
  static int heads_special(const View& v, const float* h, float* pred);
  // Entries done (from 0) of the gate gradients of a 4-unit tail chunk (avx512.cpp).
  template <bool Ord>
  static int grads_tail4(const View& v, int nb, const int* ord, int k0, const float* act,
                         const float* tc, const float* h, const float* cp, const float* dp, V& hw0,
                         V& hw1);
};
