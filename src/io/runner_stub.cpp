// Placeholder for run_grid until src/io/runner.cpp lands; delete this file then.
#include <cstdio>

#include "mtl/driver.hpp"
#include "mtl/runner.hpp"

namespace mtl {
int run_grid(const Plan&, const RunOptions&, MPI_Comm) {
  std::fprintf(stderr, "mtl_mpi: the grid runner is not built yet\n");
  return kExitInternal;
}
}  // namespace mtl
