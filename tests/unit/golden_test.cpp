// Our oneDNN float model against PyTorch (float64) on tests/data/golden_lstm.h5
// (written by tests/reference/make_golden.py): hidden states, predictions,
// loss and every gradient of step 1, then the loss over 20 Keras-Adam steps.
// The file is read with the HDF5 C API.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/loss.hpp"
#include "mtl/lstm.hpp"
#include "mtl/optim.hpp"
#include "mtl/params.hpp"

namespace {

constexpr double kEpsF = std::numeric_limits<float>::epsilon();

std::string golden_path() {
  const char* env = std::getenv("MTL_GOLDEN_FILE");  // local override for regenerated files
  return env ? env : MTL_TEST_DATA_DIR "/golden_lstm.h5";
}

class Golden {
 public:
  explicit Golden(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  }
  ~Golden() {
    if (file_ >= 0) H5Fclose(file_);
  }
  bool ok() const { return file_ >= 0; }

  template <class T>
  std::vector<T> read(const std::string& name) const {
    hid_t ds = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
    if (ds < 0) throw std::runtime_error("golden: no dataset " + name);
    hid_t space = H5Dget_space(ds);
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    std::vector<T> v(static_cast<std::size_t>(n));
    const hid_t type = std::is_same<T, float>::value ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    const herr_t st = H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(ds);
    if (st < 0) throw std::runtime_error("golden: cannot read " + name);
    return v;
  }
  double scalar(const std::string& name) const { return read<double>(name).at(0); }
  double attr(const char* name) const {
    double v = 0;
    hid_t a = H5Aopen(file_, name, H5P_DEFAULT);
    if (a < 0 || H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) throw std::runtime_error(name);
    H5Aclose(a);
    return v;
  }

 private:
  hid_t file_ = -1;
};

double rel_norm_diff(const std::vector<float>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num / den);
}

struct GoldenCase {
  int T, N, C, H;
  double lambda;
  mtl::ParamLayout layout;
  std::vector<float> x, y, params;
};

GoldenCase load(const Golden& g) {
  GoldenCase s;
  s.T = static_cast<int>(g.attr("T"));
  s.N = static_cast<int>(g.attr("N"));
  s.C = static_cast<int>(g.attr("C"));
  s.H = static_cast<int>(g.attr("H"));
  s.lambda = g.attr("lambda");
  s.layout = mtl::make_param_layout(s.C, s.H);
  s.x = g.read<float>("inputs/x");
  s.y = g.read<float>("inputs/y");
  s.params = g.read<float>("initial/flat");  // exactly the float32 draws PyTorch widened
  return s;
}

// Derived bounds (normwise, benchdnn style: growth with accumulation length):
//  forward: each pre-activation is a K = C + H + 1 term float dot product per
//  step, errors carried over T steps -> eps_f T (C + H + 1);
//  backward: adds the T N point sums of the weight gradients and the 4H-term
//  dh recurrence over T steps -> eps_f (T (C+H+1) + T N + 4 T H).
double forward_bound(const GoldenCase& s) { return kEpsF * s.T * (s.C + s.H + 1); }
double backward_bound(const GoldenCase& s) {
  return kEpsF * (s.T * (s.C + s.H + 1) + s.T * s.N + 4 * s.T * s.H);
}

class GoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = std::make_unique<Golden>(golden_path());
    ASSERT_TRUE(golden_->ok()) << "cannot open " << golden_path()
                               << " (regenerate: /usr/bin/python3 tests/reference/make_golden.py)";
    ASSERT_EQ(golden_->attr("version"), 1.0);
    s_ = load(*golden_);
  }
  std::unique_ptr<Golden> golden_;
  GoldenCase s_;
};

