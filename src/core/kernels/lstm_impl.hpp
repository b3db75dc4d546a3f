// The LSTM kernels of every ISA variant, written once over the vector operations
// of a struct S (simd_avx512.hpp, simd_avx2.hpp, simd_generic.hpp). Included
// inside an anonymous namespace of each per-ISA unit, after S: every function
// here has internal linkage, so no instruction of one ISA can leak to another.
// Shapes and equations: mtl/kernels.hpp. Lanes L = S::L; Gp, Hp padded to L.
//
// Register blocking: each product keeps an R x NV block of accumulators in
// registers (rows x vectors of L columns); wide outputs (4H > L * S::kGateVecs,
// any hidden size) are tiled over column blocks. Every output element is one fma
// chain in a fixed order (k, j or n ascending, t descending in the backward), the
// same whatever the tile, so the numbers depend only on shape and ISA.

using V = S::V;
using M = S::M;
constexpr int L = S::L;

// ---- activations (the formulas of math.cpp's fast_exp, L lanes at a time) -----
// e^-x: n = round(-x log2e) by the 1.5 * 2^23 shifter, r = -x - n ln2 (Cody-Waite),
// the Cephes polynomial, times 2^n built in the exponent field. The negation is
// folded into the constants: min(88, -x) = -max(-88, x), (-x) log2e = x (-log2e),
// -n ln2hi + (-x) = fnms(n, ln2hi, x).
inline V exp_neg(V x) {
  x = S::max(S::set1(-k::kExpHi), x);  // NaN passes through (max returns its 2nd operand)
  x = S::min(S::set1(-k::kExpLo), x);
  const V shifter = S::set1(k::kShifter);
  const V t = S::add(S::mul(x, S::set1(-k::kLog2e)), shifter);
  const V n = S::sub(t, shifter);
  V r = S::fnms(n, S::set1(k::kLn2Hi), x);
  r = S::fnma(n, S::set1(k::kLn2Lo), r);
  V p = S::set1(k::kP0);
  p = S::fma(p, r, S::set1(k::kP1));
  p = S::fma(p, r, S::set1(k::kP2));
  p = S::fma(p, r, S::set1(k::kP3));
  p = S::fma(p, r, S::set1(k::kP4));
  p = S::fma(p, r, S::set1(k::kP5));
  p = S::fma(p, S::mul(r, r), S::add(r, S::set1(1.0f)));
  return S::mul(p, S::pow2n(t, shifter));
}
inline V sigmoid(V x) { return S::recip(S::add(S::set1(1.0f), exp_neg(x))); }
// tanh(x) = 2 sig(2x) - 1 with adds (x + x, s + s exact; one rounding in - 1).
inline V tanh_v(V x) {
  const V s = sigmoid(S::add(x, x));
  return S::sub(S::add(s, s), S::set1(1.0f));
}
// Gate activation of one vector of columns: sig on i, f, o lanes; tanh on the g
// lanes (mask g) by the same doublings as tanh_v, as masked adds.
inline V activate(V pre, M g) {
  const V s = sigmoid(S::add_masked(pre, g, pre));
  return S::sub_masked(S::add_masked(s, g, s), g, S::set1(1.0f));
}
// Lanes of the vector starting at column j0 that lie in the g block [2H, 3H).
inline M g_lanes(int H, int j0) {
  const int lo = 2 * H - j0, hi = 3 * H - j0;
  return S::mask_andnot(S::mask_n(lo > 0 ? lo : 0), S::mask_n(hi > 0 ? hi : 0));
}

template <int N>
struct Int {
  static constexpr int value = N;
};

// Rows [0, N) in blocks of R, the remainder as one smaller block (no latency-bound
// 1-row tail for N = 25): f(Int<rows>{}, first row) for each block, in order.
template <int R, class F>
void row_blocks(int N, F&& f) {
  int n = 0;
  for (; n + R <= N; n += R) f(Int<R>{}, n);
  const int rest = N - n;
  if constexpr (R > 4) if (rest == 4) return f(Int<4>{}, n);
  if constexpr (R > 3) if (rest == 3) return f(Int<3>{}, n);
  if constexpr (R > 2) if (rest == 2) return f(Int<2>{}, n);
  if constexpr (R > 1) if (rest == 1) return f(Int<1>{}, n);
}

