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

// Both variables' sums in one pass: each sum is a chain of dependent double adds
// (point order, as the formulas above), and two variables side by side give the
// core two chains to overlap instead of one pass per variable (the loss took 4 %
// of a full-batch epoch, latency-bound). Every sum adds the same terms in the
// same order as a pass per variable, so the values are the same.
void variable_sums(const float* pred, const float* y, std::size_t n_points, bool need_sst,
                   Sums (&s)[kStride]) {
  double sum_y[kStride] = {0.0, 0.0};
  for (std::size_t i = 0; i < n_points; ++i)
    for (std::size_t v = 0; v < kStride; ++v) {
      const double yi = y[i * kStride + v];
      if (std::isnan(yi)) continue;
      const double d = static_cast<double>(pred[i * kStride + v]) - yi;
      s[v].sse += d * d;
      sum_y[v] += yi;
      ++s[v].n;
    }
  if (!need_sst) return;
  double mean[kStride];
  for (std::size_t v = 0; v < kStride; ++v)
    mean[v] = s[v].n > 0 ? sum_y[v] / static_cast<double>(s[v].n) : 0.0;
  for (std::size_t i = 0; i < n_points; ++i)
    for (std::size_t v = 0; v < kStride; ++v) {
      const double yi = y[i * kStride + v];
      if (s[v].n > 0 && !std::isnan(yi)) s[v].sst += (yi - mean[v]) * (yi - mean[v]);
    }
}

/// Loss of variable v from its sums; coef: dL_v/dp_i = coef * (p_i - y_i).
double variable_loss(const Sums& s, bool nnse, double& coef) {
  double value = 0.0;
  coef = 0.0;
  if (!nnse && s.n > 0) {
    value = std::sqrt(s.sse / static_cast<double>(s.n));
    if (value > 0.0 || std::isnan(value)) coef = 1.0 / (static_cast<double>(s.n) * value);
  } else if (nnse && s.n > 0 && s.sst > 0.0) {
    const double denom = s.sse + s.sst;
    value = s.sse / denom;
    coef = 2.0 * s.sst / (denom * denom);
  }
  return value;
}

}  // namespace

LossValue masked_loss(const float* pred, const float* y, std::size_t n_points, double lambda,
                      LossKind kind, float* dpred, float* daux) {
  const bool nnse = kind != LossKind::rmse;
  Sums s[kStride];
  variable_sums(pred, y, n_points, nnse, s);
  double coef[kStride];
  LossValue out;
  out.primary = variable_loss(s[0], nnse, coef[0]);
  out.auxiliary = variable_loss(s[1], nnse, coef[1]);
  out.total = out.primary + lambda * out.auxiliary;
  // dpred[i, v] = sc_v (p - y), sc_v = scale_v coef_v with scale 1 (primary) and
  // lambda (auxiliary); daux = the unscaled auxiliary gradient. Computed at every
  // point, then 0 selected where y is NaN: no branch, so GCC vectorises the loops
  // (with -fno-trapping-math, src/CMakeLists.txt; they were half of the loss's time).
  const double sc0 = 1.0 * coef[0], sc1 = lambda * coef[1];
  if (dpred != nullptr)
    for (std::size_t i = 0; i < n_points; ++i) {
      const double y0 = y[i * kStride], y1 = y[i * kStride + 1];
      const double g0 = sc0 * (pred[i * kStride] - y0), g1 = sc1 * (pred[i * kStride + 1] - y1);
      dpred[i * kStride] = static_cast<float>(std::isnan(y0) ? 0.0 : g0);
      dpred[i * kStride + 1] = static_cast<float>(std::isnan(y1) ? 0.0 : g1);
    }
  if (daux != nullptr)
    for (std::size_t i = 0; i < n_points; ++i) {
      const double yi = y[i * kStride + 1];
      const double g = coef[1] * (pred[i * kStride + 1] - yi);
      daux[i] = static_cast<float>(std::isnan(yi) ? 0.0 : g);
    }
  return out;
}

}  // namespace mtl
