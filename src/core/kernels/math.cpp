// Baseline parts of the kernels: the scalar definition of their fast exp, buffer
// sizes and FLOP counts (see mtl/kernels.hpp).
#include <cmath>

#include "constants.hpp"
#include "mtl/kernels.hpp"

namespace mtl::kernels {

float fast_exp(float x) {
  if (x > k::kExpHi) x = k::kExpHi;  // NaN passes through: comparisons with NaN are false
  if (x < k::kExpLo) x = k::kExpLo;
  const float n = std::nearbyint(x * k::kLog2e);
  float r = std::fma(-n, k::kLn2Hi, x);
  r = std::fma(-n, k::kLn2Lo, r);
  float p = k::kP0;
  p = std::fma(p, r, k::kP1);
  p = std::fma(p, r, k::kP2);
  p = std::fma(p, r, k::kP3);
  p = std::fma(p, r, k::kP4);
  p = std::fma(p, r, k::kP5);
  p = std::fma(p, r * r, r + 1.0f);
  return std::ldexp(p, static_cast<int>(n));
}

Sizes sizes(int C, int H, int N, int steps, int lanes) {
  Sizes s;
  s.Gp = (kNumGates * H + lanes - 1) / lanes * lanes;
  s.Hp = (H + lanes - 1) / lanes * lanes;
  const auto n = static_cast<std::size_t>(N), t = static_cast<std::size_t>(steps < 2 ? 2 : steps);
  s.act = t * n * s.Gp;
  s.state = t * n * H;
  s.zeros = n * static_cast<std::size_t>(C > H ? C : H);
  s.wp = static_cast<std::size_t>(C + H + 1) * s.Gp;
  s.hwT = 2 * static_cast<std::size_t>(s.Hp);
  s.whT = static_cast<std::size_t>(s.Gp) * s.Hp;
  s.dg = k::kDwStepsMax * n * s.Gp;
  s.dh = n * s.Hp;
  return s;
}

double train_flops(int C, int H, int N, int steps) {
  const double rows = static_cast<double>(steps) * N;
  const double k = C + H, g = kNumGates * H, h = H;
  return rows * (2 * k * g        // gates forward
                 + 2 * g * h      // dh_{t-1} = dgates wh^T
                 + 2 * k * g      // dW += z^T dgates
                 + 2 * 2 * h * 2);  // heads forward + backward
}

}  // namespace mtl::kernels