// ---- forward ----------------------------------------------------------------
// act[R rows, NV vectors from column v0 L] = activation(b + x wx + h wh); wp holds
// wx [C, Gp], wh [H, Gp], b [Gp] row after row.
template <int R, int NV>
void gates_block(const View& v, int v0, const float* x, const float* hp, float* act) {
  const int C = v.C, H = v.H, Gp = v.Gp;
  const float* col = v.wp + v0 * L;
  V acc[R][NV];
  for (int j = 0; j < NV; ++j) {
    const V b = S::load(col + (C + H) * Gp + j * L);
    for (int r = 0; r < R; ++r) acc[r][j] = b;
  }
  for (int k = 0; k < C; ++k) {
    V w[NV];
    for (int j = 0; j < NV; ++j) w[j] = S::load(col + k * Gp + j * L);
    for (int r = 0; r < R; ++r) {
      const V a = S::set1(x[r * C + k]);
      for (int j = 0; j < NV; ++j) acc[r][j] = S::fma(a, w[j], acc[r][j]);
    }
  }
  for (int k = 0; k < H; ++k) {
    V w[NV];
    for (int j = 0; j < NV; ++j) w[j] = S::load(col + (C + k) * Gp + j * L);
    for (int r = 0; r < R; ++r) {
      const V a = S::set1(hp[r * H + k]);
      for (int j = 0; j < NV; ++j) acc[r][j] = S::fma(a, w[j], acc[r][j]);
    }
  }
  // Vectors without g lanes (3 of 5 for H = 20 on AVX-512) need only the sigmoid.
  for (int j = 0; j < NV; ++j) {
    const M g = g_lanes(H, (v0 + j) * L);
    float* out = act + (v0 + j) * L;
    if (!S::mask_any(g)) {
      for (int r = 0; r < R; ++r) S::store(out + r * Gp, sigmoid(acc[r][j]));
    } else {
      for (int r = 0; r < R; ++r) S::store(out + r * Gp, activate(acc[r][j], g));
    }
  }
}

template <int NV>
void gates_tile(const View& v, int v0, const float* x, const float* hp, float* act) {
  row_blocks<S::gate_rows(NV)>(v.N, [&](auto r, int n) {
    gates_block<decltype(r)::value, NV>(v, v0, x + n * v.C, hp + n * v.H,
                                        act + static_cast<std::size_t>(n) * v.Gp);
  });
}

// Split `total` vectors into the fewest tiles of at most `most`, sizes as equal as
// possible; calls f(first vector, vectors) for each.
template <class F>
void for_tiles(int total, int most, F&& f) {
  const int tiles = (total + most - 1) / most;
  int v0 = 0;
  for (int t = 0; t < tiles; ++t) {
    const int nv = total / tiles + (t < total % tiles ? 1 : 0);
    f(v0, nv);
    v0 += nv;
  }
}

// Calls f(Int<NV>{}) for a run-time NV in [1, MAX] (MAX <= 6).
template <int MAX, class F>
void with_vecs(int nv, F&& f) {
  if constexpr (MAX >= 1) if (nv == 1) return f(Int<1>{});
  if constexpr (MAX >= 2) if (nv == 2) return f(Int<2>{});
  if constexpr (MAX >= 3) if (nv == 3) return f(Int<3>{});
  if constexpr (MAX >= 4) if (nv == 4) return f(Int<4>{});
  if constexpr (MAX >= 5) if (nv == 5) return f(Int<5>{});
  if constexpr (MAX >= 6) if (nv == 6) return f(Int<6>{});
}

void gates_all(const View& v, const float* x, const float* hp, float* act) {
  for_tiles(v.Gp / L, S::kGateVecs, [&](int v0, int nv) {
    with_vecs<S::kGateVecs>(nv, [&](auto n) { gates_tile<decltype(n)::value>(v, v0, x, hp, act); });
  });
}

