// NSE* loss of regional models (Kratzert et al. 2019, HESS 23, 5089, eq. 5;
// NeuralHydrology's MaskedNSELoss), for pred, y [T, B, 2] (z-scored) and
// per-sequence weights w [B, 2]:
//   L_v = (1 / n_v) sum_{(t,b) in S_v} w[b, v] (p - y)^2,   S_v = observed points, n_v = |S_v|
//   dL_v/dp = 2 w[b, v] (p - y) / n_v
// w[b, v] = 1 / (s_site(b),v + eps)^2, s the site's training-period std of the
// target before the z-score (data.cpp), so every site weighs by its own
// variance, as the NSE of that site does, not by the size of its river.
// n_v = 0: L_v = 0, no gradient. Sums in double, in (t, b) order.
// dpred[., 0] = dL_p/dp, dpred[., 1] = lambda dL_a/dp, daux = dL_a/dp.
#include <cmath>

#include "mtl/loss.hpp"

namespace mtl {
namespace {

double nse_star_variable(const float* pred, const float* y, const float* w, int T, int B, int v,
                         double scale, float* dpred, float* daux) {
  // Point i = t B + b of [T, B]; sequence b's weight w[b, v], visited in the same (t, b) order.
  double sum = 0.0;
  std::size_t n = 0;
  for (int t = 0; t < T; ++t)
    for (int b = 0; b < B; ++b) {
      const std::size_t i = static_cast<std::size_t>(t) * B + b;
      const double yi = y[i * 2 + v];
      if (std::isnan(yi)) continue;
      const double d = static_cast<double>(pred[i * 2 + v]) - yi;
      sum += w[b * 2 + v] * d * d;
      ++n;
    }
  if (dpred || daux) {
    const double coef = n > 0 ? 2.0 / static_cast<double>(n) : 0.0;
    for (int t = 0; t < T; ++t)
      for (int b = 0; b < B; ++b) {
        const std::size_t i = static_cast<std::size_t>(t) * B + b;
        const double yi = y[i * 2 + v];
        const double g = std::isnan(yi) ? 0.0 : coef * w[b * 2 + v] * (pred[i * 2 + v] - yi);
        if (dpred) dpred[i * 2 + v] = static_cast<float>(scale * g);
        if (daux) daux[i] = static_cast<float>(g);
      }
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace

LossValue nse_star_loss(const float* pred, const float* y, const float* w, int T, int B, double lambda,
                        float* dpred, float* daux) {
  LossValue out;
  out.primary = nse_star_variable(pred, y, w, T, B, 0, 1.0, dpred, nullptr);
  out.auxiliary = nse_star_variable(pred, y, w, T, B, 1, lambda, dpred, daux);
  out.total = out.primary + lambda * out.auxiliary;
  return out;
}

}  // namespace mtl
