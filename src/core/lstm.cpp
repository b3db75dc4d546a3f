// oneDNN 2.6 LSTM + linear heads for one shape (see lstm.hpp).
//
// The oneDNN training contract (doc/primitives/rnn.md):
// - forward uses prop_kind::forward_training and writes a workspace that
//   backward reads; backward's primitive descriptor takes the forward one as hint;
// - weights are created with format_tag::any; where the primitive picks a layout
//   other than our ldigo/ldgo (backward usually wants ldgoi), a reorder from the
//   user buffer runs before each execute, and diff weights are reordered back;
// - RNN backward ACCUMULATES into diff weights and oneDNN 2.6 has no
//   diff_weights_overwrite flag, so the diff weights are zeroed before each call
//   (lstm_test proves gradients do not leak between steps).
// Initial states: explicit zero src_iter/src_iter_c memories (and dst_iter,
// diff_*_iter). Leaving them out (zero memory descriptors, documented as "zero
// state") gives a correct forward but WRONG diff_weights_iter in oneDNN 2.6's
// backward (seen here: lstm_test BackwardMatchesScalarReference fails on the wh
// gradient only, while x-weights, bias and forward agree), so they are given.
#include "mtl/lstm.hpp"

#include "mtl/config.hpp"  // kNumVariables: the heads, one per target (primary, auxiliary)

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dnnl.hpp"

namespace mtl {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;

/// One engine and one stream for the whole process.
struct DnnlContext {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

DnnlContext& context() {
  static DnnlContext ctx;
  return ctx;
}

/// A weight tensor as the user stores it (plain layout, pointer set per call)
/// and as a primitive wants it (same memory when the layouts agree, else an
/// owned buffer filled by a reorder).
struct WeightSlot {
  dnnl::memory user;
  dnnl::memory prim;
  bool needs_reorder = false;
  dnnl::reorder to_prim, to_user;

  void init(const dnnl::memory::desc& user_md, const dnnl::memory::desc& prim_md) {
    const auto& eng = context().engine;
    user = dnnl::memory(user_md, eng, DNNL_MEMORY_NONE);
    needs_reorder = !(user_md == prim_md);
    prim = needs_reorder ? dnnl::memory(prim_md, eng) : user;
    if (needs_reorder) {  // built once; executing a cached reorder is cheap
      to_prim = dnnl::reorder(user, prim);
      to_user = dnnl::reorder(prim, user);
    }
  }
  /// user -> primitive (before forward/backward).
  void load(const float* src) {
    user.set_data_handle(const_cast<float*>(src));
    if (needs_reorder) to_prim.execute(context().stream, user, prim);
  }
  /// Point at the gradient buffer and zero what backward accumulates into.
  void prepare_diff(float* dst) {
    user.set_data_handle(dst);
    auto* p = static_cast<float*>(prim.get_data_handle());
    std::memset(p, 0, prim.get_desc().get_size());
  }
  /// primitive -> user (after backward, diff weights).
  void store() {
    if (needs_reorder) to_user.execute(context().stream, prim, user);
  }
};

dnnl::memory zero_memory(const dnnl::memory::desc& md) {
  dnnl::memory m(md, context().engine);
  std::memset(m.get_data_handle(), 0, md.get_size());
  return m;
}

/// Name of a weight layout from its stride order, e.g. "ldigo", or "ldgoi" for
/// backward's transposed weights (which oneDNN may pad: then "+pad").
std::string layout_name(const dnnl::memory::desc& md) {
  const auto& d = md.data;
  if (d.format_kind != dnnl_blocked) return "packed";
  const int n = d.ndims;
  const char* letters = n == 5 ? "ldigo" : "ldgo";
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  const auto* st = d.format_desc.blocking.strides;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return st[a] > st[b]; });
  std::string name;
  for (int i : order) name += letters[i];
  dnnl::memory::dim dense = 1;  // strides of an unpadded layout are running products
  bool padded = d.format_desc.blocking.inner_nblks != 0;
  for (int k = n - 1; k >= 0; --k) {
    padded = padded || (d.dims[order[k]] > 1 && st[order[k]] != dense);
    dense *= d.dims[order[k]];
  }
  return padded ? name + "+pad" : name;
}

}  // namespace

bool LstmShape::operator<(const LstmShape& o) const {
  return std::tie(seq_len, batch, n_in, hidden) < std::tie(o.seq_len, o.batch, o.n_in, o.hidden);
}
bool LstmShape::operator==(const LstmShape& o) const {
  return !(*this < o) && !(o < *this);
}

struct LstmNet::Impl {
  LstmShape shape;
  LstmMode mode;
  ParamLayout layout;
  std::string layouts;

