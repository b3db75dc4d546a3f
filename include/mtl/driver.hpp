#pragma once
// mtl_mpi's entry point (its main() only calls it) and the exit codes of both
// programs (mtl_data's entry point: data_cli.hpp).

namespace mtl {

/// Exit codes of mtl_mpi (documented in the README).
enum ExitCode : int {
  kExitOk = 0,           // every run done
  kExitUsage = 1,        // bad command line (unknown option)
  kExitConfig = 2,       // configuration or data error, found before any training
  kExitRunsFailed = 3,   // the grid finished, some runs failed (status = failed)
  kExitIncomplete = 4,   // stopped by SIGTERM/SIGUSR1 at a run boundary: resume me
  kExitInternal = 5,     // unexpected internal error
};

int mtl_mpi_main(int argc, char** argv);

}  // namespace mtl
