// Placeholder until the data layer lands: mtl_data's subcommands.
#include <cstdio>

#include "mtl/driver.hpp"

namespace mtl {
int mtl_data_main(int, char**) {
  std::fprintf(stderr, "mtl_data: not built yet\n");
  return kExitInternal;
}
}  // namespace mtl
