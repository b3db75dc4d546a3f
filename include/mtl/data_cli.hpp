#pragma once
// mtl_data's entry point (src/io/data_cli.cpp): its main() only calls this.
// Exit codes as mtl_mpi's (driver.hpp).

namespace mtl {

int mtl_data_main(int argc, char** argv);

}  // namespace mtl
