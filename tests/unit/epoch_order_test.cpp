// epoch_order: a deterministic, seeded, uniform permutation per epoch.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

#include "mtl/minibatch.hpp"

namespace {

bool is_permutation_of_iota(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != static_cast<int>(i)) return false;
  }
  return true;
}

TEST(EpochOrder, IsAPermutation) {
  for (int n : {0, 1, 2, 3, 16, 41, 1000}) {
    for (int epoch : {0, 1, 49}) {
      const auto o = mtl::epoch_order(7, epoch, n);
      EXPECT_EQ(o.size(), std::size_t(n));
      EXPECT_TRUE(is_permutation_of_iota(o)) << "n=" << n << " epoch=" << epoch;
    }
  }
}

TEST(EpochOrder, DeterministicAndKeyedBySeedAndEpoch) {
  EXPECT_EQ(mtl::epoch_order(0, 3, 41), mtl::epoch_order(0, 3, 41));
  // With 41! orders, two keys giving the same order by chance has probability ~1e-49.
  EXPECT_NE(mtl::epoch_order(0, 3, 41), mtl::epoch_order(1, 3, 41));  // seed 0 is a seed
  EXPECT_NE(mtl::epoch_order(0, 3, 41), mtl::epoch_order(0, 4, 41));
  // Not the identity either.
  std::vector<int> id(41);
  std::iota(id.begin(), id.end(), 0);
  EXPECT_NE(mtl::epoch_order(0, 0, 41), id);
  EXPECT_THROW(mtl::epoch_order(0, 0, -1), std::invalid_argument);
  EXPECT_THROW(mtl::epoch_order(0, -1, 3), std::invalid_argument);
}

TEST(EpochOrder, AllOrdersEquallyLikely) {
  // n = 4 over 24000 epochs: each of the 24 orders expected 1000 times.
  // Pearson chi-square with 23 degrees of freedom; its 1 - 1e-9 quantile is 89.1
  // (scipy.stats.chi2.ppf). The draws are fixed, so this is deterministic; the
  // bound says a uniform shuffle passes and a biased one (e.g. the classic
  // "swap with any j in [0, n)" bug: expected chi-square 715 here) fails.
  std::map<std::vector<int>, int> count;
  const int epochs = 24000;
  for (int e = 0; e < epochs; ++e) ++count[mtl::epoch_order(5, e, 4)];
  EXPECT_EQ(count.size(), 24u);
  double chi2 = 0;
  for (const auto& kv : count) chi2 += (kv.second - 1000.0) * (kv.second - 1000.0) / 1000.0;
  EXPECT_LT(chi2, 89.1);
}

}  // namespace