  dnnl::lstm_forward::primitive_desc fwd_pd;
  dnnl::lstm_forward fwd;
  dnnl::lstm_backward::primitive_desc bwd_pd;
  dnnl::lstm_backward bwd;

  dnnl::memory src_layer, dst_layer, workspace, diff_dst_layer, diff_src_layer;
  // [1, 1, N, H] ldnc state tensors: zero inputs, and outputs we do not use.
  dnnl::memory src_iter, src_iter_c, dst_iter, dst_iter_c;
  dnnl::memory diff_dst_iter, diff_dst_iter_c, diff_src_iter, diff_src_iter_c;
  WeightSlot fwd_wx, fwd_wh, fwd_b;        // forward weights
  WeightSlot bwd_wx, bwd_wh, bwd_b;        // backward's own weights layout
  WeightSlot diff_wx, diff_wh, diff_b;     // diff weights

  Impl(const LstmShape& s, LstmMode m);
  void build_forward();
  void build_backward();
  void heads_forward(const float* params, float* pred) const;
  void heads_backward(const float* params, const float* dpred, float* grads);
};

LstmNet::Impl::Impl(const LstmShape& s, LstmMode m)
    : shape(s), mode(m), layout(make_param_layout(s.n_in, s.hidden)) {
  if (s.seq_len <= 0 || s.batch <= 0 || s.n_in <= 0 || s.hidden <= 0)
    throw std::invalid_argument("LstmNet: every dimension of {T, N, C, H} must be positive");
  build_forward();
  if (mode == LstmMode::training) build_backward();
}

/// The memory descriptors of one shape {T, N, C, H}: data time-major (tnc), weights
/// as `any` for the primitive to choose and ldigo/ldgo for our flat buffers.
struct ShapeDescs {
  dnnl::memory::desc src, dst, wx_any, wh_any, wx_user, wh_user, bias, state;
  explicit ShapeDescs(const LstmShape& s) {
    const dnnl::memory::dim T = s.seq_len, N = s.batch, C = s.n_in, H = s.hidden;
    src = {{T, N, C}, dt::f32, tag::tnc};
    dst = {{T, N, H}, dt::f32, tag::tnc};
    wx_any = {{1, 1, C, kNumGates, H}, dt::f32, tag::any};
    wh_any = {{1, 1, H, kNumGates, H}, dt::f32, tag::any};
    wx_user = {{1, 1, C, kNumGates, H}, dt::f32, tag::ldigo};
    wh_user = {{1, 1, H, kNumGates, H}, dt::f32, tag::ldigo};
    bias = {{1, 1, kNumGates, H}, dt::f32, tag::ldgo};
    state = {{1, 1, N, H}, dt::f32, tag::ldnc};
  }
};

void LstmNet::Impl::build_forward() {
  const auto& eng = context().engine;
  const ShapeDescs m(shape);
  const auto prop = mode == LstmMode::training ? dnnl::prop_kind::forward_training
                                               : dnnl::prop_kind::forward_inference;
  dnnl::lstm_forward::desc d(prop, dnnl::rnn_direction::unidirectional_left2right, m.src, m.state,
                             m.state, m.wx_any, m.wh_any, m.bias, m.dst, m.state, m.state);
  fwd_pd = dnnl::lstm_forward::primitive_desc(d, eng);
  fwd = dnnl::lstm_forward(fwd_pd);

  src_layer = dnnl::memory(m.src, eng, DNNL_MEMORY_NONE);
  dst_layer = dnnl::memory(fwd_pd.dst_layer_desc(), eng);
  if (mode == LstmMode::training) workspace = dnnl::memory(fwd_pd.workspace_desc(), eng);
  src_iter = zero_memory(m.state);
  src_iter_c = zero_memory(m.state);
  dst_iter = dnnl::memory(m.state, eng);
  dst_iter_c = dnnl::memory(m.state, eng);
  fwd_wx.init(m.wx_user, fwd_pd.weights_layer_desc());
  fwd_wh.init(m.wh_user, fwd_pd.weights_iter_desc());
  fwd_b.init(m.bias, fwd_pd.bias_desc());
  layouts = "fwd " + layout_name(fwd_pd.weights_layer_desc()) + "/" +
            layout_name(fwd_pd.weights_iter_desc());
}

