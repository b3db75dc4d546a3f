#pragma once
// `mtl_mpi CONFIG --only site=ID,lambda=X,seed=K [--trace FILE.h5]`: one run in
// one process (no mpirun), printed, optionally traced. How users debug one run.
#include <string>

#include "mtl/cli.hpp"
#include "mtl/config.hpp"
#include "mtl/plan.hpp"

namespace mtl {

/// Returns kExitOk when the run is done, kExitRunsFailed when it failed. An
/// existing trace file is refused (ConfigError) unless `overwrite`, and even
/// then when it is not a trace written by mtl_mpi, a directory, the data or
/// the config file; the trace is written aside and renamed when complete.
int run_only(const Config& cfg, const DataCheck& check, const OnlyRun& only,
             const std::string& trace_path, bool overwrite = false,
             const std::string& config_path = "");

}  // namespace mtl
