// Placeholder: mtl_mpi's command line and run (being written).
#include <cstdio>

#include "mtl/driver.hpp"

namespace mtl {
int mtl_mpi_main(int, char**) {
  std::fprintf(stderr, "mtl_mpi: not built yet\n");
  return kExitInternal;
}
}  // namespace mtl
