#pragma once
// Counter-based random numbers: Philox-4x32-10 (Salmon, Moraes, Dror & Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC'11). A number is a pure
// function of (seed, stream, index[, sub]) -- there is no generator state, so
//   * a tensor's values never depend on how many numbers another tensor drew,
//   * any element can be computed on its own, in any order, by any rank or thread,
//   * seed 0 is an ordinary seed (there is no "unseeded" value).
//
// Key and counter of one Philox block:
//   key     = (seed as uint32, stream)            stream = a fixed id per tensor/use
//   counter = (index low 32, index high 32, sub, 0)  sub = e.g. the epoch (shuffles)
// One block gives four 32-bit words. uniform() makes a double in [0, 1) with 53
// random bits from words 0 and 1; normal() uses the same block for a Box-Muller
// pair (u1 in (0, 1] from words 0/1, u2 in [0, 1) from words 2/3) and returns
// sqrt(-2 ln u1) cos(2 pi u2) (the sine twin is discarded so that element i
// depends on block i only).
//
// Stream ids are fixed constants (below); new uses get new ids, so adding a
// tensor never shifts another tensor's numbers.
#include <array>
#include <cmath>
#include <cstdint>

namespace mtl {

/// Fixed stream ids (Philox key word 1). Never renumber: results depend on them.
namespace rng_stream {
constexpr uint32_t kWx = 1;           // input kernel wx [C, 4H]
constexpr uint32_t kWh = 2;           // recurrent kernel wh, normal matrix [H, 4H]
constexpr uint32_t kHeadPrimary = 3;  // head_w[:, 0] [H]
constexpr uint32_t kHeadAux = 4;      // head_w[:, 1] [H]
constexpr uint32_t kEpochShuffle = 16;  // epoch_order: counter sub = epoch
}  // namespace rng_stream

using PhiloxBlock = std::array<uint32_t, 4>;

/// Philox-4x32 with 10 rounds; matches Random123's known-answer vectors
/// (tested in params_test).
inline PhiloxBlock philox4x32_10(PhiloxBlock ctr, std::array<uint32_t, 2> key) {
  constexpr uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kW0;
      key[1] += kW1;
    }
    const uint64_t p0 = kM0 * ctr[0];
    const uint64_t p1 = kM1 * ctr[2];
    const auto hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const auto hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

/// Numbers of one stream: value = f(seed, stream, index, sub).
class CounterRng {
 public:
  CounterRng(int seed, uint32_t stream) : key_{static_cast<uint32_t>(seed), stream} {}

  /// The raw block for (index, sub).
  PhiloxBlock block(uint64_t index, uint32_t sub = 0) const {
    return philox4x32_10({static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), sub, 0u},
                         key_);
  }

  /// Uniform double in [0, 1): 53 bits from words 0 and 1 (k * 2^-53, k < 2^53).
  double uniform(uint64_t index, uint32_t sub = 0) const {
    const PhiloxBlock b = block(index, sub);
    return to_unit(b[0], b[1]);
  }

  /// Standard normal deviate by Box-Muller from one block.
  double normal(uint64_t index, uint32_t sub = 0) const {
    const PhiloxBlock b = block(index, sub);
    const double u1 = 1.0 - to_unit(b[0], b[1]);  // (0, 1]: log is finite
    const double u2 = to_unit(b[2], b[3]);        // [0, 1)
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
  }

  /// Integer in [0, bound) by Lemire's multiply-shift on word 0 (no rejection:
  /// the bias is below bound / 2^32, e.g. < 1e-8 for bound < 43).
  uint32_t below(uint32_t bound, uint64_t index, uint32_t sub = 0) const {
    const PhiloxBlock b = block(index, sub);
    return static_cast<uint32_t>((static_cast<uint64_t>(b[0]) * bound) >> 32);
  }

 private:
  static double to_unit(uint32_t w0, uint32_t w1) {
    const uint64_t bits = ((static_cast<uint64_t>(w0) << 32) | w1) >> 11;  // 53 bits
    return static_cast<double>(bits) * 0x1.0p-53;
  }
  std::array<uint32_t, 2> key_;
};

}  // namespace mtl
