// The kernels backend (backend.hpp): owns the tape and scratch of one shape for
// the variant chosen at start (kernels.hpp) and hands them to it as a View.
// Buffers grow to the largest batch and evaluation set seen and are reused by
// every run the backend trains; the kernels overwrite or zero everything they
// read, so no number depends on an earlier run.
#include <algorithm>
#include <cstddef>
#include <new>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "mtl/backend.hpp"
#include "mtl/kernels.hpp"

namespace mtl {
namespace {

/// std::allocator with 64-byte (cache-line) alignment: the kernels' rows of Gp or
/// Hp floats (multiples of the vector width) then start on a line, so no full
/// vector load or store of the products, the tape or the gradients straddles two
/// lines (each such access costs two).
template <class T>
struct LineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  LineAllocator() = default;
  template <class U>
  LineAllocator(const LineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const LineAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const LineAllocator<U>&) const { return false; }
};
using Floats = std::vector<float, LineAllocator<float>>;

/// The rows the kernels compute at each step and the order they keep them in
/// (View::rows, src, brows, ord). The loss reads a row's predictions only up to its
/// last observed target (forward's len), and its gradient is zero after its last
/// non-zero dpred; sparse targets leave much of a batch out (the synthetic world's
/// training years: 57 % of the row-steps have a target at or after them, 6 % a flow
/// target). Rows are sorted so that those still needed at a step come first, as a
/// prefix [0, rows[t]) each kernel runs over unchanged; sums over rows go in the
/// caller's order (ord), so every value equals the full pass's (skipped terms are
/// exact zeros). The sort key is the last backward's lengths, then len: a run's
/// lengths are the same every epoch, so the backward's prefix is tight too (at
/// lambda = 0 only the flow rows have a gradient). No value depends on the order.
struct RowPlan {
  bool on = false;        // false: every row at every step (the View fields stay null)
  bool permuted = false;  // src is not the identity
  std::vector<int> len, src, pos;  // [n] forward lengths (caller rows); kernel row -> caller row, back
  std::vector<int> rows, brows;    // [T] prefixes
  std::vector<int> len_b;          // [n] backward lengths (caller rows)
  std::vector<int> ord_pool, ord_at;
  std::vector<const int*> ord;     // [T]
  int made_t = -1;                 // the last make()'s steps (-1: none) and hint;
  std::vector<int> made_hint;      // its lengths are len

  /// rows[t] = 1 + the last kernel row p with lengths[src[p]] > t (0 if none).
  void prefixes(const std::vector<int>& lengths, int T, std::vector<int>& out) const {
    out.assign(static_cast<std::size_t>(T), 0);
    for (std::size_t p = 0; p < src.size(); ++p) {
      const int l = lengths[static_cast<std::size_t>(src[p])];  // in [0, T]
      if (l > 0) out[static_cast<std::size_t>(l - 1)] = std::max(out[static_cast<std::size_t>(l - 1)], static_cast<int>(p) + 1);
    }
    for (int t = T - 2; t >= 0; --t)
      out[static_cast<std::size_t>(t)] = std::max(out[static_cast<std::size_t>(t)], out[static_cast<std::size_t>(t) + 1]);
  }

  /// Plan a pass of T steps over n rows; hint [n] (or empty): the last backward's lengths.
  void make(const int* l, int n, int T, const std::vector<int>& hint) {
    if (!l) {
      on = false;
      made_t = -1;
      return;
    }
    const auto clamped = [T](int e) { return std::clamp(e, 0, T); };
    // The same lengths and hint as the last call (every epoch of a full-batch run):
    // the same plan.
    if (made_t == T && len.size() == static_cast<std::size_t>(n) && made_hint == hint &&
        std::equal(l, l + n, len.begin(), [&](int a, int b) { return clamped(a) == b; }))
      return;
    made_t = T, made_hint = hint;
    on = false;
    len.resize(static_cast<std::size_t>(n));
    std::transform(l, l + n, len.begin(), clamped);
    const bool use_hint = hint.size() == static_cast<std::size_t>(n);
    bool full = true;
    for (int r = 0; r < n; ++r) full = full && len[r] >= T && (!use_hint || hint[r] >= T);
    if (full) return;
    const std::vector<int>& lb = use_hint ? hint : len;
    src.resize(static_cast<std::size_t>(n));
    std::iota(src.begin(), src.end(), 0);
    const double all = 2.0 * n * T, kept = static_cast<double>(work(len, lb, T));  // caller's order
    std::stable_sort(src.begin(), src.end(), [&](int a, int b) {
      if (lb[a] != lb[b]) return lb[a] > lb[b];
      return len[a] > len[b];
    });
    const double sorted = static_cast<double>(work(len, lb, T));
    // A plan costs a little per pass (the lengths, the zeroed predictions) and a
    // reordering more (a copy of x, indexed sums): only for a real saving. Nearly
    // full lengths (a sequence ending a step early) run the plain full pass; the
    // caller's order stays when it already has the needed rows first.
    if (std::min(kept, sorted) > 0.95 * all) return;
    on = true;
    if (sorted > 0.95 * kept) std::iota(src.begin(), src.end(), 0);
    pos.resize(src.size());
    permuted = false;
    for (int p = 0; p < n; ++p) {
      pos[static_cast<std::size_t>(src[p])] = p;
      permuted = permuted || src[p] != p;
    }
    prefixes(len, T, rows);
  }

