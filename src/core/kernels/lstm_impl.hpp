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
// the Cephes polynomial, times 2^n (S::times_pow2). The negation is
// folded into the constants: min(88, -x) = -max(-88, x), (-x) log2e = x (-log2e),
// -n ln2hi + (-x) = fnms(n, ln2hi, x).
// Where S scales by any power of two (S::kScaleAnyN: AVX-512's vscalefps), the
// lower clamp goes: past it e^-x < e^-87 < 2^-125, and 1 + e^-x rounds to 1 either
// way, so sigmoid and tanh keep their values (e^-x itself is then more accurate).
inline V exp_neg(V x) {
  x = S::max(S::set1(-k::kExpHi), x);  // NaN passes through (max returns its 2nd operand)
  if constexpr (!S::kScaleAnyN) x = S::min(S::set1(-k::kExpLo), x);
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
  return S::times_pow2(p, n, t, shifter);
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
// ---- the same, K vectors in lockstep ----------------------------------------
// Each activation is a chain of about 20 dependent operations. Written one vector
// after the other, the out-of-order core holds only a few such chains at once (its
// FP scheduler fills with operations waiting on their predecessors), and the
// element-wise passes ran latency-bound: the cell pass took 44 cycles a row at
// H = 20 on AVX-512. Each step below is applied to K independent vectors before the
// next, so K operations are ready at a time. The same operations per vector as
// exp_neg, sigmoid, tanh_v and activate, so the same values.
template <int K>
inline void exp_neg_k(V* x) {
  const V shifter = S::set1(k::kShifter);
  V t[K], n[K], r[K], p[K];
  for (int i = 0; i < K; ++i) x[i] = S::max(S::set1(-k::kExpHi), x[i]);
  if constexpr (!S::kScaleAnyN)
    for (int i = 0; i < K; ++i) x[i] = S::min(S::set1(-k::kExpLo), x[i]);
  for (int i = 0; i < K; ++i) t[i] = S::add(S::mul(x[i], S::set1(-k::kLog2e)), shifter);
  for (int i = 0; i < K; ++i) {
    n[i] = S::sub(t[i], shifter);
    r[i] = S::fnms(n[i], S::set1(k::kLn2Hi), x[i]);
    r[i] = S::fnma(n[i], S::set1(k::kLn2Lo), r[i]);
  }
  for (int i = 0; i < K; ++i) p[i] = S::fma(S::set1(k::kP0), r[i], S::set1(k::kP1));
  for (int i = 0; i < K; ++i) p[i] = S::fma(p[i], r[i], S::set1(k::kP2));
  for (int i = 0; i < K; ++i) p[i] = S::fma(p[i], r[i], S::set1(k::kP3));
  for (int i = 0; i < K; ++i) p[i] = S::fma(p[i], r[i], S::set1(k::kP4));
  for (int i = 0; i < K; ++i) p[i] = S::fma(p[i], r[i], S::set1(k::kP5));
  for (int i = 0; i < K; ++i) p[i] = S::fma(p[i], S::mul(r[i], r[i]), S::add(r[i], S::set1(1.0f)));
  for (int i = 0; i < K; ++i) x[i] = S::times_pow2(p[i], n[i], t[i], shifter);
}
template <int K>
inline void sigmoid_k(V* x) {
  exp_neg_k<K>(x);
  for (int i = 0; i < K; ++i) x[i] = S::recip(S::add(S::set1(1.0f), x[i]));
}
template <int K>
inline void tanh_k(V* x) {
  for (int i = 0; i < K; ++i) x[i] = S::add(x[i], x[i]);
  sigmoid_k<K>(x);
  for (int i = 0; i < K; ++i) x[i] = S::sub(S::add(x[i], x[i]), S::set1(1.0f));
}
// activate on K vectors with g-lane masks g[i] (none: sigmoid only, as gates_block).
template <int K>
inline void activate_k(V* x, const M* g) {
  bool any[K];
  for (int i = 0; i < K; ++i) any[i] = S::mask_any(g[i]);
  for (int i = 0; i < K; ++i)
    if (any[i]) x[i] = S::add_masked(x[i], g[i], x[i]);
  sigmoid_k<K>(x);
  for (int i = 0; i < K; ++i)
    if (any[i]) x[i] = S::sub_masked(S::add_masked(x[i], g[i], x[i]), g[i], S::set1(1.0f));
}

// ---- gate column layout ----------------------------------------------------
// The kernels' gate columns (rows of wp, act, dg, dwp) are not the parameter
// order q H + k (gate q, unit k): the units go in chunks of L, and a full chunk
// [k0, k0 + L) (k0 < Hf = H - H % L) keeps its i, f, g, o as the four vectors at
// columns 4 k0 + q L, so the cell update and the gate gradients work on whole
// aligned vectors without masks; the Ht = H % L tail units keep theirs at
// 4 Hf + q Ht + (k - Hf), padded to Gp (for H < L that is the parameter order).
// H = 20, L = 16: [i0-15 | f0-15 | g0-15 | o0-15 | i16-19 f16-19 g16-19 o16-19].
// Each column is its own fma chain, and dh sums over the columns in the
// parameter order (for_gate_cols), so the layout changes no value.
inline int tail_units(int H) { return H % L; }
inline int full_units(int H) { return H - H % L; }

// f(parameter column q H + k, kernel column) for every gate column, in parameter order.
template <class F>
void for_gate_cols(int H, F&& f) {
  const int Hf = full_units(H), Ht = tail_units(H);
  for (int q = 0; q < 4; ++q) {
    for (int k0 = 0; k0 < Hf; k0 += L)
      for (int kk = 0; kk < L; ++kk) f(q * H + k0 + kk, 4 * k0 + q * L + kk);
    for (int k = 0; k < Ht; ++k) f(q * H + Hf + k, 4 * Hf + q * Ht + k);
  }
}

// Lanes of the vector starting at kernel column j0 (a multiple of L) that hold g.
inline M g_lanes(int H, int j0) {
  const int Hf = full_units(H), Ht = tail_units(H);
  if (j0 < 4 * Hf) return S::mask_n((j0 / L) % 4 == 2 ? L : 0);
  const int lo = 4 * Hf + 2 * Ht - j0, hi = 4 * Hf + 3 * Ht - j0;
  return S::mask_andnot(S::mask_n(lo > 0 ? lo : 0), S::mask_n(hi > 0 ? hi : 0));
}

// Access of W floats of a chunk: W = L a whole vector; W = 4 < L plain 4-float
// loads and stores (upper lanes loaded as 0), the tail of H = 20 on AVX-512 and
// AVX2, where AVX2's masked vmaskmovps (and AVX-512's masked forms) cost more; W = 0
// masked to the first units (m). Lanes past the units load as 0 in every case.
template <int W>
inline V ld(M m, const float* p) {
  if constexpr (W == L) return S::load(p);
  else if constexpr (W == 4) return S::load4(p);
  else return S::loadz(m, p);
}
template <int W>
inline void st(float* p, M m, V x) {
  if constexpr (W == L) S::store(p, x);
  else if constexpr (W == 4) S::store4(p, x);
  else S::storem(p, m, x);
}

template <int N>
struct Int {
  static constexpr int value = N;
};

// f(Int<W>{}) with the access width of a tail of Ht units (ld, st): 4 or masked.
template <class F>
void with_tail(int Ht, F&& f) {
  if (Ht == 4 && L > 4) return f(Int<4>{});
  f(Int<0>{});
}

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
  // One loop over the C + H rows of [wx; wh] (x then h, the order of two loops):
  // with two, GCC 12 kept the R x NV accumulators on the stack between them, 50
  // vector loads and stores a block more.
  for (int k = 0; k < C + H; ++k) {
    const bool in = k < C;
    const float* z = in ? x + k : hp + (k - C);
    const int ldz = in ? C : H;
    V w[NV];
    for (int j = 0; j < NV; ++j) w[j] = S::load(col + k * Gp + j * L);
    for (int r = 0; r < R; ++r) {
      const V a = S::set1(z[r * ldz]);
      for (int j = 0; j < NV; ++j) acc[r][j] = S::fma(a, w[j], acc[r][j]);
    }
  }
  // Vectors without g lanes (3 of 5 for H = 20 on AVX-512) need only the sigmoid.
  // One row's NV vectors in lockstep.
  M g[NV];
  for (int j = 0; j < NV; ++j) g[j] = g_lanes(H, (v0 + j) * L);
  // The pre-activations to act first, then each row activated in place: the
  // R x NV accumulators and the activation's constants and temporaries do not fit
  // the 32 registers together, and GCC 12 spilled the accumulators to the stack,
  // activated there and copied the results to act (two extra passes; forward 1.4 %).
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) S::store(act + r * Gp + (v0 + j) * L, acc[r][j]);
  for (int r = 0; r < R; ++r) {
    V row[NV];
    for (int j = 0; j < NV; ++j) row[j] = S::load(act + r * Gp + (v0 + j) * L);
    activate_k<NV>(row, g);
    for (int j = 0; j < NV; ++j) S::store(act + r * Gp + (v0 + j) * L, row[j]);
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

// One chunk of one row: c = f c_prev + i g, tc = tanh(c), h = o tc, from the gates
// at a (columns a + q qs: qs = L in a full chunk, Ht in the tail).
template <int W>
void cell_chunk(M m, const float* a, int qs, const float* cp, float* c, float* tc, float* h) {
  const V i = ld<W>(m, a), f = ld<W>(m, a + qs);
  const V g = ld<W>(m, a + 2 * qs), o = ld<W>(m, a + 3 * qs);
  const V cv = S::fma(f, ld<W>(m, cp), S::mul(i, g));
  const V t = tanh_v(cv);
  const V hv = S::mul(o, t);
  st<W>(c, m, cv);
  st<W>(tc, m, t);
  st<W>(h, m, hv);
}

// Cell update of one row with its NC <= 4 chunks (the full ones, then the tail of
// access width W) in lockstep: the chunks' tanh as one tanh_k. Same values as cell_row.
template <int W, int NC>
void cell_row_k(int H, const float* a, const float* cp, float* c, float* tc, float* h) {
  const int Hf = full_units(H);
  V cv[NC], t[NC];
  for (int j = 0; j < NC; ++j) {
    const int k0 = j * L;
    if (k0 < Hf) {
      const float* g = a + 4 * k0;
      cv[j] = S::fma(S::load(g + L), S::load(cp + k0), S::mul(S::load(g), S::load(g + 2 * L)));
    } else {
      const M m = S::mask_n(H - Hf);
      const int qs = H - Hf;
      const float* g = a + 4 * Hf;
      cv[j] = S::fma(ld<W>(m, g + qs), ld<W>(m, cp + Hf), S::mul(ld<W>(m, g), ld<W>(m, g + 2 * qs)));
    }
    t[j] = cv[j];
  }
  tanh_k<NC>(t);
  for (int j = 0; j < NC; ++j) {
    const int k0 = j * L;
    if (k0 < Hf) {
      S::store(c + k0, cv[j]);
      S::store(tc + k0, t[j]);
      S::store(h + k0, S::mul(S::load(a + 4 * k0 + 3 * L), t[j]));
    } else {
      const M m = S::mask_n(H - Hf);
      st<W>(c + Hf, m, cv[j]);
      st<W>(tc + Hf, m, t[j]);
      st<W>(h + Hf, m, S::mul(ld<W>(m, a + 4 * Hf + 3 * (H - Hf)), t[j]));
    }
  }
}

// Cell update of one row, chunk after chunk (more than 4 chunks: H > 4 L).
void cell_row(int H, const float* a, const float* cp, float* c, float* tc, float* h) {
  const int Hf = full_units(H);
  for (int k0 = 0; k0 < Hf; k0 += L)
    cell_chunk<L>(S::mask_n(L), a + 4 * k0, L, cp + k0, c + k0, tc + k0, h + k0);
  if (Hf == H) return;
  with_tail(H - Hf, [&](auto w) {
    cell_chunk<decltype(w)::value>(S::mask_n(H - Hf), a + 4 * Hf, H - Hf, cp + Hf, c + Hf,
                                   tc + Hf, h + Hf);
  });
}

// pred = h head_w + head_b for one row: each head one fma chain over the chunks and
// a fixed-order lane reduction.
// The two heads' dot products of one row h [H] as lane vectors s0, s1, before their
// lane sum (head_row, S::heads_special): one fma chain over the chunks. A 4-unit
// tail by a plain 4-float load, as the cell update stores it (a masked load waited
// for that store to reach the cache); lanes past H are 0 either way.
inline void head_dots(int H, int Hp, const float* h, const float* hwT, V& s0, V& s1) {
  s0 = S::zero();
  s1 = S::zero();
  for (int k0 = 0; k0 < H; k0 += L) {
    const V hv = L > 4 && H - k0 == 4 ? S::load4(h + k0) : S::loadz(S::mask_n(H - k0), h + k0);
    s0 = S::fma(hv, S::load(hwT + k0), s0);
    s1 = S::fma(hv, S::load(hwT + Hp + k0), s1);
  }
}
void head_row(int H, int Hp, const float* h, const float* hwT, const float* hb, float* pred) {
  V s0, s1;
  head_dots(H, Hp, h, hwT, s0, s1);
  pred[0] = hb[0] + S::hsum(s0);
  pred[1] = hb[1] + S::hsum(s1);
}

// hwT [2, Hp] = head_w^T, zero padded.
void transpose_heads(const View& v) {
  for (int k = 0; k < 2 * v.Hp; ++k) v.hwT[k] = 0.0f;
  for (int k = 0; k < v.H; ++k)
    for (int o = 0; o < 2; ++o) v.hwT[o * v.Hp + k] = v.params[v.lay.head_w + k * 2 + o];
}

// Padded copies: wp = [wx; wh; b] rows of Gp in the kernel column layout, hwT [2, Hp];
// padding zero.
void pad_weights(const View& v) {
  const int C = v.C, H = v.H, G = 4 * H, Gp = v.Gp;
  const float* p = v.params;
  for (int r = 0; r < C + H + 1; ++r) {
    const float* src = r < C ? p + v.lay.wx + r * G
                             : (r < C + H ? p + v.lay.wh + (r - C) * G : p + v.lay.b);
    float* dst = v.wp + static_cast<std::size_t>(r) * Gp;
    for (int j = G; j < Gp; ++j) dst[j] = 0.0f;
    for_gate_cols(H, [&](int j, int jk) { dst[jk] = src[j]; });
  }
  transpose_heads(v);
}

// Cell update of the step's rows: S::cells_special takes the first rows it can.
void cells(const View& v, const float* act, const float* cp, float* c, float* tc, float* h) {
  const int n0 = S::cells_special(v, act, cp, c, tc, h);
  const int H = v.H;
  const int chunks = (H + L - 1) / L;
  if (chunks <= 4) {
    with_tail(tail_units(H), [&](auto w) {
      with_vecs<4>(chunks, [&](auto nc) {
        for (int n = n0; n < v.N; ++n)
          cell_row_k<decltype(w)::value, decltype(nc)::value>(
              H, act + static_cast<std::size_t>(n) * v.Gp, cp + n * H, c + n * H, tc + n * H,
              h + n * H);
      });
    });
  } else {
    for (int n = n0; n < v.N; ++n)
      cell_row(H, act + static_cast<std::size_t>(n) * v.Gp, cp + n * H, c + n * H, tc + n * H,
               h + n * H);
  }
}

// pred = h head_w + head_b for the step's rows (pred row src[n] or n):
// S::heads_special takes the first rows it can, head_row the rest.
void heads(const View& v, const float* h, float* pred) {
  const float* hb = v.params + v.lay.head_b;
  for (int n = S::heads_special(v, h, pred); n < v.N; ++n)
    head_row(v.H, v.Hp, h + n * v.H, v.hwT, hb, pred + 2 * (v.src ? v.src[n] : n));
}

// One time step: gates, cell, heads. Two passes after the gates, not one doing
// both per row: each row's cell -> head work is a long dependency chain, and rows
// are independent, so short bodies let the core overlap many rows. (Each row
// block's cell update right after its gates, so that block b of step t + 1 need
// not wait for the last cell of step t, was 2-4 % slower; the heads of step t - 1
// between the gates and the cell update of step t, 1 % slower.)
void step(const View& v, const float* x_t, const float* hp, const float* cp, float* act,
          float* c, float* tc, float* h, float* pred) {
  gates_all(v, x_t, hp, act);
  cells(v, act, cp, c, tc, h);
  heads(v, h, pred);
}

// Training: the whole tape, strides of N rows; step t on its first rows[t] rows.
void forward_train(const View& v) {
  pad_weights(v);
  const std::size_t sx = static_cast<std::size_t>(v.N) * v.C, sh = static_cast<std::size_t>(v.N) * v.H;
  const std::size_t sg = static_cast<std::size_t>(v.N) * v.Gp;
  View vt = v;
  for (int t = 0; t < v.T; ++t) {
    vt.N = v.rows ? v.rows[t] : v.N;
    if (vt.N <= 0) break;
    const float* hp = t > 0 ? v.h + (t - 1) * sh : v.zeros;
    const float* cp = t > 0 ? v.c + (t - 1) * sh : v.zeros;
    step(vt, v.x + t * sx, hp, cp, v.act + t * sg, v.c + t * sh, v.tc + t * sh, v.h + t * sh,
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
// Chunks of L units outermost, rows inside: the head-kernel gradient of a chunk
// stays in two registers across the N rows (through memory, each row's masked
// load would wait for the previous row's masked store). n ascending per element.
// Gates of a chunk at kernel columns a0 + q qs (gate_col layout above).
// Ord: the rows in the order ord, dpred at rows src (a permuted plan); else 0, 1, ..
// The gate gradients of one vector of units (the equations above) from dh (dpred's
// part added), the gates i, f, g, o, tanh(c_t), dc from step t + 1 and c_{t-1}. One
// definition for the row-by-row code and the packed rows of S::grads_tail4, so the
// two compute the same values.
struct UnitGrads {
  V da[4];  // da_i, da_f, da_g, da_o
  V dc;     // dc f, flowing to step t - 1
};
inline UnitGrads unit_grads(V dhv, V i, V f, V g, V o, V tv, V dc_next, V c_prev) {
  const V one = S::set1(1.0f);
  const V dcv = S::fma(S::mul(dhv, o), S::fnma(tv, tv, one), dc_next);
  UnitGrads r;
  r.da[0] = S::mul(S::mul(dcv, g), S::mul(i, S::sub(one, i)));
  r.da[1] = S::mul(S::mul(dcv, c_prev), S::mul(f, S::sub(one, f)));
  r.da[2] = S::mul(S::mul(dcv, i), S::fnma(g, g, one));
  r.da[3] = S::mul(S::mul(dhv, tv), S::mul(o, S::sub(one, o)));
  r.dc = S::mul(dcv, f);
  return r;
}

template <int W, bool Ord>
void grads_chunk(const View& v, int nb, const int* ord, int k0, int a0, int qs, const float* act,
                 const float* tc, const float* h, const float* cp, const float* dp) {
  const int H = v.H, Hp = v.Hp, Gp = v.Gp;
  const M m = S::mask_n(H - k0);
  const V w0 = S::load(v.hwT + k0), w1 = S::load(v.hwT + Hp + k0);
  V hw0 = S::load(v.dhwT + k0), hw1 = S::load(v.dhwT + Hp + k0);
  // A 4-unit tail: the ISA may take the first rows 4 at a time (S::grads_tail4).
  const int e0 = W == 4 ? S::template grads_tail4<Ord>(v, nb, ord, k0, act, tc, h, cp, dp, hw0, hw1) : 0;
  for (int e = e0; e < nb; ++e) {
    const int n = Ord ? ord[e] : e;
    const int d = Ord ? v.src[n] : n;
    const float* a = act + static_cast<std::size_t>(n) * Gp + a0;
    float* dg = v.dg + static_cast<std::size_t>(n) * Gp + a0;
    const V dp0 = S::set1(dp[2 * d]), dp1 = S::set1(dp[2 * d + 1]);
    const int q = n * H + k0, qp = n * Hp + k0;
    V dhv = ld<W>(m, v.dh + qp);
    dhv = S::fma(dp0, w0, dhv);
    dhv = S::fma(dp1, w1, dhv);
    const V i = ld<W>(m, a), f = ld<W>(m, a + qs);
    const V g = ld<W>(m, a + 2 * qs), o = ld<W>(m, a + 3 * qs);
    const UnitGrads u = unit_grads(dhv, i, f, g, o, ld<W>(m, tc + q), ld<W>(m, v.dc + qp),
                                   ld<W>(m, cp + q));
    for (int j = 0; j < 4; ++j) st<W>(dg + j * qs, m, u.da[j]);
    st<W>(v.dc + qp, m, u.dc);
    const V hv = ld<W>(m, h + q);
    hw0 = S::fma(dp0, hv, hw0);
    hw1 = S::fma(dp1, hv, hw1);
  }
  S::store(v.dhwT + k0, hw0);
  S::store(v.dhwT + Hp + k0, hw1);
}

// Step t's rows [0, nb) (v.N is the tape's row stride), in the caller's row order.
template <bool Ord>
void gate_grads(const View& v, int t, int nb, const float* cp, float* dhb) {
  const int H = v.H, Hf = full_units(H), N = v.N;
  const std::size_t sh = static_cast<std::size_t>(N) * H;
  const float* act = v.act + t * static_cast<std::size_t>(N) * v.Gp;
  const float* tc = v.tc + t * sh;
  const float* h = v.h + t * sh;
  const float* dp = v.dpred + t * 2 * static_cast<std::size_t>(N);
  const int* ord = Ord ? v.ord[t] : nullptr;
  for (int k0 = 0; k0 < Hf; k0 += L) grads_chunk<L, Ord>(v, nb, ord, k0, 4 * k0, L, act, tc, h, cp, dp);
  if (Hf < H)
    with_tail(H - Hf, [&](auto w) {
      grads_chunk<decltype(w)::value, Ord>(v, nb, ord, Hf, 4 * Hf, H - Hf, act, tc, h, cp, dp);
    });
  for (int i = 0; i < nb; ++i) {
    const int n = Ord ? ord[i] : i;
    const int d = Ord ? v.src[n] : n;
    dhb[0] += dp[2 * d];
    dhb[1] += dp[2 * d + 1];
  }
}

// dh[R rows, NV vectors from column v0 L] = dg[R, 4H] whT[4H, Hp]: the sum over the
// gate columns in parameter order c (whT row c, dg at its kernel column ck).
template <int R, int NV>
void dh_block(const View& v, int v0, const float* dg, float* dh) {
  const int Gp = v.Gp, Hp = v.Hp;
  const float* col = v.whT + v0 * L;
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) acc[r][j] = S::zero();
  for_gate_cols(v.H, [&](int c, int ck) {
    V w[NV];
    for (int j = 0; j < NV; ++j) w[j] = S::load(col + c * Hp + j * L);
    for (int r = 0; r < R; ++r) {
      const V a = S::set1(dg[r * Gp + ck]);
      for (int j = 0; j < NV; ++j) acc[r][j] = S::fma(a, w[j], acc[r][j]);
    }
  });
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

// dW over a run of steps t = hi, hi - 1, .., lo: step t's dg sits in slot t % kDwSteps
// of v.dg (gate_grads writes it there), so the accumulators stay in registers for
// the whole run instead of a load and store of dw at every step. Each element is
// still one fma chain, t descending and n ascending inside, as step by step.
static_assert(S::kDwSteps >= 1 && S::kDwSteps <= k::kDwStepsMax, "View::dg holds kDwStepsMax slots");
inline float* dg_slot(const View& v, int t) {
  return v.dg + static_cast<std::size_t>(t % S::kDwSteps) * v.N * v.Gp;
}
struct Steps {
  int hi, lo;
  const float* dg(const View& v, int t) const { return dg_slot(v, t); }
  static int rows(const View& v, int t) { return v.brows ? v.brows[t] : v.N; }
};

// dw[R rows, NV vectors from column v0 L] += sum over the steps of
// z_t[N, R (stride ldz)]^T dg_t[N, Gp], z_t = z + t zs.
// Ord: step t's rows in the order v.ord[t] (the caller's), else 0, 1, ..
template <int R, int NV, bool Ord>
void outer_block(const View& v, int v0, const float* z, int ldz, std::size_t zs, Steps st,
                 float* dw) {
  const int Gp = v.Gp;
  dw += v0 * L;
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) acc[r][j] = S::load(dw + r * Gp + j * L);
  for (int t = st.hi; t >= st.lo; --t) {
    const float* dg = st.dg(v, t) + v0 * L;
    const float* zt = z + t * zs;
    const int nb = Steps::rows(v, t);
    const int* ord = Ord ? v.ord[t] : nullptr;
    for (int i = 0; i < nb; ++i) {
      const int n = Ord ? ord[i] : i;
      V d[NV];
      for (int j = 0; j < NV; ++j) {
        d[j] = S::load(dg + n * Gp + j * L);
        S::pin(d[j]);
      }
      for (int r = 0; r < R; ++r) {
        const V a = S::set1(zt[n * ldz + r]);
        for (int j = 0; j < NV; ++j) acc[r][j] = S::fma(a, d[j], acc[r][j]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NV; ++j) S::store(dw + r * Gp + j * L, acc[r][j]);
}

template <int NV, bool Ord>
void outer_tile(const View& v, int v0, int K, const float* z, std::size_t zs, Steps st, float* dw) {
  row_blocks<S::kOuterRows>(K, [&](auto r, int k) {
    outer_block<decltype(r)::value, NV, Ord>(v, v0, z + k, K, zs, st, dw + k * v.Gp);
  });
}

// Over steps hi .. lo: dwx += x_t^T dg_t, dwh += h_{t-1}^T dg_t (t > 0 only: h_{-1} = 0
// adds nothing), db += sum_n dg_t.
template <bool Ord>
void weight_grads(const View& v, Steps st) {
  const int C = v.C, H = v.H, Gp = v.Gp, N = v.N;
  const std::size_t sx = static_cast<std::size_t>(N) * C, sh = static_cast<std::size_t>(N) * H;
  const Steps sth = {st.hi, st.lo > 0 ? st.lo : 1};  // h_{t-1}: z + t sh = h + (t - 1) sh
  for_tiles(Gp / L, S::kOuterVecs, [&](int v0, int nv) {
    with_vecs<S::kOuterVecs>(nv, [&](auto n) {
      constexpr int NV = decltype(n)::value;
      outer_tile<NV, Ord>(v, v0, C, v.x, sx, st, v.dwp);
      if (sth.hi >= sth.lo)
        outer_tile<NV, Ord>(v, v0, H, v.h - sh, sh, sth, v.dwp + static_cast<std::size_t>(C) * Gp);
    });
  });
  float* db = v.dwp + static_cast<std::size_t>(C + H) * Gp;
  for (int j = 0; j < Gp; j += L) {
    V acc = S::load(db + j);
    for (int t = st.hi; t >= st.lo; --t) {
      const int nb = Steps::rows(v, t);
      for (int i = 0; i < nb; ++i) {
        const int n = Ord ? v.ord[t][i] : i;
        acc = S::add(acc, S::load(st.dg(v, t) + n * Gp + j));
      }
    }
    S::store(db + j, acc);
  }
}

// Steps T - 1 .. 0 after backward's zeroing: gate gradients, dh, and dW every
// kDwSteps steps; head-bias gradient into dhb. Ord: rows in the order v.ord.
// Rows past brows[t] have dg = 0 at step t and dh = dc = 0 flowing to t - 1 (no
// dpred at t or later): left out, and their dh, dc stay at the zeros set before.
template <bool Ord>
void backward_steps(const View& v, float* dhb) {
  const std::size_t sh = static_cast<std::size_t>(v.N) * v.H;
  int hi = v.T - 1;  // first step of the run whose dW is pending
  for (int t = v.T - 1; t >= 0; --t) {
    View vt = v;
    vt.dg = dg_slot(v, t);
    gate_grads<Ord>(vt, t, Steps::rows(v, t), t > 0 ? v.c + (t - 1) * sh : v.zeros, dhb);
    vt.N = Steps::rows(v, t);  // dh: a count of rows (its strides are Gp and Hp)
    if (t > 0) dh_all(vt);
    if (t == 0 || t % S::kDwSteps == 0) {  // the slots are full (or the last step)
      weight_grads<Ord>(v, Steps{hi, t});
      hi = t - 1;
    }
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
  const std::size_t ng = static_cast<std::size_t>(S::kDwSteps) * N * Gp;
  for (std::size_t i = 0; i < ng; ++i) v.dg[i] = 0.0f;  // padding columns stay 0
  for (int i = 0; i < N * Hp; ++i) v.dh[i] = v.dc[i] = 0.0f;
  float dhb[2] = {0.0f, 0.0f};
  if (v.ord) backward_steps<true>(v, dhb);
  else backward_steps<false>(v, dhb);
  float* g = v.grads;
  for (int r = 0; r < C + H + 1; ++r) {
    float* dst = g + (r < C ? v.lay.wx + r * G : (r < C + H ? v.lay.wh + (r - C) * G : v.lay.b));
    const float* src = v.dwp + static_cast<std::size_t>(r) * Gp;
    for_gate_cols(H, [&](int j, int jk) { dst[j] = src[jk]; });
  }
  for (int k = 0; k < H; ++k)
    for (int o = 0; o < 2; ++o) g[v.lay.head_w + k * 2 + o] = v.dhwT[o * Hp + k];
  g[v.lay.head_b] = dhb[0];
  g[v.lay.head_b + 1] = dhb[1];
}
