#pragma once
// Running a planned grid under MPI: load each needed site once per rank, train
// the rank's block (lockstep groups), journal every finished run durably,
// report progress, and write the one results file collectively.
#include <mpi.h>

#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/grid.hpp"

namespace mtl {

/// Everything every rank needs, computed identically on every rank by the driver.
struct Plan {
  Config cfg;
  Grid grid;                      // sites in data-file order, runs site-major
  std::vector<double> costs;      // per run (grid.runs order)
  std::vector<RunRange> blocks;   // one per rank
  std::string data_digest;        // of the data the runs read (provenance.hpp); "" = unknown
  // Model inputs in order and their units (the saved weights' driver axis).
  std::vector<std::string> drivers, driver_units;
};

struct RunOptions {
  bool resume = false;     // finish only what the journal does not hold
  bool overwrite = false;  // replace an existing results file and journal (narrowly)
  bool retry_failed = false;  // with resume: train runs journaled as failed again
  std::string config_path; // for messages and the results file's attributes
};

/// Collective over comm. Returns an ExitCode (driver.hpp): kExitOk, kExitRunsFailed,
/// kExitIncomplete (stopped by SIGTERM/SIGUSR1), kExitConfig (e.g. results file exists
/// without --resume/--overwrite; agreed on by all ranks before any collective I/O).
int run_grid(const Plan& plan, const RunOptions& options, MPI_Comm comm);

struct RunnerHooks;  // runner_hooks.hpp
/// run_grid with explicit data loading and training (run_grid uses
/// default_runner_hooks()); for tests. Defined with run_grid in runner.cpp.
int run_grid_with(const Plan& plan, const RunOptions& options, MPI_Comm comm,
                  const RunnerHooks& hooks);

}  // namespace mtl
