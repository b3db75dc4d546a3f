// mtl_mpi: command line -> configuration -> plan -> (dry run | one run | the grid
// under MPI). Configuration and data errors are found before any collective I/O
// and reported in one line with exit code 2.
#include "mtl/driver.hpp"

#include <mpi.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "mtl/backend.hpp"
#include "mtl/cli.hpp"
#include "mtl/config.hpp"
#include "mtl/errors.hpp"
#include "mtl/h5.hpp"
#include "mtl/lstm.hpp"
#include "mtl/plan.hpp"
#include "mtl/runner.hpp"
#include "mtl/single_run.hpp"
#include "mtl/version.hpp"
#include "collective.hpp"

namespace mtl {
namespace {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open configuration file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// MPI_Init/MPI_Finalize as RAII (HighFive's test-fixture habit).
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv) {
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0, size_ = 1;
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

int run_serial(const CliOptions& opts) {
  const Config cfg = parse_config_text(read_text_file(opts.config_path), opts.config_path, opts.overrides);
  const DataCheck check = check_data(cfg);
  if (!opts.only.empty()) {
    return run_only(cfg, check, parse_only(opts.only), opts.trace, opts.overwrite, opts.config_path);
  }
  const Plan plan = make_plan(cfg, check.sites, opts.ranks > 0 ? opts.ranks : 1);
  std::cout << dry_run_report(plan, check, opts.config_path) << std::flush;
  return kExitOk;
}

/// Every rank must compute with rank 0's numeric path (a job spanning nodes of
/// two CPU generations would otherwise mix rounding, and the results would depend
/// on where a run was placed). Collective: false when all agree; else true on
/// every rank, and the lowest differing rank prints the one line.
bool numerics_differ(const Config& cfg, const std::string& rank0, int rank) {
  std::string mine;
  try {
    mine = numeric_path(cfg.train.backend).text();
  } catch (const std::exception& e) {
    mine = std::string("error: ") + e.what();
  }
  const int me = mine != rank0 ? rank : std::numeric_limits<int>::max();
  int first = 0;
  MPI_Allreduce(&me, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == std::numeric_limits<int>::max()) return false;
  if (first == rank) {
    std::fprintf(stderr,
                 "mtl_mpi: rank %d would compute with '%s' but rank 0 with '%s': the job spans "
                 "CPUs of different kinds; set MTL_MAX_ISA (and ONEDNN_MAX_CPU_ISA) to the ISA "
                 "all nodes share, or [train] backend\n",
                 rank, mine.c_str(), rank0.c_str());
  }
  return true;
}

/// Rank 0 reads and validates; every rank receives the verdict and the INI bytes,
/// so a bad input ends every rank with the same exit code before any collective I/O.
int run_mpi(int* argc, char*** argv, const CliOptions& opts) {
  MpiSession mpi(argc, argv);
  std::string ini, error, sites, digest, drivers, numerics;
  if (mpi.rank() == 0) {
    try {
      ini = read_text_file(opts.config_path);
      const Config cfg = parse_config_text(ini, opts.config_path, opts.overrides);
      const DataCheck check = check_data(cfg);
      for (const std::string& id : check.sites) sites += id + "\n";
      digest = check.data_digest;
      for (std::size_t k = 0; k < check.drivers.size(); ++k)
        drivers += check.drivers[k] + "\n" + check.driver_units[k] + "\n";
      numerics = numeric_path(cfg.train.backend).text();
    } catch (const Error& e) {
      error = e.what();
    } catch (const std::exception& e) {  // never leave the other ranks waiting
      error = std::string("internal error while checking the configuration: ") + e.what();
    }
  }
  error = broadcast_string(error, 0, MPI_COMM_WORLD);
  if (!error.empty()) {
    if (mpi.rank() == 0) std::fprintf(stderr, "mtl_mpi: %s\n", error.c_str());
    return kExitConfig;
  }
  ini = broadcast_string(ini, 0, MPI_COMM_WORLD);
  sites = broadcast_string(sites, 0, MPI_COMM_WORLD);
  digest = broadcast_string(digest, 0, MPI_COMM_WORLD);
  drivers = broadcast_string(drivers, 0, MPI_COMM_WORLD);
  numerics = broadcast_string(numerics, 0, MPI_COMM_WORLD);
  const Config cfg = parse_config_text(ini, opts.config_path, opts.overrides);
  if (numerics_differ(cfg, numerics, mpi.rank())) return kExitConfig;
  if (mpi.rank() == 0) std::printf("numerics: %s\n", numerics.c_str());
  set_compute_threads(cfg.train.threads);
  Plan plan = make_plan(cfg, split_lines(sites), mpi.size());
  plan.data_digest = digest;
  const std::vector<std::string> lines = split_lines(drivers);  // name, units, name, ...
  for (std::size_t k = 0; k + 1 < lines.size(); k += 2) {
    plan.drivers.push_back(lines[k]);
    plan.driver_units.push_back(lines[k + 1]);
  }
  RunOptions run_opts;
  run_opts.resume = opts.resume;
  run_opts.overwrite = opts.overwrite;
  run_opts.retry_failed = opts.retry_failed;
  run_opts.config_path = opts.config_path;
  try {
    return run_grid(plan, run_opts, MPI_COMM_WORLD);
  } catch (const std::exception& e) {
    // Past this point ranks may be inside collectives: abort the whole job.
    std::fprintf(stderr, "mtl_mpi: rank %d: %s\n", mpi.rank(), e.what());
    MPI_Abort(MPI_COMM_WORLD, kExitInternal);
    return kExitInternal;
  }
}

}  // namespace

int mtl_mpi_main(int argc, char** argv) {
  // Every file is closed explicitly (and its close checked). After a failed
  // close (disk full) HDF5 1.10 keeps a half-closed file whose cleanup at exit
  // crashes (H5F__close_cb): skip that cleanup. Must precede any other H5 call.
  H5dont_atexit();
  h5_quiet();
  CliOptions opts;
  try {
    opts = parse_cli(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "mtl_mpi: %s\n", e.what());
    return kExitUsage;
  }
  if (opts.help) {
    std::cout << cli_usage();
    return kExitOk;
  }
  if (!opts.help_config.empty()) {
    std::cout << (opts.help_config == "markdown" ? config_help_markdown() : config_help_text());
    return kExitOk;
  }
  if (opts.version) {
    try {
      std::cout << version_report("mtl_mpi");
    } catch (const Error& e) {  // e.g. a bad MTL_MAX_ISA
      std::fprintf(stderr, "mtl_mpi: %s\n", e.what());
      return kExitConfig;
    }
    return kExitOk;
  }
  if (opts.dry_run || !opts.only.empty()) {
    try {
      return run_serial(opts);
    } catch (const Error& e) {
      std::fprintf(stderr, "mtl_mpi: %s\n", e.what());
      return kExitConfig;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mtl_mpi: internal error: %s\n", e.what());
      return kExitInternal;
    }
  }
  return run_mpi(&argc, &argv, opts);
}

}  // namespace mtl
