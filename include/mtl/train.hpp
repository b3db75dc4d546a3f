#pragma once
// Training and evaluating runs (site, lambda, seed): one training loop on an LSTM
// backend chosen by [train] backend (backend.hpp). Free of MPI and HDF5: the
// driver decides what runs where and how results are stored.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/data.hpp"
#include "mtl/grid.hpp"
#include "mtl/metrics.hpp"

namespace mtl {

/// Stored as int8 in the results file.
enum class RunStatus : int8_t { pending = 0, done = 1, failed = 2 };

/// Metrics of one site of a run (a multi_site run has one per site).
struct SiteMetrics {
  int site_index = 0;  // index into Grid::sites
  std::array<std::array<MetricSet, kNumVariables>, kNumParts> m{};  // [partition][variable]
  std::array<std::array<MonthlyMetrics, kNumVariables>, kNumParts> monthly{};
};

/// Un-scaled predictions of one site and partition: [day][variable], NaN padding.
struct Prediction {
  int site_index = 0;
  Part part = Part::test;
  std::vector<int32_t> day;      // days since 1970-01-01
  std::vector<float> value;      // [day][kNumVariables], by Variable index
};

struct RunResult {
  int64_t run_id = 0;
  RunStatus status = RunStatus::pending;
  std::string message;           // failure reason, e.g. "non-finite loss at epoch 12"
  int failed_epoch = -1;
  int epochs_run = 0;
  double train_seconds = 0.0;
  double final_loss = 0.0;       // training loss of the last epoch's forward pass
  std::vector<float> loss_total, loss_primary, loss_auxiliary;  // [epochs_run]
  std::vector<float> val_loss;   // [epochs_run] (empty unless early stopping is on)
  std::vector<SiteMetrics> sites;
  std::vector<Prediction> predictions;  // only those requested by [output] predictions
  std::vector<float> final_params;      // [output] weights = final, done runs only (params.hpp layout)
};

/// Optional details of a single run, for --trace.
struct RunTrace {
  std::vector<float> initial_params;  // flat parameter buffer (see params.hpp for the layout)
  std::vector<float> final_params;
  std::vector<Prediction> predictions;  // every partition
};

/// Train and evaluate one run (the backend of cfg.train.backend).
RunResult train_run(const RunSpec& run, const SiteData& data, const Config& cfg,
                    RunTrace* trace = nullptr);

/// Train and evaluate runs that share `data`, one after another (the grid's path).
/// Same numbers as train_run for each run.
std::vector<RunResult> train_runs(const std::vector<RunSpec>& runs, const SiteData& data,
                                  const Config& cfg);

/// Sequences per mini-batch: TrainConfig::batch, where 0 means every training
/// sequence (single_site, one Adam step per epoch as in the paper) or, for a
/// multi_site run, the number of sites (as the original multi-site code did).
/// Clamped to the number of training sequences.
int training_batch_size(const TrainConfig& train, const SiteData& data);

}  // namespace mtl
