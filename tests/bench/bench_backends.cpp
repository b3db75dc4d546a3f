// Backend benchmark (not run by ctest; tests/bench/run_bench_backends.sh runs it
// once per ISA cap and PyTorch beside it). One process = one ISA setting, since
// MTL_MAX_ISA and ONEDNN_MAX_CPU_ISA are read once at start.
//
//   bench_backends [--hidden H] [--runs R] [--epochs E] [--sgemm N] [--data FILE] [--onednn 0|1]
//
// Prints the kernels variant and oneDNN ISA in effect, oneDNN's large SGEMM rate
// on this core (the practical peak of the ISA), and for each backend the CPU
// seconds per run (50 full-batch epochs on T = 365, N = 25, C = 7 plus the final
// predictions of the three partitions, as in exp1) and its share of that peak:
// the median over the runs of each run's rate over the SGEMM rate measured beside
// it (time_runs), and the SGEMM line gives the median of those rates.
// --data FILE writes the training data and initial weights for bench_torch.py.
// --onednn 0 skips the oneDNN LSTM (quick A/B runs of the kernels alone).
#include <hdf5.h>

#include <algorithm>
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

/// Large single-precision GEMM through oneDNN matmul, one thread, n x n x n:
/// rate() = FLOP per CPU second of one execution. Non-constant operands (constant
/// ones read twice as fast). The first call warms up.
class Sgemm {
 public:
  explicit Sgemm(int n)
      : n_(n), eng_(dnnl::engine::kind::cpu, 0), s_(eng_),
        md_({n, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab), a_(md_, eng_),
        b_(md_, eng_), c_(md_, eng_),
        prim_(dnnl::matmul::primitive_desc(dnnl::matmul::desc(md_, md_, md_), eng_)) {
    float* pa = static_cast<float*>(a_.get_data_handle());
    float* pb = static_cast<float*>(b_.get_data_handle());
    for (std::size_t i = 0; i < std::size_t(n) * n; ++i) {
      pa[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
      pb[i] = 0.2f * static_cast<float>(i % 5) - 0.4f;
    }
    rate();
  }
  double rate() {
    const double t = cpu_now();
    prim_.execute(s_, {{DNNL_ARG_SRC, a_}, {DNNL_ARG_WEIGHTS, b_}, {DNNL_ARG_DST, c_}});
    s_.wait();
    return 2.0 * n_ * n_ * double(n_) / (cpu_now() - t);
  }

 private:
  int n_;
  dnnl::engine eng_;
  dnnl::stream s_;
  dnnl::memory::desc md_;
  dnnl::memory a_, b_, c_;
  dnnl::matmul prim_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
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

/// Runs on one backend, each timed alone (CPU seconds, training + evaluation)
/// between two SGEMM executions. The machine's speed drifts on a shared VM (by
/// 10-40 % over minutes), so a run's share of the peak is its rate over the higher
/// of the two SGEMM rates measured just before and after it (the conservative
/// choice), and the share reported is the median over the runs.
struct Timing {
  double seconds = 0;  // mean CPU seconds per run
  double share = 0;    // median of the paired shares of the SGEMM rate
  double peak = 0;     // median of the paired SGEMM rates (FLOP/s)
};

Timing time_runs(const mtl::SiteData& d, mtl::Config cfg, mtl::BackendChoice b, int runs,
                 double flop, Sgemm& gemm, int* failed) {
  cfg.train.backend = b;
  mtl::train_runs({mtl::RunSpec{}}, d, cfg);  // warm-up: oneDNN's JIT, first-touch of buffers
  std::vector<double> shares, peaks;
  Timing out;
  double before = gemm.rate();
  for (int i = 0; i < runs; ++i) {
    mtl::RunSpec r;
    r.run_id = i;
    r.lambda = i % 2 ? 1.0 : 0.0;
    r.seed = i;
    const double t = cpu_now();
    for (const auto& res : mtl::train_runs({r}, d, cfg)) *failed += res.status != mtl::RunStatus::done;
    const double sec = cpu_now() - t;
    const double after = gemm.rate();
    peaks.push_back(std::max(before, after));
    shares.push_back(flop / sec / peaks.back());
    out.seconds += sec / runs;
    before = after;
  }
  out.share = median(shares);
  out.peak = median(peaks);
  return out;
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
  Sgemm gemm(sgemm);
  int failed = 0;
  const Timing tk = time_runs(d, cfg, mtl::BackendChoice::kernels, runs, flop, gemm, &failed);
  const Timing to = with_onednn
                        ? time_runs(d, cfg, mtl::BackendChoice::onednn, runs, flop, gemm, &failed)
                        : Timing{};
  const std::string kpath = mtl::numeric_path(mtl::BackendChoice::kernels).text();
  const std::string opath = mtl::numeric_path(mtl::BackendChoice::onednn).text();
  const std::string apath = mtl::numeric_path(mtl::BackendChoice::automatic).text();
  std::printf("H=%d sgemm(%s) %.1f GFLOP/s\n", hidden, mtl::onednn_isa().c_str(), tk.peak * 1e-9);
  std::printf("H=%d %-32s %8.4f s/run %6.1f GFLOP/s %5.1f%% of sgemm\n", hidden, kpath.c_str(),
              tk.seconds, flop / tk.seconds * 1e-9, 100 * tk.share);
  if (with_onednn) {
    std::printf("H=%d %-32s %8.4f s/run %6.1f GFLOP/s %5.1f%% of sgemm\n", hidden, opath.c_str(),
                to.seconds, flop / to.seconds * 1e-9, 100 * to.share);
    std::printf("H=%d kernels/onednn speed-up %.2fx; auto = %s\n", hidden, to.seconds / tk.seconds,
                apath.c_str());
  }
  if (failed) std::printf("WARNING: %d runs did not finish\n", failed);
  return failed ? 1 : 0;
}