// c = f c_prev + i g, tc = tanh(c), h = o tc for one row, in chunks of L columns.
void cell_row(int H, const float* a, const float* cp, float* c, float* tc, float* h) {
  for (int k0 = 0; k0 < H; k0 += L) {
    const M m = S::mask_n(H - k0);
    const V i = S::loadz(m, a + k0), f = S::loadz(m, a + H + k0);
    const V g = S::loadz(m, a + 2 * H + k0), o = S::loadz(m, a + 3 * H + k0);
    const V cv = S::fma(f, S::loadz(m, cp + k0), S::mul(i, g));
    const V t = tanh_v(cv);
    S::storem(c + k0, m, cv);
    S::storem(tc + k0, m, t);
    S::storem(h + k0, m, S::mul(o, t));
  }
}

// The same update as one flat pass over the N H elements of [N, H] (needs H >= L):
// for H = 20 and L = 16 that is 32 vectors instead of 25 rows x 2. A vector may
// cover the end of row n and the start of row n + 1; its gate values come from the
// two rows of act [N, Gp] by two masked loads. Same values as cell_row.
void cell_flat(int H, int N, int Gp, const float* act, const float* cp, float* c, float* tc,
               float* h) {
  const int total = N * H;
  int n = 0, k0 = 0;  // row and column of element e0
  for (int e0 = 0; e0 < total; e0 += L) {
    const M valid = S::mask_n(total - e0);
    const M lo = S::mask_and(S::mask_n(H - k0), valid);
    const M hi = S::mask_andnot(lo, valid);
    const bool next_row = S::mask_any(hi);
    const float* a0 = act + static_cast<std::size_t>(n) * Gp + k0;
    V gate[4];
    for (int q = 0; q < 4; ++q) {
      gate[q] = S::loadz(lo, a0 + q * H);
      if (next_row) gate[q] = S::loadm(gate[q], hi, a0 + Gp - H + q * H);  // row n + 1
    }
    const V cv = S::fma(gate[1], S::loadz(valid, cp + e0), S::mul(gate[0], gate[2]));
    const V t = tanh_v(cv);
    S::storem(c + e0, valid, cv);
    S::storem(tc + e0, valid, t);
    S::storem(h + e0, valid, S::mul(gate[3], t));
    for (k0 += L; k0 >= H; k0 -= H) ++n;
  }
}

// pred = h head_w + head_b for one row (fixed-order lane reduction).
void head_row(int H, int Hp, const float* h, const float* hwT, const float* hb, float* pred) {
  V s0 = S::zero(), s1 = S::zero();
  for (int k0 = 0; k0 < H; k0 += L) {
    const V hv = S::loadz(S::mask_n(H - k0), h + k0);
    s0 = S::fma(hv, S::load(hwT + k0), s0);
    s1 = S::fma(hv, S::load(hwT + Hp + k0), s1);
  }
  pred[0] = hb[0] + S::hsum(s0);
  pred[1] = hb[1] + S::hsum(s1);
}

// hwT [2, Hp] = head_w^T, zero padded.
void transpose_heads(const View& v) {
  for (int k = 0; k < 2 * v.Hp; ++k) v.hwT[k] = 0.0f;
  for (int k = 0; k < v.H; ++k)
    for (int o = 0; o < 2; ++o) v.hwT[o * v.Hp + k] = v.params[v.lay.head_w + k * 2 + o];
}

// Padded copies: wp = [wx; wh; b] rows of Gp, hwT [2, Hp]; padding zero.
void pad_weights(const View& v) {
  const int C = v.C, H = v.H, G = 4 * H, Gp = v.Gp;
  const float* p = v.params;
  for (int r = 0; r < C + H + 1; ++r) {
    const float* src = r < C ? p + v.lay.wx + r * G
                             : (r < C + H ? p + v.lay.wh + (r - C) * G : p + v.lay.b);
    float* dst = v.wp + static_cast<std::size_t>(r) * Gp;
    for (int j = 0; j < Gp; ++j) dst[j] = j < G ? src[j] : 0.0f;
  }
  transpose_heads(v);
}

