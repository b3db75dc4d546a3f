#pragma once
// HDF5 trace of one run (mtl_mpi --only ... --trace FILE.h5): everything needed
// to debug the run or check it against another implementation (PyTorch).
// Layout (every target/prediction array has the primary variable first):
//   /train/x [T, N, C] float   normalised inputs exactly as fed (training sequences)
//   /train/y [T, N, 2] float   normalised targets, NaN = not observed
//   /train/day [T, N] int32    days since 1970-01-01 (-1 = padding)
//   /val/{x,y,day}, /test/{x,y,day}  the evaluation sequence sets (padded)
//   /train_eval/{x,y,day}      the training period as evaluated (every day, padded)
//   /normalization/x_mean, x_std [C]; y_mean, y_std [2] (primary, auxiliary)
//   /initial/, /final/         PyTorch nn.LSTM naming and gate order (i, f, g, o):
//       weight_ih_l0 [4H, C], weight_hh_l0 [4H, H], bias_ih_l0 [4H] (combined bias),
//       bias_hh_l0 [4H] zeros, head_weight [2, H], head_bias [2]
//   /loss/total, /loss/primary, /loss/auxiliary [epochs_run]; /loss/val when early stopping
//   /prediction/{train,val,test}/value [days, 2] un-scaled, /day [days], /site [days]
//   /metrics/values [sites, 3 partitions, 2 variables, n_metrics] (attribute names)
// Root attributes: run_id, site ids, lambda, seed, status, message, epochs_run,
// train_seconds, primary/auxiliary variable names, the verbatim INI text.
#include <string>

#include "mtl/config.hpp"
#include "mtl/data.hpp"
#include "mtl/grid.hpp"
#include "mtl/train.hpp"

namespace mtl {

/// Write (create or truncate) the trace file. Throws ResultsError naming the
/// path and object on any HDF5 failure.
void write_trace(const std::string& path, const RunSpec& run, const SiteData& data,
                 const Config& cfg, const RunResult& result, const RunTrace& trace);

}  // namespace mtl
