#pragma once
// Masked multi-task loss on z-scored targets:
//   L = L_primary + lambda * L_auxiliary
// rmse: L_v = sqrt(mean over observed points of (pred - y)^2); a variable with no
//       observation in the batch contributes 0 (and no gradient).
// nnse: normalised NSE loss per variable over all points (documented in loss.cpp).
// nnse_samplewise: the paper-era loss, NSE per sequence (loss_samplewise.cpp).
// nse_star: Kratzert et al. (2019, HESS 23, 5089, eq. 5): the mean over observed
//       points of w_b (pred - y)^2, w_b = 1 / (s_b + eps)^2 per site and variable
//       (loss_nse_star.cpp).
#include <cstddef>

#include "mtl/config.hpp"

namespace mtl {

struct LossValue {
  double total = 0.0;
  double primary = 0.0;
  double auxiliary = 0.0;
};

/// pred, y: [n_points, 2] (primary, auxiliary); y NaN = not observed.
/// dpred (nullable): [n_points, 2], dL/dpred, 0 where not observed.
/// daux (nullable): [n_points], the unscaled dL_a/dpred (auxiliary head gradient
/// under [train] auxiliary_head = unscaled). kind rmse or nnse.
LossValue masked_loss(const float* pred, const float* y, std::size_t n_points, double lambda,
                      LossKind kind, float* dpred, float* daux = nullptr);

/// nnse_samplewise (loss_samplewise.cpp): NSE per sequence, averaged, normalised,
/// on pred, y [T, B, 2].
LossValue samplewise_loss(const float* pred, const float* y, int T, int B, double lambda,
                          float* dpred, float* daux);

/// nse_star on pred, y [T, B, 2] with per-sequence weights w [B, 2] (column 0
/// primary, 1 auxiliary). Same dpred/daux conventions as masked_loss.
LossValue nse_star_loss(const float* pred, const float* y, const float* w, int T, int B, double lambda,
                        float* dpred, float* daux);

/// The trainer's loss of a batch of B sequences of T steps, pred, y [T, B, 2]:
/// samplewise_loss for nnse_samplewise, nse_star_loss (weights w [B, 2], required)
/// for nse_star, masked_loss over the T B points otherwise.
LossValue batch_loss(const float* pred, const float* y, int T, int B, double lambda, LossKind kind,
                     float* dpred, float* daux = nullptr, const float* w = nullptr);

}  // namespace mtl
