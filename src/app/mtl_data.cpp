// mtl_data: make input data sets (synthetic world, CAMELS and CSV importers).
#include "mtl/data_cli.hpp"

int main(int argc, char** argv) { return mtl::mtl_data_main(argc, argv); }
