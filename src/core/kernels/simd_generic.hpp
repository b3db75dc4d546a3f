// Portable vector operations for lstm_impl.hpp: GCC vector extensions of 4 floats,
// which the compiler maps to the target's baseline SIMD (SSE2 on x86-64, NEON on
// AArch64). No fused multiply-add (ISO C++ mode does not contract a * b + c), so
// this variant rounds a little differently from the AVX ones. Included inside an
// anonymous namespace by generic.cpp.
typedef float GenV __attribute__((vector_size(16)));
typedef int GenM __attribute__((vector_size(16)));

struct S : NoSpecialForms {  // no_special.hpp
  using V = GenV;
  using M = GenM;
  static constexpr int L = 4;
  static constexpr int kGateVecs = 3;
  static constexpr int kDhVecs = 3;
  static constexpr int kOuterVecs = 3;
  static constexpr int gate_rows(int) { return 4; }
  static constexpr int kDhRows = 4;
  static constexpr int kOuterRows = 4;
  static constexpr int kDwSteps = 4;  // dW over 4 steps: backward ~5 % faster

  static V zero() { return V{0.0f, 0.0f, 0.0f, 0.0f}; }
  static V set1(float a) { return V{a, a, a, a}; }
  static V load(const float* p) {
    V v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, V v) { __builtin_memcpy(p, &v, sizeof v); }
  static V load4(const float* p) { return load(p); }  // 4 floats = one vector
  static void store4(float* p, V v) { store(p, v); }
  static M mask_n(int n) { return M{0 < n ? -1 : 0, 1 < n ? -1 : 0, 2 < n ? -1 : 0, 3 < n ? -1 : 0}; }
  static M mask_andnot(M a, M b) { return ~a & b; }
  static M mask_and(M a, M b) { return a & b; }
  static bool mask_any(M m) { return (m[0] | m[1] | m[2] | m[3]) != 0; }
  static V loadz(M m, const float* p) {  // masked-off lanes are never read
    V v = zero();
    for (int l = 0; l < 4; ++l)
      if (m[l]) v[l] = p[l];
    return v;
  }
  static V loadm(V v, M m, const float* p) {
    for (int l = 0; l < 4; ++l)
      if (m[l]) v[l] = p[l];
    return v;
  }
  static void storem(float* p, M m, V v) {
    for (int l = 0; l < 4; ++l)
      if (m[l]) p[l] = v[l];
  }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V fnma(V a, V b, V c) { return c - a * b; }
  static V fnms(V a, V b, V c) { return -(a * b) - c; }
  static V min(V a, V b) { return a < b ? a : b; }  // b when either is NaN, as minps
  static V max(V a, V b) { return a > b ? a : b; }
  static V add_masked(V a, M m, V b) { return m ? a + b : a; }
  static V sub_masked(V a, M m, V b) { return m ? a - b : a; }
  static constexpr bool kScaleAnyN = false;  // as simd_avx2.hpp: n + 127 in [1, 254]
  static V times_pow2(V p, V /*n*/, V t, V shifter) {
    const GenM n = __builtin_bit_cast(GenM, t) - __builtin_bit_cast(GenM, shifter);
    return p * __builtin_bit_cast(V, (n + 127) << 23);
  }
  static V recip(V d) { return set1(1.0f) / d; }
  static float hsum(V v) { return (v[0] + v[2]) + (v[1] + v[3]); }
  static void pin(V&) {}
};