TEST_F(GoldenTest, FirstStepMatchesPyTorch) {
  const GoldenCase& s = s_;
  mtl::LstmNet net({s.T, s.N, s.C, s.H}, mtl::LstmMode::training);
  const std::size_t points = static_cast<std::size_t>(s.T) * s.N;
  std::vector<float> pred(points * 2), dpred(points * 2), grads(s.layout.total);
  net.forward(s.params.data(), s.x.data(), pred.data());
  std::vector<float> h(net.hidden_states(), net.hidden_states() + points * s.H);

  const double err_h = rel_norm_diff(h, golden_->read<double>("forward/h"));
  std::printf("h: rel error %.3g (bound %.3g)\n", err_h, forward_bound(s));
  EXPECT_LE(err_h, forward_bound(s));
  // pred adds an H-term dot product: (H + 1) more roundings.
  EXPECT_LE(rel_norm_diff(pred, golden_->read<double>("forward/pred")),
            forward_bound(s) + kEpsF * (s.H + 1));

  const mtl::LossValue l =
      mtl::masked_loss(pred.data(), s.y.data(), points, s.lambda, mtl::LossKind::rmse, dpred.data());
  // The loss is a smooth function of pred: relative error ~ that of the residuals,
  // which is at most the prediction bound relative to the residual scale (~1 here).
  const double loss_tol = forward_bound(s) + kEpsF * (s.H + 1);
  EXPECT_NEAR(l.total, golden_->scalar("loss/total"), loss_tol * golden_->scalar("loss/total"));
  EXPECT_NEAR(l.primary, golden_->scalar("loss/primary"), loss_tol * golden_->scalar("loss/primary"));
  EXPECT_NEAR(l.auxiliary, golden_->scalar("loss/auxiliary"),
              loss_tol * golden_->scalar("loss/auxiliary"));
  EXPECT_LE(rel_norm_diff(dpred, golden_->read<double>("grad/dpred")), loss_tol);

  net.backward(s.params.data(), dpred.data(), grads.data());
  const std::vector<double> ref = golden_->read<double>("grad/flat");
  const auto& L = s.layout;
  const std::size_t cuts[] = {L.wx, L.wh, L.b, L.head_w, L.head_b, L.total};
  const char* names[] = {"weight_ih", "weight_hh", "bias", "head_weight", "head_bias"};
  for (int k = 0; k < 5; ++k) {
    std::vector<float> a(grads.begin() + cuts[k], grads.begin() + cuts[k + 1]);
    std::vector<double> b(ref.begin() + cuts[k], ref.begin() + cuts[k + 1]);
    const double err = rel_norm_diff(a, b);
    std::printf("grad %s: rel error %.3g (bound %.3g)\n", names[k], err, backward_bound(s) + loss_tol);
    EXPECT_LE(err, backward_bound(s) + loss_tol) << names[k];
  }
}

TEST_F(GoldenTest, TwentyAdamStepsMatchPyTorchLosses) {
  const GoldenCase& s = s_;
  mtl::TrainConfig cfg;
  cfg.learning_rate = golden_->attr("learning_rate");
  cfg.beta1 = golden_->attr("beta1");
  cfg.beta2 = golden_->attr("beta2");
  cfg.epsilon = golden_->attr("epsilon");
  const int steps = static_cast<int>(golden_->attr("adam_steps"));
  const std::vector<double> ref = golden_->read<double>("adam/loss_total");
  ASSERT_EQ(ref.size(), std::size_t(steps + 1));

  mtl::LstmNet& net = mtl::lstm_net({s.T, s.N, s.C, s.H}, mtl::LstmMode::training);
  const std::size_t points = static_cast<std::size_t>(s.T) * s.N;
  std::vector<float> p = s.params, pred(points * 2), dpred(points * 2), g(s.layout.total);
  std::vector<float> m(s.layout.total, 0.0f), v(s.layout.total, 0.0f);
  // Each Adam step moves a parameter by at most ~lr_t (|m / (sqrt v + eps)| <= ~1,
  // lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)); a gradient error of relative size
  // backward_bound changes that move by about the same relative amount, so after
  // k steps every parameter may drift by sum_t lr_t backward_bound, and the loss
  // by ||dL/dp||_1 (our current gradient) times that drift, on top of the
  // forward error forward_bound L.
  double drift = 0.0;
  for (int k = 0; k <= steps; ++k) {
    net.forward(p.data(), s.x.data(), pred.data());
    const mtl::LossValue l = mtl::masked_loss(pred.data(), s.y.data(), points, s.lambda,
                                              mtl::LossKind::rmse, dpred.data());
    net.backward(p.data(), dpred.data(), g.data());
    double g_l1 = 0.0;
    for (float e : g) g_l1 += std::fabs(e);
    const double tol = forward_bound(s) * ref[k] + g_l1 * drift;
    EXPECT_NEAR(l.total, ref[k], tol) << "after " << k << " Adam steps";
    if (k == steps) {
      std::printf("loss after %d steps: ours %.9g, PyTorch %.9g, |diff| %.3g (bound %.3g)\n", k,
                  l.total, ref[k], std::fabs(l.total - ref[k]), tol);
      break;
    }
    const int t = k + 1;
    drift += cfg.learning_rate * std::sqrt(1 - std::pow(cfg.beta2, t)) /
             (1 - std::pow(cfg.beta1, t)) * backward_bound(s);
    mtl::adam_step(p.data(), g.data(), m.data(), v.data(), s.layout.total, t, cfg);
  }
  EXPECT_LT(ref[steps], ref[0]);  // the reference really trained
}

}  // namespace
