// The paper-era loss (river-dl tag paper_v0, ../shared/docs/science.md): NSE per
// sequence, averaged, normalised. Per variable, for B sequences of T steps with
// z-scored targets y (mask M = observed) and predictions p, pred/y [T, B, 2]:
//   mu = mean of all observed y in the batch (pooled; 0 when none is observed)
//   d[b,t] = M (y - mu) + 0.1   (the 0.1 is added to every entry, masked ones too)
//   e[b,t] = M (p - y),   D_b = sum_t d^2 > 0,   E_b = sum_t e^2
//   NSE_b = 1 - E_b / D_b (a sequence without observations has NSE_b = 1)
//   NSEbar = mean_b NSE_b,   L_v = 1 - 1 / (2 - NSEbar)
//   dL_v/dp[b,t] = 2 M e[b,t] / (B D_b (2 - NSEbar)^2)
// Sums in double. dpred[., 0] = dL_p/dp, dpred[., 1] = lambda dL_a/dp, daux = dL_a/dp.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "mtl/loss.hpp"

namespace mtl {

namespace {

double samplewise_variable(const float* pred, const float* y, int T, int B, int v, double scale,
                           float* dpred, float* daux) {
  double sum = 0.0;
  long n = 0;
  for (long i = 0; i < static_cast<long>(T) * B; ++i)
    if (!std::isnan(y[2 * i + v])) sum += y[2 * i + v], ++n;
  const double mu = n > 0 ? sum / static_cast<double>(n) : 0.0;
  std::vector<double> D(B, 0.0), E(B, 0.0);
  for (int t = 0; t < T; ++t)
    for (int b = 0; b < B; ++b) {
      const long i = static_cast<long>(t) * B + b;
      const double yi = y[2 * i + v];
      const bool obs = !std::isnan(yi);
      const double d = (obs ? yi - mu : 0.0) + 0.1;
      const double e = obs ? static_cast<double>(pred[2 * i + v]) - yi : 0.0;
      D[b] += d * d;
      E[b] += e * e;
    }
  double nse_bar = 0.0;
  for (int b = 0; b < B; ++b) nse_bar += 1.0 - E[b] / D[b];
  nse_bar /= B;
  const double k = 1.0 / ((2.0 - nse_bar) * (2.0 - nse_bar));
  for (int t = 0; t < T; ++t)
    for (int b = 0; b < B; ++b) {
      const long i = static_cast<long>(t) * B + b;
      const double yi = y[2 * i + v];
      const double g = std::isnan(yi) ? 0.0
                                      : 2.0 * k * (static_cast<double>(pred[2 * i + v]) - yi) / (B * D[b]);
      if (dpred) dpred[2 * i + v] = static_cast<float>(scale * g);
      if (daux) daux[i] = static_cast<float>(g);
    }
  return 1.0 - 1.0 / (2.0 - nse_bar);
}

}  // namespace

LossValue samplewise_loss(const float* pred, const float* y, int T, int B, double lambda,
                          float* dpred, float* daux) {
  LossValue out;
  out.primary = samplewise_variable(pred, y, T, B, 0, 1.0, dpred, nullptr);
  out.auxiliary = samplewise_variable(pred, y, T, B, 1, lambda, dpred, daux);
  out.total = out.primary + lambda * out.auxiliary;
  return out;
}

LossValue batch_loss(const float* pred, const float* y, int T, int B, double lambda, LossKind kind,
                     float* dpred, float* daux, const float* w) {
  if (kind == LossKind::nnse_samplewise) return samplewise_loss(pred, y, T, B, lambda, dpred, daux);
  if (kind == LossKind::nse_star) {
    if (w == nullptr) throw std::logic_error("batch_loss: nse_star needs per-sequence weights");
    return nse_star_loss(pred, y, w, T, B, lambda, dpred, daux);
  }
  return masked_loss(pred, y, static_cast<std::size_t>(T) * B, lambda, kind, dpred, daux);
}

}  // namespace mtl
