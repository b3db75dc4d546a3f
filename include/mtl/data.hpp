#pragma once
// From daily series to training batches: partition by date range, z-score with
// training-period statistics, cut into time-major 365-day sequences with masks.
// Built once per site (or once per site set for multi_site) and shared by all
// runs of it.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/dataset.hpp"

namespace mtl {

/// Partition index on the results file's `partition` dimension.
enum class Part { train = 0, val = 1, test = 2 };
constexpr int kNumParts = 3;
const char* to_string(Part p);

/// z-score statistics of the training period (population std), kept to un-scale.
/// Targets are indexed by Variable (flow = 0, temp = 1), not by role.
/// Inputs [C] are the drivers, then the static attributes ([data] static; their
/// mean and std over the selected sites, sample std as NeuralHydrology).
/// Flow is z-scored after the per-site depth conversion (flow_depth non-empty):
/// q [mm/day] = q [m3 s-1] * flow_depth[site], flow_depth = 86.4 / area [km2]
/// (86400 s/day * 1000 mm/m / 1e6 m2/km2).
struct Scaling {
  std::vector<float> x_mean, x_std;        // [C]
  std::array<double, kNumVariables> y_mean{};
  std::array<double, kNumVariables> y_std{};
  bool log_flow = false;                   // flow scaled as ln(max(q,0) + kLogFlowOffset)
  std::vector<double> flow_depth;          // [site position], empty = pooled m3 s-1
};
constexpr double kLogFlowOffset = 1e-3;    // m3 s-1, keeps ln finite at zero flow

/// One partition cut into sequences of seq_len (T) days, time-major (oneDNN `tnc`).
/// Training: windows of T days starting every data.train_stride days (default T:
/// consecutive, non-overlapping), partial last window dropped.
/// Evaluation (val/test, and train for metrics): every day covered; the last
/// partial block is padded at its end with zero inputs and NaN targets. The
/// LSTM is causal and starts from zero state, so padding after the last real
/// day never changes an earlier prediction.
/// model.warmup = W > 0: the first W steps of every sequence only warm up the
/// state (NaN targets, day -1): training windows lose their first W days to the
/// loss, and evaluation blocks of T - W reported days are preceded by the W days
/// before them (from before the period where the file has them, else zero inputs).
struct SequenceSet {
  int seq_len = 0;   // T
  int n_seq = 0;     // N
  int n_in = 0;      // C
  std::vector<float> x;          // [T, N, C] normalised drivers
  std::vector<float> y;          // [T, N, 2] normalised targets: [...,0] primary, [...,1] auxiliary; NaN = missing
  std::vector<int32_t> day;      // [T, N] days since 1970-01-01, -1 for padding
  std::vector<int32_t> site;     // [N] index of the sequence's site in SiteData::site_indices
  /// [N, 2] nse_star loss weights 1 / (s_b + eps)^2 of the sequence's site by
  /// column (primary, auxiliary); empty unless [model] loss = nse_star.
  std::vector<float> weight;
};

struct SiteData {
  std::vector<int> site_indices;         // data-set site indices (one for single_site)
  std::vector<std::string> site_ids;
  Variable primary = Variable::flow;
  bool has_auxiliary = true;
  Variable auxiliary = Variable::temp;
  std::array<std::string, kNumVariables> variable_names{"flow", "temp"};  // file variable per slot
  std::vector<std::string> driver_names;  // inputs [C]: drivers, then static attributes
  int n_static = 0;                      // trailing static attributes of driver_names
  Scaling scaling;
  SequenceSet train;                     // training blocks (partial dropped)
  std::array<SequenceSet, kNumParts> eval;  // every day of train/val/test, padded
  std::array<int64_t, 2> train_obs{};    // observed training days of [primary, auxiliary]
};

/// The static attributes of a run ([data] static) and their z-score over the
/// experiment's selected sites (mean, sample std as NeuralHydrology), so a
/// site's inputs never depend on which other sites a rank holds.
struct StaticScaling {
  std::vector<std::string> names;
  std::vector<int> index;            // into DataSet::attributes
  std::vector<double> mean, std;     // [n_static]
};

/// The attributes cfg.data.static asks for, z-scored over `sites` (data-set
/// site indices: the experiment's selected sites). Throws DataError naming the
/// file (source), the attribute and the site for an unknown name, a missing
/// (NaN) value, fewer than 2 sites, or zero spread. Empty when static = none.
StaticScaling fit_static(const DataSet& data, const std::vector<int>& sites, const Config& cfg,
                         const std::string& source);

/// Prepare one site (single_site) or a pooled set of sites (multi_site; the
/// statistics are pooled over the sites). `statics`: the experiment's static
/// attributes (fit_static over all its selected sites); nullptr = fit them
/// over every site of `data`. Throws DataError naming the file
/// (source), site, variable and date for a driver gap, a date range outside the
/// file, or a partition with no days. No target observations is not an error
/// here (it becomes a failed run).
SiteData prepare_sites(const DataSet& data, const std::vector<int>& site_indices,
                       const Config& cfg, const std::string& source,
                       const StaticScaling* statics = nullptr);

/// Observed (non-NaN) days of target v per data-set site within range (days
/// of the range outside the time axis count as unobserved). For the dry run's
/// report and the data.min_train_obs site selection rule.
std::vector<int64_t> count_observed(const DataSet& data, Variable v, const DateRange& range);

/// Copy sequences order[first, first + count) of `set` into time-major batch
/// buffers: x [T, count, C], y [T, count, 2] (resized), and w [count, 2] when
/// the set has nse_star weights (else w is emptied). Mini-batches of the trainer.
void gather_sequences(const SequenceSet& set, const std::vector<int>& order, int first, int count,
                      std::vector<float>& x, std::vector<float>& y, std::vector<float>& w);

/// Un-scale one normalised value of variable v at site position `site` (inverse
/// of the z-score, of the log transform for flow when log_flow, and of the
/// depth conversion when flow_depth is set).
double unscale(const Scaling& s, Variable v, double z, int site);
double scale(const Scaling& s, Variable v, double value, int site);

}  // namespace mtl
