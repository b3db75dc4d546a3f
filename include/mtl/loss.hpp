#pragma once
// Masked multi-task loss on z-scored targets:
//   L = L_primary + lambda * L_auxiliary
// rmse: L_v = sqrt(mean over observed points of (pred - y)^2); a variable with no
//       observation in the batch contributes 0 (and no gradient).
// nnse: normalised NSE loss per variable (documented in loss.cpp).
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
LossValue masked_loss(const float* pred, const float* y, std::size_t n_points, double lambda,
                      LossKind kind, float* dpred);

}  // namespace mtl
