// The kernels backend (backend.hpp): owns the tape and scratch of one shape for
// the variant chosen at start (kernels.hpp) and hands them to it as a View.
// Buffers grow to the largest batch and evaluation set seen and are reused by
// every run the backend trains; the kernels overwrite or zero everything they
// read, so no number depends on an earlier run.
#include <cstddef>
#include <new>
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

class KernelLstm final : public LstmBackend {
 public:
  KernelLstm(const kernels::Variant& var, int n_in, int hidden, int seq_len)
      : var_(var), lay_(make_param_layout(n_in, hidden)), t_(seq_len) {}

  void forward(const float* params, const float* x, int n, float* pred) override {
    kernels::View v = view(params, x, t_, n, true, train_);
    v.pred = pred;
    var_.forward_train(v);
    last_n_ = n;
    last_x_ = x;
  }
  void backward(const float* params, const float* dpred, float* grads) override {
    kernels::View v = view(params, last_x_, t_, last_n_, true, train_);
    v.dpred = dpred;
    v.grads = grads;
    var_.backward(v);
  }
  const float* hidden() const override { return train_.h.data(); }  // tape h [T, n, H]
  void predict(const float* params, const float* x, int steps, int n, float* pred) override {
    predict_rows(params, x, steps, n, nullptr, pred);
  }
  void predict_rows(const float* params, const float* x, int steps, int n, const int* rows,
                    float* pred) override {
    kernels::View v = view(params, x, steps, n, false, infer_);
    v.pred = pred;
    v.rows = rows;
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