void LstmNet::Impl::build_backward() {
  const auto& eng = context().engine;
  const ShapeDescs m(shape);
  dnnl::lstm_backward::desc d(dnnl::prop_kind::backward, dnnl::rnn_direction::unidirectional_left2right,
                              m.src, m.state, m.state, m.wx_any, m.wh_any, m.bias, m.dst,
                              m.state, m.state, m.src, m.state, m.state, m.wx_any, m.wh_any,
                              m.bias, m.dst, m.state, m.state);
  bwd_pd = dnnl::lstm_backward::primitive_desc(d, eng, fwd_pd);
  bwd = dnnl::lstm_backward(bwd_pd);

  diff_dst_layer = dnnl::memory(bwd_pd.diff_dst_layer_desc(), eng);
  diff_src_layer = dnnl::memory(bwd_pd.diff_src_layer_desc(), eng);
  diff_dst_iter = zero_memory(m.state);    // nothing flows back from after the last step
  diff_dst_iter_c = zero_memory(m.state);
  diff_src_iter = dnnl::memory(m.state, eng);
  diff_src_iter_c = dnnl::memory(m.state, eng);
  bwd_wx.init(m.wx_user, bwd_pd.weights_layer_desc());
  bwd_wh.init(m.wh_user, bwd_pd.weights_iter_desc());
  bwd_b.init(m.bias, bwd_pd.bias_desc());
  diff_wx.init(m.wx_user, bwd_pd.diff_weights_layer_desc());
  diff_wh.init(m.wh_user, bwd_pd.diff_weights_iter_desc());
  diff_b.init(m.bias, bwd_pd.diff_bias_desc());
  layouts += ", bwd " + layout_name(bwd_pd.weights_layer_desc()) + "/" +
             layout_name(bwd_pd.weights_iter_desc()) + ", diff " +
             layout_name(bwd_pd.diff_weights_layer_desc()) + "/" +
             layout_name(bwd_pd.diff_weights_iter_desc());
}

/// pred [T*N, 2] = h [T*N, H] . head_w [H, 2] + head_b [2]. The head columns are
/// copied to contiguous [2][H] rows first so the H-term dot products vectorise.
void LstmNet::Impl::heads_forward(const float* params, float* pred) const {
  const int H = shape.hidden;
  const std::size_t rows = static_cast<std::size_t>(shape.seq_len) * shape.batch;
  const float* h = static_cast<const float*>(dst_layer.get_data_handle());
  std::vector<float> w0(H), w1(H);
  for (int j = 0; j < H; ++j) {
    w0[j] = params[layout.head_w + j * kNumVariables];
    w1[j] = params[layout.head_w + j * kNumVariables + 1];
  }
  const float b0 = params[layout.head_b], b1 = params[layout.head_b + 1];
  for (std::size_t r = 0; r < rows; ++r) {
    const float* hr = h + r * H;
    float p0 = 0.0f, p1 = 0.0f;
    for (int j = 0; j < H; ++j) {
      p0 += hr[j] * w0[j];
      p1 += hr[j] * w1[j];
    }
    pred[r * kNumVariables] = p0 + b0;
    pred[r * kNumVariables + 1] = p1 + b1;
  }
}

/// dhead_w [H, 2] = h^T . dpred, dhead_b = column sums of dpred,
/// diff_dst_layer dh [T*N, H] = dpred . head_w^T (accumulated in [2][H] rows).
void LstmNet::Impl::heads_backward(const float* params, const float* dpred, float* grads) {
  const int H = shape.hidden;
  const std::size_t rows = static_cast<std::size_t>(shape.seq_len) * shape.batch;
  const float* h = static_cast<const float*>(dst_layer.get_data_handle());
  float* dh = static_cast<float*>(diff_dst_layer.get_data_handle());
  std::vector<float> w0(H), w1(H), dw0(H, 0.0f), dw1(H, 0.0f);
  for (int j = 0; j < H; ++j) {
    w0[j] = params[layout.head_w + j * kNumVariables];
    w1[j] = params[layout.head_w + j * kNumVariables + 1];
  }
  float db0 = 0.0f, db1 = 0.0f;
  for (std::size_t r = 0; r < rows; ++r) {
    const float d0 = dpred[r * kNumVariables], d1 = dpred[r * kNumVariables + 1];
    const float* hr = h + r * H;
    float* dhr = dh + r * H;
    db0 += d0;
    db1 += d1;
    for (int j = 0; j < H; ++j) {
      dw0[j] += hr[j] * d0;
      dw1[j] += hr[j] * d1;
      dhr[j] = d0 * w0[j] + d1 * w1[j];
    }
  }
  for (int j = 0; j < H; ++j) {
    grads[layout.head_w + j * kNumVariables] = dw0[j];
    grads[layout.head_w + j * kNumVariables + 1] = dw1[j];
  }
  grads[layout.head_b] = db0;
  grads[layout.head_b + 1] = db1;
}

LstmNet::LstmNet(const LstmShape& shape, LstmMode mode)
    : impl_(std::make_unique<Impl>(shape, mode)) {}
LstmNet::~LstmNet() = default;

