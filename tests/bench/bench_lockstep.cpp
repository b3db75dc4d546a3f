// Benchmark: lockstep training (train_group's kernels) vs the single-run oneDNN
// path (train_run) on the same synthetic site, side by side in one process, and
// the training FLOP/s per core against oneDNN's large SGEMM on the same core.
//
//   bench_lockstep [--runs R] [--group G] [--epochs E] [--single S] [--n-seq N]
//                  [--seq-len T] [--sweep 1,2,4,8,16] [--sgemm 2048]
// One thread (OMP_NUM_THREADS=1 is set before oneDNN starts). Prints one table.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "dnnl.hpp"
#include "mtl/lockstep.hpp"
#include "mtl/loss.hpp"
#include "mtl/lstm.hpp"
#include "mtl/optim.hpp"
#include "mtl/params.hpp"
#include "mtl/train.hpp"
#include "../support/synthetic_site.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
/// CPU seconds of this process (one thread): the core-seconds a run costs, which
/// stays meaningful when the shared machine is loaded and wall time is not.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
struct Timing {
  double wall = 0, cpu = 0;  // per run
};

struct Options {
  int runs = 16, group = 0, epochs = 50, single = 2, n_seq = 25, seq_len = 365, sgemm = 2048;
  std::vector<int> sweep;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--runs") o.runs = std::stoi(v);
    else if (k == "--group") o.group = std::stoi(v);
    else if (k == "--epochs") o.epochs = std::stoi(v);
    else if (k == "--single") o.single = std::stoi(v);
    else if (k == "--n-seq") o.n_seq = std::stoi(v);
    else if (k == "--seq-len") o.seq_len = std::stoi(v);
    else if (k == "--sgemm") o.sgemm = std::stoi(v);
    else if (k == "--sweep") {
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ',')) o.sweep.push_back(std::stoi(item));
    } else {
      std::fprintf(stderr, "bench_lockstep: unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return o;
}

/// Large single-precision GEMM through oneDNN matmul, one thread: best of 3, FLOP/s
/// per CPU second.
double sgemm_flops(int n) {
  using namespace dnnl;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const memory::dims d = {n, n};
  const memory::desc md(d, memory::data_type::f32, memory::format_tag::ab);
  memory a(md, eng), b(md, eng), c(md, eng);
  // Non-constant operands: with constant ones this machine reported twice the speed.
  float* pa = static_cast<float*>(a.get_data_handle());
  float* pb = static_cast<float*>(b.get_data_handle());
  for (std::size_t i = 0; i < std::size_t(n) * n; ++i) {
    pa[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
    pb[i] = 0.2f * static_cast<float>(i % 5) - 0.4f;
  }
  const matmul prim(matmul::primitive_desc(matmul::desc(md, md, md), eng));
  double best = 1e30;
  for (int rep = 0; rep < 4; ++rep) {
    const double t = cpu_now();  // CPU time: a loaded machine does not deflate the peak
    prim.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    s.wait();
    if (rep > 0) best = std::min(best, cpu_now() - t);  // first call warms up
  }
  return 2.0 * n * n * double(n) / best;
}

/// The alternative the issue proposed for the recurrent step: one oneDNN matmul with a
/// batch dimension over G models, [G, N, C+H] x [G, C+H, 4H]. Reports whether model 0's
/// result is bit-identical for every batch size and the time per model-step.
void onednn_batched_step_check(int n, int k, int g4) {
  using namespace dnnl;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  std::vector<float> ref;
  bool identical = true;
  for (int G : {1, 3, 8, 16, 30}) {
    const memory::desc a_md({G, n, k}, memory::data_type::f32, memory::format_tag::abc);
    const memory::desc b_md({G, k, g4}, memory::data_type::f32, memory::format_tag::abc);
    const memory::desc c_md({G, n, g4}, memory::data_type::f32, memory::format_tag::abc);
    memory a(a_md, eng), b(b_md, eng), c(c_md, eng);
    std::uint64_t st = 99;  // model 0 gets the same operands for every G
    float* pa = static_cast<float*>(a.get_data_handle());
    float* pb = static_cast<float*>(b.get_data_handle());
    for (std::size_t i = 0; i < std::size_t(G) * n * k; ++i) pa[i] = mtl::test::lcg_uniform(st) - 0.5f;
    st = 7;
    for (std::size_t i = 0; i < std::size_t(G) * k * g4; ++i) pb[i] = mtl::test::lcg_uniform(st) - 0.5f;
    // Model 0 first: refill its slices identically for every G.
    st = 99;
    for (int i = 0; i < n * k; ++i) pa[i] = mtl::test::lcg_uniform(st) - 0.5f;
    st = 7;
    for (int i = 0; i < k * g4; ++i) pb[i] = mtl::test::lcg_uniform(st) - 0.5f;
    const matmul prim(matmul::primitive_desc(matmul::desc(a_md, b_md, c_md), eng));
    const int reps = 2000 / G + 1;
    const double t = cpu_now();
    for (int r = 0; r < reps; ++r)
      prim.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    s.wait();
    const double per = (cpu_now() - t) / reps / G;
    const float* pc = static_cast<const float*>(c.get_data_handle());
    std::vector<float> m0(pc, pc + std::size_t(n) * g4);
    if (ref.empty()) ref = m0;
    identical = identical && std::memcmp(ref.data(), m0.data(), m0.size() * sizeof(float)) == 0;
    std::printf("oneDNN batched matmul [%d, %d, %d] x [%d, %d, %d]: %.2f us per model-step, %.1f GFLOP/s\n",
                G, n, k, G, k, g4, per * 1e6, 2.0 * n * k * g4 / per * 1e-9);
  }
  std::printf("oneDNN batched matmul: model 0 bit-identical for G = 1, 3, 8, 16, 30: %s\n",
              identical ? "yes" : "NO");
}

std::vector<mtl::RunSpec> make_runs(int count) {
  const double lambdas[] = {0, 1, 5, 10, 20, 40, 80, 160, 320};
  std::vector<mtl::RunSpec> runs;
  for (int i = 0; i < count; ++i) {
    mtl::RunSpec r;
    r.run_id = i;
    r.lambda = lambdas[(i / 30) % 9];
    r.seed = i % 30;
    runs.push_back(r);
  }
  return runs;
}

/// Wall and CPU seconds per run of lockstep training + evaluation with group g.
Timing lockstep_seconds(const mtl::SiteData& d, mtl::Config cfg, int runs, int g, int* failed) {
  cfg.train.group = g;
  const auto t = Clock::now();
  const double c = cpu_now();
  const auto res = mtl::lockstep::train_group_models(make_runs(runs), d, cfg, true, nullptr);
  Timing tm{seconds_since(t) / runs, (cpu_now() - c) / runs};
  for (const auto& r : res) *failed += r.status != mtl::RunStatus::done;
  return tm;
}

void print_row(const char* name, const Timing& t, double flop, double peak, const char* note) {
  std::printf("%-24s %9.4f %9.4f %9.2f %9.1f %8.1f%%%s\n", name, t.wall, t.cpu, 1.0 / t.wall,
              flop / t.cpu * 1e-9, 100.0 * flop / t.cpu / peak, note);
}

/// CPU seconds of each phase of one full-batch epoch of one model (the profile:
/// valgrind cannot run AVX-512 code, perf has no counters in this VM).
void phase_profile(const mtl::SiteData& d, const mtl::Config& cfg, int reps) {
  namespace ls = mtl::lockstep;
  const int T = d.train.seq_len, N = d.train.n_seq, C = d.train.n_in, H = cfg.model.hidden;
  const ls::Dims dims{C, H, N};
  const mtl::ParamLayout lay = mtl::make_param_layout(C, H);
  std::vector<float> p(lay.total), g(lay.total), m(lay.total, 0.f), v(lay.total, 0.f);
  mtl::init_params(p.data(), lay, 0);
  ls::Tape tape;
  tape.resize(T, dims);
  ls::Scratch s;
  s.resize(dims);
  std::vector<float> pred(std::size_t(T) * N * 2), dpred(pred.size());
  double tf = 0, tl = 0, tb = 0, ta = 0;
  for (int r = 0; r < reps; ++r) {
    double c = cpu_now();
    ls::forward_train(dims, T, p.data(), lay, d.train.x.data(), tape, pred.data(), s);
    tf += cpu_now() - c;
    c = cpu_now();
    mtl::masked_loss(pred.data(), d.train.y.data(), std::size_t(T) * N, 5.0, cfg.model.loss,
                     dpred.data());
    tl += cpu_now() - c;
    c = cpu_now();
    ls::backward(dims, T, p.data(), lay, d.train.x.data(), tape, dpred.data(), g.data(), s);
    tb += cpu_now() - c;
    c = cpu_now();
    mtl::adam_step(p.data(), g.data(), m.data(), v.data(), lay.total, r + 1, cfg.train);
    ta += cpu_now() - c;
  }
  const double tot = tf + tl + tb + ta;
  std::printf("\nprofile of one epoch (CPU ms): forward %.3f (%.0f%%), loss %.3f (%.0f%%), "
              "backward %.3f (%.0f%%), adam %.3f (%.0f%%)\n",
              1e3 * tf / reps, 100 * tf / tot, 1e3 * tl / reps, 100 * tl / tot, 1e3 * tb / reps,
              100 * tb / tot, 1e3 * ta / reps, 100 * ta / tot);
  const double rows = double(T) * N, K = C + H, G4 = 4.0 * H;
  std::printf("  forward %.1f GFLOP/s, backward %.1f GFLOP/s\n",
              rows * (2 * K * G4 + 4 * H) / (tf / reps) * 1e-9,
              rows * (2 * G4 * H + 2 * K * G4 + 4 * H) / (tb / reps) * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
  setenv("OMP_NUM_THREADS", "1", 1);  // one core: before oneDNN starts OpenMP
  mtl::set_compute_threads(1);        // and through the runtime, should it be up already
  const Options o = parse(argc, argv);
  const int C = 7, H = 20;
  const mtl::SiteData d = mtl::test::synthetic_site(o.seq_len, o.n_seq, C, 11);
  mtl::Config cfg;
  cfg.model.hidden = H;
  cfg.model.seq_len = o.seq_len;
  cfg.train.epochs = o.epochs;
  const mtl::lockstep::Dims dims{C, H, o.n_seq};
  // Training plus the final prediction of the three evaluation partitions.
  double flop = mtl::lockstep::train_flops(dims, o.seq_len) * o.epochs;
  for (const auto& e : d.eval) flop += mtl::lockstep::predict_flops({C, H, e.n_seq}, e.seq_len);
  const int g = o.group > 0 ? o.group : mtl::lockstep::default_group_size();

  std::printf("shape: T=%d N=%d C=%d H=%d epochs=%d, %d runs, vector path %s\n", o.seq_len,
              o.n_seq, C, H, o.epochs, o.runs, mtl::lockstep::vector_path(H) ? "AVX-512" : "scalar");
  std::printf("FLOP per run (50 epochs training + evaluation forward): %.3g\n", flop);
  const double peak = sgemm_flops(o.sgemm);
  std::printf("oneDNN sgemm %d^3, 1 thread: %.1f GFLOP/s per CPU second\n", o.sgemm, peak * 1e-9);

  int failed = 0;
  const Timing ls = lockstep_seconds(d, cfg, o.runs, g, &failed);
  Timing single;
  int single_failed = 0;
  if (o.single > 0) {
    const auto runs = make_runs(o.single);
    const auto t = Clock::now();
    const double c = cpu_now();
    for (const auto& r : runs)
      single_failed += mtl::train_run(r, d, cfg).status != mtl::RunStatus::done;
    single = {seconds_since(t) / o.single, (cpu_now() - c) / o.single};
  }
  std::printf("\n%-24s %9s %9s %9s %9s %9s\n", "path (train+evaluate)", "wall s/run", "cpu s/run",
              "runs/s", "GFLOP/s", "of sgemm");
  print_row(("lockstep G=" + std::to_string(g)).c_str(), ls, flop, peak, "");
  if (o.single > 0) {
    print_row("single-run (train_run)", single, flop, peak,
              single_failed ? "  (train_run FAILED: not built on this branch?)" : "");
    std::printf("speed-up lockstep vs single (cpu time): %.2fx\n", single.cpu / ls.cpu);
  }
  if (failed) std::printf("WARNING: %d lockstep runs did not finish\n", failed);
  for (int sg : o.sweep) {
    int f = 0;
    const Timing t = lockstep_seconds(d, cfg, o.runs, sg, &f);
    print_row(("sweep G=" + std::to_string(sg)).c_str(), t, flop, peak, "");
  }
  phase_profile(d, cfg, 20);
  onednn_batched_step_check(o.n_seq, C + H, 4 * H);
  std::printf("(GFLOP/s and %% of sgemm use CPU time, as does the sgemm figure: best of 3)\n");
  return 0;
}
