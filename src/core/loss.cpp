// Masked multi-task loss on z-scored targets (see loss.hpp):
//   L = L_primary + lambda * L_auxiliary,   pred, y, dpred: [n_points, 2]
// Per variable v, over its observed points S_v = {i : y[i, v] is not NaN}, n_v = |S_v|,
// all sums accumulated in double:
//
// rmse (river-dl's rmse_masked):  SSE_v = sum_{S_v} (p_i - y_i)^2
//   L_v = sqrt(SSE_v / n_v);      dL_v/dp_i = (p_i - y_i) / (n_v L_v)
//   n_v = 0 -> L_v = 0, gradient 0 (no observation, no signal).
//   L_v = 0 (perfect fit) -> gradient 0: d sqrt(x)/dx is unbounded at 0; we take
//   the subgradient 0, which is also the minimum (TF would return NaN/Inf here).
//
// nnse (river-dl's older normalised NSE):  NSE_v = 1 - SSE_v / SST_v with
//   SST_v = sum_{S_v} (y_i - mean_{S_v} y)^2 (two-pass mean), NNSE_v = 1 / (2 - NSE_v),
//   L_v = 1 - NNSE_v = SSE_v / (SSE_v + SST_v)       in [0, 1)
//   dL_v/dp_i = 2 (p_i - y_i) SST_v / (SSE_v + SST_v)^2
//   n_v = 0 or SST_v = 0 (one point or constant targets: NSE undefined) ->
//   L_v = 0 and gradient 0 (the variable contributes nothing to this batch; note
//   the gradient of SSE/(SSE+SST) at SST = 0 is 0 anyway).
//
// dpred[i, 0] = dL_p/dp, dpred[i, 1] = lambda dL_a/dp; every entry is written
// (0 where y is NaN), so callers need not clear it. A NaN prediction at an
// observed point makes the loss NaN (the trainer reports the run as failed).
#include "mtl/loss.hpp"

#include <cmath>

namespace mtl {

namespace {

constexpr std::size_t kStride = 2;  // [n_points, 2]

struct Sums {
  std::size_t n = 0;
  double sse = 0.0;
  double sst = 0.0;
};

Sums variable_sums(const float* pred, const float* y, std::size_t n_points, std::size_t v,
                   bool need_sst) {
  Sums s;
  double sum_y = 0.0;
  for (std::size_t i = 0; i < n_points; ++i) {
    const double yi = y[i * kStride + v];
    if (std::isnan(yi)) continue;
    const double d = static_cast<double>(pred[i * kStride + v]) - yi;
    s.sse += d * d;
    sum_y += yi;
    ++s.n;
  }
  if (need_sst && s.n > 0) {
    const double mean = sum_y / static_cast<double>(s.n);
    for (std::size_t i = 0; i < n_points; ++i) {
      const double yi = y[i * kStride + v];
      if (!std::isnan(yi)) s.sst += (yi - mean) * (yi - mean);
    }
  }
  return s;
}

/// Loss of variable v; writes scale * dL_v/dp into dpred column v when given.
double variable_loss(const float* pred, const float* y, std::size_t n_points, std::size_t v,
                     LossKind kind, double scale, float* dpred, float* daux) {
  const bool nnse = kind != LossKind::rmse;
  const Sums s = variable_sums(pred, y, n_points, v, nnse);
  double value = 0.0;
  double coef = 0.0;  // dL_v/dp_i = coef * (p_i - y_i)
  if (!nnse && s.n > 0) {
    value = std::sqrt(s.sse / static_cast<double>(s.n));
    if (value > 0.0 || std::isnan(value)) coef = 1.0 / (static_cast<double>(s.n) * value);
  } else if (nnse && s.n > 0 && s.sst > 0.0) {
    const double denom = s.sse + s.sst;
    value = s.sse / denom;
    coef = 2.0 * s.sst / (denom * denom);
  }
  if (dpred != nullptr) {
    for (std::size_t i = 0; i < n_points; ++i) {
      const double yi = y[i * kStride + v];
      const double g = std::isnan(yi) ? 0.0 : scale * coef * (pred[i * kStride + v] - yi);
      dpred[i * kStride + v] = static_cast<float>(g);
    }
  }
  if (daux != nullptr) {
    for (std::size_t i = 0; i < n_points; ++i) {
      const double yi = y[i * kStride + v];
      daux[i] = static_cast<float>(std::isnan(yi) ? 0.0 : coef * (pred[i * kStride + v] - yi));
    }
  }
  return value;
}

}  // namespace

LossValue masked_loss(const float* pred, const float* y, std::size_t n_points, double lambda,
                      LossKind kind, float* dpred, float* daux) {
  LossValue out;
  out.primary = variable_loss(pred, y, n_points, 0, kind, 1.0, dpred, nullptr);
  out.auxiliary = variable_loss(pred, y, n_points, 1, kind, lambda, dpred, daux);
  out.total = out.primary + lambda * out.auxiliary;
  return out;
}

}  // namespace mtl