// One time step: gates, cell, heads. Two passes after the gates, not one doing
// both per row: each row's cell -> head work is a long dependency chain, and rows
// are independent, so short bodies let the core overlap many rows.
void step(const View& v, const float* x_t, const float* hp, const float* cp, float* act,
          float* c, float* tc, float* h, float* pred) {
  gates_all(v, x_t, hp, act);
  if (v.H >= L) {
    cell_flat(v.H, v.N, v.Gp, act, cp, c, tc, h);
  } else {
    for (int n = 0; n < v.N; ++n)
      cell_row(v.H, act + static_cast<std::size_t>(n) * v.Gp, cp + n * v.H, c + n * v.H,
               tc + n * v.H, h + n * v.H);
  }
  const float* hb = v.params + v.lay.head_b;
  for (int n = 0; n < v.N; ++n) head_row(v.H, v.Hp, h + n * v.H, v.hwT, hb, pred + 2 * n);
}

void forward_train(const View& v) {
  pad_weights(v);
  const std::size_t sx = static_cast<std::size_t>(v.N) * v.C, sh = static_cast<std::size_t>(v.N) * v.H;
  const std::size_t sg = static_cast<std::size_t>(v.N) * v.Gp;
  for (int t = 0; t < v.T; ++t) {
    const float* hp = t > 0 ? v.h + (t - 1) * sh : v.zeros;
    const float* cp = t > 0 ? v.c + (t - 1) * sh : v.zeros;
    step(v, v.x + t * sx, hp, cp, v.act + t * sg, v.c + t * sh, v.tc + t * sh, v.h + t * sh,
         v.pred + t * 2 * static_cast<std::size_t>(v.N));
  }
}

// Inference: c and h alternate between two [N, H] slots; act and tc are one step.
// With v.rows, step t works on its first rows[t] rows only (x and pred keep their
// stride of N rows): the validation pass skips the padded tail of the last
// sequence (a 5-year period in 365-day blocks is 5 blocks and one day), whose
// 1-row gate block costs the latency of a whole block at every step.
void forward_predict(const View& v) {
  pad_weights(v);
  const std::size_t sx = static_cast<std::size_t>(v.N) * v.C, sh = static_cast<std::size_t>(v.N) * v.H;
  View vt = v;
  for (int t = 0; t < v.T; ++t) {
    vt.N = v.rows ? v.rows[t] : v.N;
    if (vt.N <= 0) break;
    const std::size_t cur = (t % 2) * sh, prev = ((t + 1) % 2) * sh;
    const float* hp = t > 0 ? v.h + prev : v.zeros;
    const float* cp = t > 0 ? v.c + prev : v.zeros;
    step(vt, v.x + t * sx, hp, cp, v.act, v.c + cur, v.tc, v.h + cur,
         v.pred + t * 2 * static_cast<std::size_t>(v.N));
  }
}

