#pragma once
// Constants of the kernels' fast exp, in one place for the scalar definition
// (math.cpp) and every ISA variant. Cody-Waite split of ln 2 (hi part exact in
// float, so n * kLn2Hi is exact for |n| < 2^8) and the degree-5 minimax polynomial
// of Cephes expf (Moshier), |rel err| ~ 1 ulp on |r| <= ln2 / 2:
//   e^r ~ 1 + r + r^2 (p0 r^5 + ... + p5).
// Namespace-scope constexpr has internal linkage: nothing here is shared code.
namespace mtl::kernels::k {
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;
// Clamp: e^88 < FLT_MAX, and e^-87 is still normal, so 2^n is a normal number.
constexpr float kExpHi = 88.0f, kExpLo = -87.0f;
// Round-to-nearest-even of |y| < 2^22 by adding and subtracting 1.5 * 2^23.
constexpr float kShifter = 12582912.0f;
// The backward's dW runs over up to this many steps at a time (S::kDwSteps,
// lstm_impl.hpp), their gate gradients in as many slots of View::dg.
constexpr int kDwStepsMax = 4;
}  // namespace mtl::kernels::k
