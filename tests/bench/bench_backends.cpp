// Backend benchmark (not run by ctest; tests/bench/run_bench_backends.sh runs it
// once per ISA cap and PyTorch beside it). One process = one ISA setting, since
// MTL_MAX_ISA and ONEDNN_MAX_CPU_ISA are read once at start.
//
//   bench_backends [--hidden H] [--runs R] [--epochs E] [--sgemm N] [--data FILE] [--onednn 0|1]
//
// Prints the kernels variant and oneDNN ISA in effect, oneDNN's large SGEMM rate
// on this core (the practical peak of the ISA), and for each backend the CPU
// seconds per run (50 full-batch epochs on T = 365, N = 25, C = 7 plus the final
// predictions of the three partitions, as in exp1) and its share of that peak.
// --data FILE writes the training data and initial weights for bench_torch.py.
// --onednn 0 skips the oneDNN LSTM (quick A/B runs of the kernels alone).
#include <hdf5.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "dnnl.hpp"
#include "mtl/backend.hpp"
#include "mtl/kernels.hpp"
#include "mtl/lstm.hpp"
#include "mtl/params.hpp"
#include "mtl/train.hpp"
#include "mtl/version.hpp"
#include "../support/synthetic_site.hpp"

namespace {

constexpr int kT = 365, kN = 25, kC = 7;

/// CPU seconds of this process (one thread): stays meaningful on a loaded machine.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/// Large single-precision GEMM through oneDNN matmul, one thread: best of 3,
/// FLOP per CPU second. Non-constant operands (constant ones read twice as fast).
double sgemm_flops(int n) {
  using namespace dnnl;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const memory::desc md({n, n}, memory::data_type::f32, memory::format_tag::ab);
  memory a(md, eng), b(md, eng), c(md, eng);
  float* pa = static_cast<float*>(a.get_data_handle());
  float* pb = static_cast<float*>(b.get_data_handle());
  for (std::size_t i = 0; i < std::size_t(n) * n; ++i) {
    pa[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
    pb[i] = 0.2f * static_cast<float>(i % 5) - 0.4f;
  }
  const matmul prim(matmul::primitive_desc(matmul::desc(md, md, md), eng));
  double best = 1e30;
  for (int rep = 0; rep < 4; ++rep) {
    const double t = cpu_now();
    prim.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    s.wait();
    if (rep > 0) best = std::min(best, cpu_now() - t);  // the first call warms up
  }
  return 2.0 * n * n * double(n) / best;
}

void write_h5(hid_t f, const char* name, const std::vector<hsize_t>& dims, const float* v) {
  const hid_t sp = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t ds = H5Dcreate2(f, name, H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
    std::fprintf(stderr, "bench_backends: cannot write %s\n", name);
    std::exit(1);
  }
  H5Dclose(ds);
  H5Sclose(sp);
}

/// x [T, N, C], y [T, N, 2], the seed-0 initial weights and the epoch count.
void write_torch_data(const std::string& path, const mtl::SiteData& d, int hidden, int epochs) {
  const mtl::ParamLayout lay = mtl::make_param_layout(kC, hidden);
  std::vector<float> p(lay.total);
  mtl::init_params(p.data(), lay, 0);
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    std::fprintf(stderr, "bench_backends: cannot create %s\n", path.c_str());
    std::exit(1);
  }
  write_h5(f, "x", {kT, kN, kC}, d.train.x.data());
  write_h5(f, "y", {kT, kN, 2}, d.train.y.data());
  write_h5(f, "initial_flat", {lay.total}, p.data());
  const float e = static_cast<float>(epochs);
  write_h5(f, "epochs", {1}, &e);
  H5Fclose(f);
}

/// CPU seconds per run (training + evaluation) of `runs` runs on one backend.
double seconds_per_run(const mtl::SiteData& d, mtl::Config cfg, mtl::BackendChoice b, int runs,
                       int* failed) {
  cfg.train.backend = b;
  std::vector<mtl::RunSpec> specs;
  for (int i = 0; i < runs; ++i) {
    mtl::RunSpec r;
    r.run_id = i;
    r.lambda = i % 2 ? 1.0 : 0.0;
    r.seed = i;
    specs.push_back(r);
  }
  mtl::train_runs({specs.front()}, d, cfg);  // warm-up: oneDNN's JIT, first-touch of buffers
  const double t = cpu_now();
  for (const auto& r : mtl::train_runs(specs, d, cfg)) *failed += r.status != mtl::RunStatus::done;
  return (cpu_now() - t) / runs;
}

}  // namespace

int main(int argc, char** argv) {
  setenv("OMP_NUM_THREADS", "1", 1);  // one core, before oneDNN starts OpenMP
  mtl::set_compute_threads(1);
  int hidden = 20, runs = 8, epochs = 50, sgemm = 2048, with_onednn = 1;
  std::string data_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--hidden") hidden = std::stoi(v);
    else if (k == "--runs") runs = std::stoi(v);
    else if (k == "--epochs") epochs = std::stoi(v);
    else if (k == "--sgemm") sgemm = std::stoi(v);
    else if (k == "--data") data_path = v;
    else if (k == "--onednn") with_onednn = std::stoi(v);
    else {
      std::fprintf(stderr, "usage: bench_backends [--hidden H] [--runs R] [--epochs E] [--sgemm N] [--data FILE] [--onednn 0|1]\n");
      return 2;
    }
  }
  const mtl::SiteData d = mtl::test::synthetic_site(kT, kN, kC, 11);
  if (!data_path.empty()) write_torch_data(data_path, d, hidden, epochs);
  mtl::Config cfg;
  cfg.model.hidden = hidden;
  cfg.model.seq_len = kT;
  cfg.train.epochs = epochs;
  double flop = mtl::kernels::train_flops(kC, hidden, kN, kT) * epochs;
  for (const auto& e : d.eval)  // final predictions: forward gates and heads
    flop += 2.0 * e.seq_len * e.n_seq * ((kC + hidden) * 4.0 * hidden + 2.0 * hidden);
  const double peak = sgemm_flops(sgemm);
  int failed = 0;
  const double tk = seconds_per_run(d, cfg, mtl::BackendChoice::kernels, runs, &failed);
  const double to =
      with_onednn ? seconds_per_run(d, cfg, mtl::BackendChoice::onednn, runs, &failed) : 0.0;
  const std::string kpath = mtl::numeric_path(mtl::BackendChoice::kernels).text();
  const std::string opath = mtl::numeric_path(mtl::BackendChoice::onednn).text();
  const std::string apath = mtl::numeric_path(mtl::BackendChoice::automatic).text();
  std::printf("H=%d sgemm(%s) %.1f GFLOP/s\n", hidden, mtl::onednn_isa().c_str(), peak * 1e-9);
  std::printf("H=%d %-32s %8.4f s/run %6.1f GFLOP/s %5.1f%% of sgemm\n", hidden, kpath.c_str(), tk,
              flop / tk * 1e-9, 100 * flop / tk / peak);
  if (with_onednn) {
    std::printf("H=%d %-32s %8.4f s/run %6.1f GFLOP/s %5.1f%% of sgemm\n", hidden, opath.c_str(), to,
                flop / to * 1e-9, 100 * flop / to / peak);
    std::printf("H=%d kernels/onednn speed-up %.2fx; auto = %s\n", hidden, to / tk, apath.c_str());
  }
  if (failed) std::printf("WARNING: %d runs did not finish\n", failed);
  return failed ? 1 : 0;
}