// ---- backward (one step t; Gp-strided dg, Hp-strided dh and dc) ----------------
//   dh   = dh_{from t+1} + dpred_t head_w^T                         [N, H]
//   da_o = dh tanh(c) o (1 - o);   dc = dh o (1 - tanh(c)^2) + dc_{from t+1}
//   da_i = dc g i (1 - i);  da_g = dc i (1 - g^2);  da_f = dc c_{t-1} f (1 - f)
//   dc_{to t-1} = dc f;     dh_{to t-1} = da wh^T                       [N, 4H] x [4H, H]
//   dwx += x_t^T da;  dwh += h_{t-1}^T da;  db += sum_n da;  dhead += h_t^T dpred_t
// Chunks of L columns outermost, rows inside: the head-kernel gradient of a chunk
// stays in two registers across the N rows (through memory, each row's masked
// load would wait for the previous row's masked store). n ascending per element.
void gate_grads(const View& v, int t, const float* cp, float* dhb) {
  const int H = v.H, Hp = v.Hp, Gp = v.Gp, N = v.N;
  const std::size_t sh = static_cast<std::size_t>(N) * H;
  const float* act = v.act + t * static_cast<std::size_t>(N) * Gp;
  const float* tc = v.tc + t * sh;
  const float* h = v.h + t * sh;
  const float* dp = v.dpred + t * 2 * static_cast<std::size_t>(N);
  const V one = S::set1(1.0f);
  for (int k0 = 0; k0 < H; k0 += L) {
    const M m = S::mask_n(H - k0);
    const V w0 = S::load(v.hwT + k0), w1 = S::load(v.hwT + Hp + k0);
    V hw0 = S::load(v.dhwT + k0), hw1 = S::load(v.dhwT + Hp + k0);
    for (int n = 0; n < N; ++n) {
      const float* a = act + static_cast<std::size_t>(n) * Gp;
      float* dg = v.dg + static_cast<std::size_t>(n) * Gp;
      const V dp0 = S::set1(dp[2 * n]), dp1 = S::set1(dp[2 * n + 1]);
      const int q = n * H + k0, qp = n * Hp + k0;
      V dhv = S::loadz(m, v.dh + qp);
      dhv = S::fma(dp0, w0, dhv);
      dhv = S::fma(dp1, w1, dhv);
      const V i = S::loadz(m, a + k0), f = S::loadz(m, a + H + k0);
      const V g = S::loadz(m, a + 2 * H + k0), o = S::loadz(m, a + 3 * H + k0);
      const V tv = S::loadz(m, tc + q);
      const V dao = S::mul(S::mul(dhv, tv), S::mul(o, S::sub(one, o)));
      const V dcv = S::fma(S::mul(dhv, o), S::fnma(tv, tv, one), S::loadz(m, v.dc + qp));
      const V dai = S::mul(S::mul(dcv, g), S::mul(i, S::sub(one, i)));
      const V dag = S::mul(S::mul(dcv, i), S::fnma(g, g, one));
      const V daf = S::mul(S::mul(dcv, S::loadz(m, cp + q)), S::mul(f, S::sub(one, f)));
      S::storem(dg + k0, m, dai);
      S::storem(dg + H + k0, m, daf);
      S::storem(dg + 2 * H + k0, m, dag);
      S::storem(dg + 3 * H + k0, m, dao);
      S::storem(v.dc + qp, m, S::mul(dcv, f));
      const V hv = S::loadz(m, h + q);
      hw0 = S::fma(dp0, hv, hw0);
      hw1 = S::fma(dp1, hv, hw1);
    }
    S::store(v.dhwT + k0, hw0);
    S::store(v.dhwT + Hp + k0, hw1);
  }
  for (int n = 0; n < N; ++n) {
    dhb[0] += dp[2 * n];
    dhb[1] += dp[2 * n + 1];
  }
}

