// AVX2 + FMA vector operations for lstm_impl.hpp (8 float lanes; masks are
// vectors of all-ones lanes). Included inside an anonymous namespace by avx2.cpp,
// after <immintrin.h>.
// The same members in the same order as simd_avx512.hpp and simd_generic.hpp, by
// design: they are the one interface lstm_impl.hpp is written against, each
// ISA's types and intrinsics behind it (the likeness is that interface).
alignas(32) const int kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct S : NoSpecialForms {  // no_special.hpp
  using V = __m256;
  using M = __m256i;
  static constexpr int L = 8;
  // Register blocking (16 ymm): accumulators + weight vectors + one broadcast.
  static constexpr int kGateVecs = 3;   // 4 rows x 3 vectors
  static constexpr int kDhVecs = 3;
  static constexpr int kOuterVecs = 3;
  static constexpr int gate_rows(int) { return 4; }
  static constexpr int kDhRows = 4;
  static constexpr int kOuterRows = 4;
  // dW step by step: over 4 steps (as AVX-512) the backward was 1-3 % slower here.
  static constexpr int kDwSteps = 1;

  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float a) { return _mm256_set1_ps(a); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  // 4 floats, plain 128-bit access (upper lanes 0).
  static V load4(const float* p) { return _mm256_zextps128_ps256(_mm_loadu_ps(p)); }
  static void store4(float* p, V v) { _mm_storeu_ps(p, _mm256_castps256_ps128(v)); }
  static M mask_n(int n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - (n >= 8 ? 8 : n)));
  }
  static M mask_andnot(M a, M b) { return _mm256_andnot_si256(a, b); }
  static M mask_and(M a, M b) { return _mm256_and_si256(a, b); }
  static bool mask_any(M m) { return !_mm256_testz_si256(m, m); }
  static V loadz(M m, const float* p) { return _mm256_maskload_ps(p, m); }
  static V loadm(V src, M m, const float* p) {
    return _mm256_blendv_ps(src, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static void storem(float* p, M m, V v) { _mm256_maskstore_ps(p, m, v); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static V fnms(V a, V b, V c) { return _mm256_fnmsub_ps(a, b, c); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V add_masked(V a, M m, V b) { return _mm256_add_ps(a, _mm256_and_ps(b, _mm256_castsi256_ps(m))); }
  static V sub_masked(V a, M m, V b) { return _mm256_sub_ps(a, _mm256_and_ps(b, _mm256_castsi256_ps(m))); }
  // p 2^n with 2^n built in the exponent field from t = n + 1.5 * 2^23 (integer ops):
  // n + 127 must lie in [1, 254], so exp_neg clamps its argument on both sides.
  static constexpr bool kScaleAnyN = false;
  static V times_pow2(V p, V /*n*/, V t, V shifter) {
    const __m256i n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(shifter));
    return _mm256_mul_ps(
        p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23)));
  }
  // rcp (relative error <= 1.5 2^-12) and one Newton step: ~2^-23 before rounding.
  static V recip(V d) {
    const V r0 = _mm256_rcp_ps(d);
    return _mm256_fmadd_ps(r0, _mm256_fnmadd_ps(d, r0, set1(1.0f)), r0);
  }
  static float hsum(V v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 q = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
  }
  static void pin(V& v) { __asm__("" : "+x"(v)); }
};