  /// Row-steps the forward (lengths lf) and backward (lb) compute in the order src.
  long work(const std::vector<int>& lf, const std::vector<int>& lb, int T) {
    prefixes(lf, T, rows);
    prefixes(lb, T, brows);
    return std::accumulate(rows.begin(), rows.end(), 0L) + std::accumulate(brows.begin(), brows.end(), 0L);
  }

  /// The backward's lengths from dpred [T, n, 2], brows and ord. Throws when dpred
  /// is non-zero at a step the forward left out.
  void backward(const float* dpred, int n, int T) {
    len_b.assign(static_cast<std::size_t>(n), 0);
    for (int r = 0; r < n; ++r) {
      for (int t = T - 1; t >= 0; --t) {
        const float* d = dpred + (static_cast<std::size_t>(t) * n + r) * 2;
        if (d[0] != 0.0f || d[1] != 0.0f) {  // NaN counts as non-zero
          len_b[static_cast<std::size_t>(r)] = t + 1;
          break;
        }
      }
      if (len_b[static_cast<std::size_t>(r)] > len[static_cast<std::size_t>(r)])
        throw std::logic_error("kernels backward: dpred is non-zero at a step the forward left out");
    }
    prefixes(len_b, T, brows);
    ord.assign(static_cast<std::size_t>(T), nullptr);
    if (!permuted) return;
    // Kernel rows [0, b) in caller order, once per distinct b (b changes at most n times).
    ord_pool.clear();
    ord_at.assign(static_cast<std::size_t>(T), 0);
    for (int t = T - 1; t >= 0; --t) {
      const int b = brows[static_cast<std::size_t>(t)];
      if (t < T - 1 && b == brows[static_cast<std::size_t>(t) + 1]) {
        ord_at[static_cast<std::size_t>(t)] = ord_at[static_cast<std::size_t>(t) + 1];
        continue;
      }
      ord_at[static_cast<std::size_t>(t)] = static_cast<int>(ord_pool.size());
      for (int r = 0; r < n; ++r)
        if (pos[static_cast<std::size_t>(r)] < b) ord_pool.push_back(pos[static_cast<std::size_t>(r)]);
    }
    for (int t = 0; t < T; ++t) ord[static_cast<std::size_t>(t)] = ord_pool.data() + ord_at[static_cast<std::size_t>(t)];
  }

  /// x [T, n, C] in kernel row order into out (the rows each step computes).
  void gather(const float* x, int n, int T, int C, Floats& out) const {
    if (out.size() < static_cast<std::size_t>(T) * n * C) out.resize(static_cast<std::size_t>(T) * n * C);
    for (int t = 0; t < T; ++t)
      for (int p = 0; p < rows[static_cast<std::size_t>(t)]; ++p) {
        const float* from = x + (static_cast<std::size_t>(t) * n + src[static_cast<std::size_t>(p)]) * C;
        float* to = out.data() + (static_cast<std::size_t>(t) * n + p) * C;
        for (int c = 0; c < C; ++c) to[c] = from[c];  // a few floats: no memmove call
      }
  }
};

class KernelLstm final : public LstmBackend {
 public:
  KernelLstm(const kernels::Variant& var, int n_in, int hidden, int seq_len)
      : var_(var), lay_(make_param_layout(n_in, hidden)), t_(seq_len) {}

