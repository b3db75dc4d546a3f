// Single-run training benchmark (issue 4), not run by ctest.
// Trains the exp1 model (T = 365, N = 25 sequences, C = 7, H = 20, full batch,
// 50 epochs) on one deterministic synthetic site with train_run, and measures
// the same core's large-SGEMM rate with a oneDNN matmul (the practical peak).
// --data FILE also writes x, y and the initial weights so that
// tests/bench/bench_torch.py trains the identical model on identical data;
// tests/bench/run_bench_single.sh runs both and prints them side by side.
//
//   OMP_NUM_THREADS=1 bench_single [--runs R] [--epochs E] [--data FILE]
#include <hdf5.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "dnnl.hpp"
#include "mtl/lstm.hpp"
#include "mtl/params.hpp"
#include "mtl/train.hpp"

namespace {

constexpr int kT = 365, kN = 25, kC = 7, kH = 20;

/// Deterministic site: seasonal drivers with a per-day pseudo-random part,
/// a lagged mix as flow and a smoothed one as temperature (15 % missing).
mtl::SiteData make_site() {
  mtl::SiteData d;
  d.site_indices = {0};
  d.site_ids = {"bench"};
  d.driver_names = {"dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"};
  d.scaling.x_mean.assign(kC, 0.0f);
  d.scaling.x_std.assign(kC, 1.0f);
  d.scaling.y_mean = {10.0, 12.0};
  d.scaling.y_std = {5.0, 6.0};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  mtl::SequenceSet s;
  s.seq_len = kT, s.n_seq = kN, s.n_in = kC;
  s.x.resize(static_cast<std::size_t>(kT) * kN * kC);
  s.y.resize(static_cast<std::size_t>(kT) * kN * 2);
  s.day.resize(static_cast<std::size_t>(kT) * kN);
  s.site.assign(kN, 0);
  uint64_t state = 12345;
  auto noise = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
  };
  for (int n = 0; n < kN; ++n)
    for (int t = 0; t < kT; ++t) {
      const std::size_t r = static_cast<std::size_t>(t) * kN + n;
      const int day = n * kT + t;
      const double season = std::sin(2 * M_PI * day / 365.25);
      for (int c = 0; c < kC; ++c)
        s.x[r * kC + c] = static_cast<float>(std::cos(c * 0.7) * season + 0.5 * noise());
      s.day[r] = 3653 + day;
      s.y[r * 2] = static_cast<float>(0.7 * season + 0.3 * s.x[r * kC + 1]);
      s.y[r * 2 + 1] = (day % 7 == 0) ? nan : static_cast<float>(0.9 * season);
    }
  d.train = s;
  d.eval = {s, s, s};
  d.train_obs = {kT * kN, kT * kN - kT * kN / 7};
  return d;
}

void write_h5(hid_t f, const char* name, const std::vector<hsize_t>& dims, const float* v) {
  hid_t sp = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t ds = H5Dcreate2(f, name, H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
    std::fprintf(stderr, "bench_single: cannot write %s\n", name);
    std::exit(1);
  }
  H5Dclose(ds);
  H5Sclose(sp);
}

/// x [T,N,C], y [T,N,2] and the seed-0 initial flat parameters for bench_torch.py.
void write_data(const std::string& path, const mtl::SiteData& d, int epochs) {
  const mtl::ParamLayout L = mtl::make_param_layout(kC, kH);
  std::vector<float> p(L.total);
  mtl::init_params(p.data(), L, 0);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    std::fprintf(stderr, "bench_single: cannot create %s\n", path.c_str());
    std::exit(1);
  }
  write_h5(f, "x", {kT, kN, kC}, d.train.x.data());
  write_h5(f, "y", {kT, kN, 2}, d.train.y.data());
  write_h5(f, "initial_flat", {L.total}, p.data());
  const float e = static_cast<float>(epochs);
  write_h5(f, "epochs", {1}, &e);
  H5Fclose(f);
}

/// FLOP/s of a square oneDNN f32 matmul (best of `reps`).
double sgemm_flops(int n, int reps) {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  using tag = dnnl::memory::format_tag;
  const dnnl::memory::desc md({n, n}, dnnl::memory::data_type::f32, tag::ab);
  dnnl::memory a(md, eng), b(md, eng), c(md, eng);
  for (auto* m : {&a, &b}) {
    auto* p = static_cast<float*>(m->get_data_handle());
    for (int i = 0; i < n * n; ++i) p[i] = static_cast<float>((i % 17) - 8) * 0.01f;
  }
  dnnl::matmul mm(dnnl::matmul::primitive_desc(dnnl::matmul::desc(md, md, md), eng));
  double best = 1e30;
  for (int r = 0; r < reps + 1; ++r) {  // first execute is warm-up
    const auto t0 = std::chrono::steady_clock::now();
    mm.execute(strm, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    strm.wait();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) best = std::min(best, s);
  }
  return 2.0 * n * double(n) * n / best;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5, epochs = 50;
  std::string data_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--epochs")) epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--data")) data_path = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: bench_single [--runs R] [--epochs E] [--data FILE]\n");
      return 2;
    }
  }
  const mtl::SiteData site = make_site();
  if (!data_path.empty()) write_data(data_path, site, epochs);
  mtl::Config cfg;
  cfg.model.hidden = kH;
  cfg.model.seq_len = kT;
  cfg.train.epochs = epochs;
  cfg.train.threads = 1;

  mtl::RunSpec warm;
  mtl::train_run(warm, site, cfg);  // primitive creation happens once per shape
  double best_run = 1e30, best_train = 1e30, sum_run = 0;
  double final_loss = 0;
  for (int r = 0; r < runs; ++r) {
    mtl::RunSpec spec;
    spec.run_id = r;
    spec.seed = r;
    spec.lambda = 1.0;
    const auto t0 = std::chrono::steady_clock::now();
    const mtl::RunResult res = mtl::train_run(spec, site, cfg);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (res.status != mtl::RunStatus::done) {
      std::fprintf(stderr, "bench_single: run %d failed: %s\n", r, res.message.c_str());
      return 1;
    }
    best_run = std::min(best_run, s);
    best_train = std::min(best_train, res.train_seconds);
    sum_run += s;
    if (r == 0) final_loss = res.final_loss;
  }
  const double flops = mtl::lstm_training_flops({kT, kN, kC, kH}) * epochs;
  const double peak = sgemm_flops(2048, 3);
  const mtl::LstmNet& net = mtl::lstm_net({kT, kN, kC, kH}, mtl::LstmMode::training);
  std::printf("shape T=%d N=%d C=%d H=%d epochs=%d runs=%d (oneDNN %s)\n", kT, kN, kC, kH,
              epochs, runs, net.layout_summary());
  std::printf("ours_run_seconds_best %.4f\n", best_run);
  std::printf("ours_run_seconds_mean %.4f\n", sum_run / runs);
  std::printf("ours_train_seconds_best %.4f\n", best_train);
  std::printf("ours_final_loss_seed0 %.6f\n", final_loss);
  std::printf("ours_training_gflops %.3f\n", flops / best_train * 1e-9);
  std::printf("sgemm2048_gflops %.3f\n", peak * 1e-9);
  std::printf("fraction_of_sgemm %.4f\n", flops / best_train / peak);
  return 0;
}