// dh[R rows, NV vectors from column v0 L] = dg[R, 4H] whT[4H, Hp].
template <int R, int NV>
void dh_block(const View& v, int v0, const float* dg, float* dh) {
  const int G = 4 * v.H, Gp = v.Gp, Hp = v.Hp;
  const float* col = v.whT + v0 * L;
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) acc[r][j] = S::zero();
  for (int c = 0; c < G; ++c) {
    V w[NV];
    for (int j = 0; j < NV; ++j) w[j] = S::load(col + c * Hp + j * L);
    for (int r = 0; r < R; ++r) {
      const V a = S::set1(dg[r * Gp + c]);
      for (int j = 0; j < NV; ++j) acc[r][j] = S::fma(a, w[j], acc[r][j]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) S::store(dh + r * Hp + (v0 + j) * L, acc[r][j]);
}

template <int NV>
void dh_tile(const View& v, int v0) {
  row_blocks<S::kDhRows>(v.N, [&](auto r, int n) {
    dh_block<decltype(r)::value, NV>(v, v0, v.dg + n * v.Gp, v.dh + n * v.Hp);
  });
}

void dh_all(const View& v) {
  if (S::dh_special(v)) return;
  for_tiles(v.Hp / L, S::kDhVecs, [&](int v0, int nv) {
    with_vecs<S::kDhVecs>(nv, [&](auto n) { dh_tile<decltype(n)::value>(v, v0); });
  });
}

// dw[R rows, NV vectors from column v0 L] += z[N, R (stride ldz)]^T dg[N, Gp].
template <int R, int NV>
void outer_block(const View& v, int v0, const float* z, int ldz, float* dw) {
  const int Gp = v.Gp;
  const float* dg = v.dg + v0 * L;
  dw += v0 * L;
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) acc[r][j] = S::load(dw + r * Gp + j * L);
  for (int n = 0; n < v.N; ++n) {
    V d[NV];
    for (int j = 0; j < NV; ++j) {
      d[j] = S::load(dg + n * Gp + j * L);
      S::pin(d[j]);
    }
    for (int r = 0; r < R; ++r) {
      const V a = S::set1(z[n * ldz + r]);
      for (int j = 0; j < NV; ++j) acc[r][j] = S::fma(a, d[j], acc[r][j]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) S::store(dw + r * Gp + j * L, acc[r][j]);
}

template <int NV>
void outer_tile(const View& v, int v0, int K, const float* z, float* dw) {
  row_blocks<S::kOuterRows>(K, [&](auto r, int k) {
    outer_block<decltype(r)::value, NV>(v, v0, z + k, K, dw + k * v.Gp);
  });
}

// dwx += x_t^T dg, dwh += h_{t-1}^T dg (t > 0: h_{-1} = 0 adds nothing), db += sum dg.
void weight_grads(const View& v, int t) {
  const int C = v.C, H = v.H, Gp = v.Gp;
  const float* x = v.x + t * static_cast<std::size_t>(v.N) * C;
  const float* hp = t > 0 ? v.h + (t - 1) * static_cast<std::size_t>(v.N) * H : nullptr;
  for_tiles(Gp / L, S::kOuterVecs, [&](int v0, int nv) {
    with_vecs<S::kOuterVecs>(nv, [&](auto n) {
      constexpr int NV = decltype(n)::value;
      outer_tile<NV>(v, v0, C, x, v.dwp);
      if (hp) outer_tile<NV>(v, v0, H, hp, v.dwp + static_cast<std::size_t>(C) * Gp);
    });
  });
  float* db = v.dwp + static_cast<std::size_t>(C + H) * Gp;
  for (int j = 0; j < Gp; j += L) {
    V acc = S::load(db + j);
    for (int n = 0; n < v.N; ++n) acc = S::add(acc, S::load(v.dg + n * Gp + j));
    S::store(db + j, acc);
  }
}

void backward(const View& v) {
  const int C = v.C, H = v.H, G = 4 * H, Gp = v.Gp, Hp = v.Hp, N = v.N;
  const float* p = v.params;
  for (int j = 0; j < Gp; ++j)
    for (int k = 0; k < Hp; ++k)
      v.whT[j * Hp + k] = (j < G && k < H) ? p[v.lay.wh + k * G + j] : 0.0f;
  transpose_heads(v);
  for (int k = 0; k < 2 * Hp; ++k) v.dhwT[k] = 0.0f;
  const std::size_t nw = static_cast<std::size_t>(C + H + 1) * Gp;
  for (std::size_t i = 0; i < nw; ++i) v.dwp[i] = 0.0f;
  for (int i = 0; i < N * Gp; ++i) v.dg[i] = 0.0f;  // padding columns stay 0
  for (int i = 0; i < N * Hp; ++i) v.dh[i] = v.dc[i] = 0.0f;
  float dhb[2] = {0.0f, 0.0f};
  const std::size_t sh = static_cast<std::size_t>(N) * H;
  for (int t = v.T - 1; t >= 0; --t) {
    gate_grads(v, t, t > 0 ? v.c + (t - 1) * sh : v.zeros, dhb);
    if (t > 0) dh_all(v);
    weight_grads(v, t);
  }
  float* g = v.grads;
  for (int r = 0; r < C + H + 1; ++r) {
    float* dst = g + (r < C ? v.lay.wx + r * G : (r < C + H ? v.lay.wh + (r - C) * G : v.lay.b));
    const float* src = v.dwp + static_cast<std::size_t>(r) * Gp;
    for (int j = 0; j < G; ++j) dst[j] = src[j];
  }
  for (int k = 0; k < H; ++k)
    for (int o = 0; o < 2; ++o) g[v.lay.head_w + k * 2 + o] = v.dhwT[o * Hp + k];
  g[v.lay.head_b] = dhb[0];
  g[v.lay.head_b + 1] = dhb[1];
}
