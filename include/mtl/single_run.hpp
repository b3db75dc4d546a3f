#pragma once
// `mtl_mpi CONFIG --only site=ID,lambda=X,seed=K [--trace FILE.h5]`: one run in
// one process (no mpirun), printed, optionally traced. How users debug one run.
#include <string>

#include "mtl/cli.hpp"
#include "mtl/config.hpp"
#include "mtl/plan.hpp"

namespace mtl {

/// Returns kExitOk when the run is done, kExitRunsFailed when it failed.
int run_only(const Config& cfg, const DataCheck& check, const OnlyRun& only, const std::string& trace_path);

}  // namespace mtl
