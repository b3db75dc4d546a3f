// mtl_mpi: train a multi-task LSTM experiment grid across MPI ranks.
#include "mtl/driver.hpp"

int main(int argc, char** argv) { return mtl::mtl_mpi_main(argc, argv); }
