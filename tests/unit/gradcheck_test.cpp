// Gradient checks of the whole training objective (LSTM + heads + masked
// multi-task RMSE with missing targets and lambda != 0):
// 1. the double scalar reference's analytic gradient against central finite
//    differences (mlpack CheckGradient style, ||g - g_fd|| / ||g + g_fd||);
// 2. oneDNN's float gradient against that double reference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mtl/lstm.hpp"
#include "mtl/params.hpp"
#include "support/lstm_ref.hpp"

namespace {

constexpr int kT = 12, kN = 3, kC = 4, kH = 5;
constexpr double kLambda = 2.5;

struct Case {
  mtl::ParamLayout layout = mtl::make_param_layout(kC, kH);
  std::vector<double> params, x, y;
};

/// Keras-initialised weights (the real starting point), inputs in [-1, 1),
/// targets with about a quarter missing (NaN) in each column.
Case make_case() {
  Case c;
  std::vector<float> pf(c.layout.total);
  mtl::init_params(pf.data(), c.layout, 7);
  c.params.assign(pf.begin(), pf.end());
  c.x.resize(kT * kN * kC);
  mtl::ref::fill_uniform(c.x, 3, -1.0, 1.0);
  c.y.resize(kT * kN * 2);
  mtl::ref::fill_uniform(c.y, 4, -1.5, 1.5);
  std::vector<double> u(c.y.size());
  mtl::ref::fill_uniform(u, 5, 0.0, 1.0);
  for (std::size_t i = 0; i < u.size(); ++i)
    if (u[i] < 0.25) c.y[i] = std::numeric_limits<double>::quiet_NaN();
  return c;
}

double objective(mtl::ref::RefLstm<double>& net, const Case& c, const std::vector<double>& p) {
  net.forward(p, c.x);
  return mtl::ref::masked_rmse<double>(net.pred, c.y, kLambda, nullptr);
}

std::vector<double> analytic_gradient(const Case& c) {
  mtl::ref::RefLstm<double> net(kT, kN, kC, kH);
  net.forward(c.params, c.x);
  std::vector<double> dpred, g;
  mtl::ref::masked_rmse<double>(net.pred, c.y, kLambda, &dpred);
  net.backward(c.params, c.x, dpred, g);
  return g;
}

template <class A>
double rel_error(const A& g, const std::vector<double>& r) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    num += (g[i] - r[i]) * (g[i] - r[i]);
    den += (g[i] + r[i]) * (g[i] + r[i]);
  }
  return std::sqrt(num) / std::sqrt(den);
}

TEST(Gradcheck, ReferenceMatchesFiniteDifferencesInDouble) {
  const Case c = make_case();
  const std::vector<double> g = analytic_gradient(c);
  mtl::ref::RefLstm<double> net(kT, kN, kC, kH);
  // Central differences: truncation error h^2 |f'''| / 6 ~ 1e-10 for h = 1e-5 and
  // O(1) third derivatives; rounding eps_d |f| / h ~ 2e-11. Both are far below
  // the 1e-6 bound, which leaves room for |f'''| up to ~1e4.
  const double h = 1e-5;
  std::vector<double> fd(g.size());
  std::vector<double> p = c.params;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double keep = p[i];
    p[i] = keep + h;
    const double up = objective(net, c, p);
    p[i] = keep - h;
    const double down = objective(net, c, p);
    p[i] = keep;
    fd[i] = (up - down) / (2 * h);
  }
  const double err = rel_error(g, fd);
  RecordProperty("rel_error", std::to_string(err));
  EXPECT_LE(err, 1e-6);
  // Every tensor takes part (a zero block would pass the norm check unnoticed).
  for (std::size_t off : {c.layout.wx, c.layout.wh, c.layout.b, c.layout.head_w, c.layout.head_b})
    EXPECT_NE(g[off], 0.0) << "offset " << off;
}

TEST(Gradcheck, OneDnnFloatGradientMatchesDoubleReference) {
  const Case c = make_case();
  const std::vector<double> g_ref = analytic_gradient(c);
  // The same dL/dpred, computed in double, rounded to float: the test isolates
  // the LSTM + heads backward from the loss.
  mtl::ref::RefLstm<double> ref(kT, kN, kC, kH);
  ref.forward(c.params, c.x);
  std::vector<double> dpred;
  mtl::ref::masked_rmse<double>(ref.pred, c.y, kLambda, &dpred);

  std::vector<float> pf(c.params.begin(), c.params.end()), xf(c.x.begin(), c.x.end());
  std::vector<float> df(dpred.begin(), dpred.end()), pred(dpred.size()), g(c.layout.total);
  mtl::LstmNet net({kT, kN, kC, kH}, mtl::LstmMode::training);
  net.forward(pf.data(), xf.data(), pred.data());
  net.backward(pf.data(), df.data(), g.data());
  // Normwise float bound ~ sqrt(T H) eps per the usual random-walk growth of
  // rounding errors, with the worst-case linear constants of the forward
  // (T (C + H + 1)) and backward (T N + T 4H) accumulation lengths as the
  // ceiling: eps_f (T (C+H+1) + T N + 4 T H) = 1.19e-7 * 384 = 4.6e-5.
  const double eps = std::numeric_limits<float>::epsilon();
  const double bound = eps * (kT * (kC + kH + 1) + kT * kN + 4 * kT * kH);
  const double err = rel_error(g, g_ref);
  RecordProperty("rel_error", std::to_string(err));
  std::printf("oneDNN float vs double reference: rel error %.3g (bound %.3g)\n", err, bound);
  EXPECT_LE(err, bound);
}

}  // namespace
