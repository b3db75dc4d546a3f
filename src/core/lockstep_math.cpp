// Scalar parts of the lockstep kernels: fast exp/sigmoid/tanh, buffer sizing,
// FLOP counts. The vector kernels (lockstep_kernels.cpp) use the same formulas
// lane by lane, so both paths have the accuracy documented here.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "mtl/lockstep.hpp"

namespace mtl::lockstep {

namespace {
// Cody-Waite split of ln 2 (hi part exact in float, so n * kLn2Hi is exact for |n| < 2^8)
// and the degree-5 minimax polynomial of Cephes expf (Moshier), |rel err| ~ 1 ulp on
// |r| <= ln2 / 2:  e^r ~ 1 + r + r^2 (p0 r^5 ... + p5).
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;
// Clamp: e^88 < FLT_MAX, and e^-87 is still normal, so 2^n below is a normal number.
constexpr float kExpHi = 88.0f, kExpLo = -87.0f;
}  // namespace

float fast_exp(float x) {
  // Clamp (NaN passes through: comparisons with NaN are false).
  if (x > kExpHi) x = kExpHi;
  if (x < kExpLo) x = kExpLo;
  const float n = std::nearbyint(x * kLog2e);
  float r = std::fma(-n, kLn2Hi, x);
  r = std::fma(-n, kLn2Lo, r);
  float p = kP0;
  p = std::fma(p, r, kP1);
  p = std::fma(p, r, kP2);
  p = std::fma(p, r, kP3);
  p = std::fma(p, r, kP4);
  p = std::fma(p, r, kP5);
  const float r2 = r * r;
  p = std::fma(p, r2, r + 1.0f);
  return std::ldexp(p, static_cast<int>(n));
}

float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

float fast_tanh(float x) { return std::fma(2.0f, fast_sigmoid(2.0f * x), -1.0f); }

void Tape::resize(int t, const Dims& d) {
  steps = t;
  const auto rows = static_cast<std::size_t>(t) * static_cast<std::size_t>(d.n_seq);
  act.assign(rows * static_cast<std::size_t>(d.gates()), 0.0f);
  c.assign(rows * static_cast<std::size_t>(d.hidden), 0.0f);
  tc.assign(c.size(), 0.0f);
  h.assign(c.size(), 0.0f);
}

void Scratch::resize(const Dims& d) {
  const auto n = static_cast<std::size_t>(d.n_seq);
  const auto hid = static_cast<std::size_t>(d.hidden);
  const std::size_t g4p = (static_cast<std::size_t>(d.gates()) + 15) / 16 * 16;
  dg.assign(n * g4p, 0.0f);
  dh.assign(n * hid, 0.0f);
  dc.assign(n * hid, 0.0f);
  zeros.assign(n * std::max<std::size_t>(hid, static_cast<std::size_t>(d.n_in)), 0.0f);
  whT.assign(static_cast<std::size_t>(d.gates()) * hid + 4, 0.0f);  // + 4: dh_quads reads 4 floats
  hwT.assign(2 * hid, 0.0f);
  dhwT.assign(2 * hid, 0.0f);
  h0.assign(n * hid, 0.0f);
  c0 = h0;
  h1 = h0;
  c1 = h0;
  act1.assign(n * static_cast<std::size_t>(d.gates()), 0.0f);
  tc1 = h0;
}

double train_flops(const Dims& d, int steps) {
  const double rows = static_cast<double>(steps) * d.n_seq;
  const double k = d.n_in + d.hidden, g = d.gates(), h = d.hidden;
  return rows * (2 * k * g        // gates forward
                 + 2 * g * h      // dh_{t-1} = dgates wh^T
                 + 2 * k * g      // dW += z^T dgates
                 + 2 * 2 * h * 2);  // heads forward + backward
}

double predict_flops(const Dims& d, int steps) {
  const double rows = static_cast<double>(steps) * d.n_seq;
  return rows * (2.0 * (d.n_in + d.hidden) * d.gates() + 2.0 * 2 * d.hidden);
}

}  // namespace mtl::lockstep
