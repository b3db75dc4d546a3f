// epoch_order (minibatch.hpp): the order of the training sequences in
// one epoch, shared by the single-run and the lockstep trainers.
//
// Fisher-Yates (Durstenfeld) from the identity: for i = n-1 down to 1, swap
// element i with element j, j uniform in [0, i], where
//   j = CounterRng(seed, rng_stream::kEpochShuffle).below(i + 1, index = i, sub = epoch).
// So the permutation is a pure function of (seed, epoch, n_seq): it does not
// depend on the site, lambda, rank, or on what was drawn before. below() maps a
// 32-bit word to [0, i] by multiply-shift; its bias (< (i+1)/2^32) is far below
// anything observable with the few dozen sequences of a site.
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "mtl/minibatch.hpp"
#include "mtl/rng.hpp"

namespace mtl {

std::vector<int> epoch_order(int seed, int epoch, int n_seq) {
  if (n_seq < 0 || epoch < 0) {
    throw std::invalid_argument("epoch_order: n_seq and epoch must be >= 0, got n_seq=" +
                                std::to_string(n_seq) + " epoch=" + std::to_string(epoch));
  }
  std::vector<int> order(static_cast<std::size_t>(n_seq));
  std::iota(order.begin(), order.end(), 0);
  const CounterRng rng(seed, rng_stream::kEpochShuffle);
  for (int i = n_seq - 1; i > 0; --i) {
    const uint32_t j = rng.below(static_cast<uint32_t>(i) + 1u, static_cast<uint64_t>(i),
                                 static_cast<uint32_t>(epoch));
    std::swap(order[static_cast<std::size_t>(i)], order[j]);
  }
  return order;
}

}  // namespace mtl
