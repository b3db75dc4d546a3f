#pragma once
// Shared by the single-run and the lockstep paths: from a trained model's
// normalised predictions to metrics (and requested un-scaled predictions).
#include <array>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/data.hpp"
#include "mtl/train.hpp"

namespace mtl {

/// pred[p]: normalised predictions on data.eval[p], [T, N, 2] (primary, auxiliary).
/// Un-scales, fills result.sites (one SiteMetrics per site of data) and, as
/// [output] predictions asks, result.predictions. all_predictions (nullable)
/// receives every partition (for --trace).
void evaluate_predictions(const SiteData& data, const Config& cfg,
                          const std::array<std::vector<float>, kNumParts>& pred,
                          RunResult& result, std::vector<Prediction>* all_predictions);

/// A failed run's metrics: every metric NaN (n_obs 0) for every site of data,
/// and final_loss NaN. Shared by the single-run and lockstep paths.
void fill_failed_metrics(const SiteData& data, RunResult& result);

/// A run on `data` cannot train (no complete training sequence, or no observed
/// primary value in the training period): marks `result` failed with the reason
/// and NaN metrics and returns true. The same rule for both trainers.
bool fail_if_untrainable(const SiteData& data, RunResult& result);

}  // namespace mtl
