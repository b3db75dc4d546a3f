// Size of a results file for a configuration (default jobs/exp1.ini) with and
// without test-period predictions: writes an all-pending file of the full
// extents on one rank (every byte is allocated, so the size is the final one)
// and compares it with the payload formula (results_payload_bytes).
//   build/tests/results_size [CONFIG.ini] [N_SITES=101] [SCRATCH_DIR=/tmp]
#include <mpi.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mtl/results.hpp"

namespace {

void measure(mtl::Plan plan, mtl::PredictionOutput pred, bool curves, const std::string& path) {
  plan.cfg.output.predictions = pred;
  plan.cfg.output.loss_curves = curves;
  std::vector<mtl::BlockRow> rows(plan.blocks[0].size());  // all pending
  mtl::ResultsMeta meta{"size", "", "", 1};
  mtl::write_results(path, plan, rows, meta, MPI_COMM_SELF);
  const auto bytes = std::filesystem::file_size(path);
  const auto payload = mtl::results_payload_bytes(plan);
  std::printf("predictions=%-4s loss_curves=%d: %zu runs, file %.1f MB (%.0f bytes/run), "
              "payload formula %.1f MB\n",
              mtl::to_string(pred), curves ? 1 : 0, plan.grid.runs.size(), bytes / 1e6,
              double(bytes) / plan.grid.runs.size(), payload / 1e6);
  std::filesystem::remove(path);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const std::string ini_path = argc > 1 ? argv[1] : "jobs/exp1.ini";
  const int n_sites = argc > 2 ? std::stoi(argv[2]) : 101;
  const std::string dir = argc > 3 ? argv[3] : "/tmp";
  std::ifstream in(ini_path);
  std::stringstream text;
  text << in.rdbuf();
  mtl::Plan plan;
  plan.cfg = mtl::parse_config_text(text.str(), ini_path);
  std::vector<std::string> sites;
  for (int i = 0; i < n_sites; ++i) sites.push_back("site" + std::to_string(i));
  plan.grid = mtl::expand_grid(sites, plan.cfg.grid, plan.cfg.experiment.scope);
  plan.costs.assign(plan.grid.runs.size(), 1.0);
  plan.blocks = mtl::partition_runs(plan.costs, 1);
  const std::string path = dir + "/mtl_results_size.h5";
  measure(plan, mtl::PredictionOutput::none, false, path);
  measure(plan, mtl::PredictionOutput::none, true, path);
  measure(plan, mtl::PredictionOutput::test, false, path);
  measure(plan, mtl::PredictionOutput::test, true, path);
  MPI_Finalize();
  return 0;
}
