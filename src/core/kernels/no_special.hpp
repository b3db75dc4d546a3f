// The special forms lstm_impl.hpp asks its S for, absent: the AVX2 and generic
// variants derive their S from this (the AVX-512 one has them, avx512.cpp), so
// lstm_impl.hpp runs its general code for every row. Included inside an anonymous
// namespace by avx2.cpp and generic.cpp, before the S it serves.
struct NoSpecialForms {
  static bool dh_special(const View&) { return false; }
  static int cells_special(const View&, const float*, const float*, float*, float*, float*) {
    return 0;
  }
  static int heads_special(const View&, const float*, float*) { return 0; }
  template <bool Ord, class V>
  static int grads_tail4(const View&, int, const int*, int, const float*, const float*,
                         const float*, const float*, const float*, V&, V&) {
    return 0;
  }
};
