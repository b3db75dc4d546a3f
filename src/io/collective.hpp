#pragma once
// Small collectives the driver, run_grid and the results writer share: a
// string from one rank to all, every rank's bytes to rank 0, and the agreement
// on an error that keeps ranks from hanging in the next collective call.
#include <mpi.h>

#include <string>

namespace mtl {

/// `s` as rank `root` has it, on every rank. Collective.
std::string broadcast_string(std::string s, int root, MPI_Comm comm);

/// Every rank's `mine` concatenated in rank order on rank 0 ("" elsewhere).
/// Collective.
std::string gather_to_root(const std::string& mine, MPI_Comm comm);

/// Every rank passes its error ("" = fine); all get the lowest failing rank's
/// message ("" when none failed). Collective.
std::string agree(const std::string& local_error, MPI_Comm comm);

}  // namespace mtl