const LstmShape& LstmNet::shape() const { return impl_->shape; }
LstmMode LstmNet::mode() const { return impl_->mode; }
const char* LstmNet::layout_summary() const { return impl_->layouts.c_str(); }
const float* LstmNet::hidden_states() const {
  return static_cast<const float*>(impl_->dst_layer.get_data_handle());
}

void LstmNet::forward(const float* params, const float* x, float* pred) {
  Impl& m = *impl_;
  m.src_layer.set_data_handle(const_cast<float*>(x));
  m.fwd_wx.load(params + m.layout.wx);
  m.fwd_wh.load(params + m.layout.wh);
  m.fwd_b.load(params + m.layout.b);
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC_LAYER, m.src_layer},   {DNNL_ARG_WEIGHTS_LAYER, m.fwd_wx.prim},
      {DNNL_ARG_WEIGHTS_ITER, m.fwd_wh.prim}, {DNNL_ARG_BIAS, m.fwd_b.prim},
      {DNNL_ARG_DST_LAYER, m.dst_layer},   {DNNL_ARG_SRC_ITER, m.src_iter},
      {DNNL_ARG_SRC_ITER_C, m.src_iter_c}, {DNNL_ARG_DST_ITER, m.dst_iter},
      {DNNL_ARG_DST_ITER_C, m.dst_iter_c}};
  if (m.mode == LstmMode::training) args.insert({DNNL_ARG_WORKSPACE, m.workspace});
  m.fwd.execute(context().stream, args);
  context().stream.wait();
  m.heads_forward(params, pred);
}

void LstmNet::backward(const float* params, const float* dpred, float* grads) {
  Impl& m = *impl_;
  if (m.mode != LstmMode::training)
    throw std::logic_error("LstmNet::backward called on an inference net");
  m.heads_backward(params, dpred, grads);
  m.bwd_wx.load(params + m.layout.wx);
  m.bwd_wh.load(params + m.layout.wh);
  m.bwd_b.load(params + m.layout.b);
  m.diff_wx.prepare_diff(grads + m.layout.wx);
  m.diff_wh.prepare_diff(grads + m.layout.wh);
  m.diff_b.prepare_diff(grads + m.layout.b);
  m.bwd.execute(context().stream,
                {{DNNL_ARG_SRC_LAYER, m.src_layer},
                 {DNNL_ARG_WEIGHTS_LAYER, m.bwd_wx.prim},
                 {DNNL_ARG_WEIGHTS_ITER, m.bwd_wh.prim},
                 {DNNL_ARG_BIAS, m.bwd_b.prim},
                 {DNNL_ARG_DST_LAYER, m.dst_layer},
                 {DNNL_ARG_DIFF_DST_LAYER, m.diff_dst_layer},
                 {DNNL_ARG_WORKSPACE, m.workspace},
                 {DNNL_ARG_DIFF_SRC_LAYER, m.diff_src_layer},
                 {DNNL_ARG_DIFF_WEIGHTS_LAYER, m.diff_wx.prim},
                 {DNNL_ARG_DIFF_WEIGHTS_ITER, m.diff_wh.prim},
                 {DNNL_ARG_DIFF_BIAS, m.diff_b.prim},
                 {DNNL_ARG_SRC_ITER, m.src_iter},
                 {DNNL_ARG_SRC_ITER_C, m.src_iter_c},
                 {DNNL_ARG_DST_ITER, m.dst_iter},
                 {DNNL_ARG_DST_ITER_C, m.dst_iter_c},
                 {DNNL_ARG_DIFF_DST_ITER, m.diff_dst_iter},
                 {DNNL_ARG_DIFF_DST_ITER_C, m.diff_dst_iter_c},
                 {DNNL_ARG_DIFF_SRC_ITER, m.diff_src_iter},
                 {DNNL_ARG_DIFF_SRC_ITER_C, m.diff_src_iter_c}});
  m.diff_wx.store();
  m.diff_wh.store();
  m.diff_b.store();
  context().stream.wait();
}

namespace {
using NetCache = std::map<std::pair<LstmShape, int>, std::unique_ptr<LstmNet>>;
NetCache& net_cache() {
  static NetCache cache;
  return cache;
}
}  // namespace

LstmNet& lstm_net(const LstmShape& shape, LstmMode mode) {
  NetCache& cache = net_cache();
  auto key = std::make_pair(shape, static_cast<int>(mode));
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, std::make_unique<LstmNet>(shape, mode)).first;
  return *it->second;
}

std::size_t lstm_cache_size() { return net_cache().size(); }

void set_compute_threads(int threads) { omp_set_num_threads(std::max(1, threads)); }

}  // namespace mtl