  void forward(const float* params, const float* x, int n, float* pred, const int* len) override {
    plan_.make(len, n, t_, plan_.len_b);  // sort key: the last backward's lengths
    const float* xk = x;
    if (plan_.on && plan_.permuted) {
      plan_.gather(x, n, t_, lay_.n_in, xperm_);
      xk = xperm_.data();
    }
    kernels::View v = view(params, xk, t_, n, true, train_);
    v.pred = pred;
    if (plan_.on) {
      v.rows = plan_.rows.data();
      v.src = plan_.permuted ? plan_.src.data() : nullptr;
    }
    var_.forward_train(v);
    if (plan_.on)  // steps past len read 0 (the prefix may have computed some of them)
      for (int r = 0; r < n; ++r)
        for (int t = plan_.len[static_cast<std::size_t>(r)]; t < t_; ++t) {
          float* o = pred + (static_cast<std::size_t>(t) * n + r) * 2;
          o[0] = o[1] = 0.0f;
        }
    last_n_ = n;
    last_x_ = xk;
  }
  void backward(const float* params, const float* dpred, float* grads) override {
    kernels::View v = view(params, last_x_, t_, last_n_, true, train_);
    v.dpred = dpred;
    v.grads = grads;
    if (plan_.on) {
      plan_.backward(dpred, last_n_, t_);
      v.rows = plan_.rows.data();
      v.brows = plan_.brows.data();
      v.src = plan_.permuted ? plan_.src.data() : nullptr;
      v.ord = plan_.permuted ? plan_.ord.data() : nullptr;
    }
    var_.backward(v);
  }
  Hidden hidden() const override {  // the tape's h [T, n, H], in kernel row order
    Hidden out;
    out.h = train_.h.data();
    out.pos = plan_.on && plan_.permuted ? plan_.pos.data() : nullptr;
    out.n = last_n_;
    out.H = lay_.hidden;
    return out;
  }
  void predict(const float* params, const float* x, int steps, int n, float* pred) override {
    predict_rows(params, x, steps, n, nullptr, pred);
  }
  void predict_rows(const float* params, const float* x, int steps, int n, const int* len,
                    float* pred) override {
    infer_plan_.make(len, n, steps, {});
    const float* xk = x;
    if (infer_plan_.on && infer_plan_.permuted) {
      infer_plan_.gather(x, n, steps, lay_.n_in, xperm_infer_);
      xk = xperm_infer_.data();
    }
    kernels::View v = view(params, xk, steps, n, false, infer_);
    v.pred = pred;
    if (infer_plan_.on) {
      v.rows = infer_plan_.rows.data();
      v.src = infer_plan_.permuted ? infer_plan_.src.data() : nullptr;
    }
    var_.forward_predict(v);
  }

 private:
  struct Buffers {
    Floats act, c, tc, h, zeros, wp, hwT, whT, dg, dh, dc, dwp, dhwT;
  };
  static void fit(Floats& b, std::size_t n) {
    if (b.size() < n) b.assign(n, 0.0f);
  }

  /// A View over `b`, grown to (steps, n): the full tape for training, two
  /// rolling steps for inference.
  kernels::View view(const float* params, const float* x, int steps, int n, bool training,
                     Buffers& b) {
    const kernels::Sizes z =
        kernels::sizes(lay_.n_in, lay_.hidden, n, training ? steps : 2, var_.lanes);
    fit(b.act, z.act), fit(b.c, z.state), fit(b.tc, z.state), fit(b.h, z.state);
    fit(b.zeros, z.zeros), fit(b.wp, z.wp), fit(b.hwT, z.hwT);
    if (training) {
      fit(b.whT, z.whT), fit(b.dg, z.dg), fit(b.dh, z.dh), fit(b.dc, z.dh);
      fit(b.dwp, z.wp), fit(b.dhwT, z.hwT);
    }
    kernels::View v;
    v.C = lay_.n_in, v.H = lay_.hidden, v.N = n, v.T = steps, v.Gp = z.Gp, v.Hp = z.Hp;
    v.lay = lay_;
    v.params = params, v.x = x;
    v.act = b.act.data(), v.c = b.c.data(), v.tc = b.tc.data(), v.h = b.h.data();
    v.zeros = b.zeros.data(), v.wp = b.wp.data(), v.hwT = b.hwT.data();
    if (training) {
      v.whT = b.whT.data(), v.dg = b.dg.data(), v.dh = b.dh.data(), v.dc = b.dc.data();
      v.dwp = b.dwp.data(), v.dhwT = b.dhwT.data();
    }
    return v;
  }

  const kernels::Variant& var_;
  ParamLayout lay_;
  int t_;
  Buffers train_, infer_;
  RowPlan plan_, infer_plan_;  // the last training forward's rows; the last predict's
  Floats xperm_, xperm_infer_;  // x in kernel row order (when a plan permutes)
  int last_n_ = 0;
  const float* last_x_ = nullptr;
};

}  // namespace

std::unique_ptr<LstmBackend> make_kernels_backend(int n_in, int hidden, int seq_len) {
  return std::make_unique<KernelLstm>(kernels::selected_variant(), n_in, hidden, seq_len);
}

std::unique_ptr<LstmBackend> make_kernels_backend(kernels::Isa isa, int n_in, int hidden, int seq_len) {
  return std::make_unique<KernelLstm>(kernels::variant(isa), n_in, hidden, seq_len);
}

}  // namespace mtl
