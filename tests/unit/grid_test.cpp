// Grid expansion and the static partition: exact checks, many rank counts.
#include <gtest/gtest.h>

#include <numeric>

#include "mtl/grid.hpp"

namespace {

mtl::GridConfig paper_grid() {
  mtl::GridConfig g;
  g.lambdas = {0, 1, 5, 10, 20, 40, 80, 160, 320};
  for (int s = 0; s < 30; ++s) g.seeds.push_back(s);
  return g;
}

std::vector<std::string> sites(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("s" + std::to_string(i));
  return v;
}

TEST(Grid, SingleSiteIsSiteMajorWithStableIds) {
  const mtl::Grid g = mtl::expand_grid(sites(101), paper_grid(), mtl::Scope::single_site);
  ASSERT_EQ(g.runs.size(), 27270u);
  for (std::size_t i = 0; i < g.runs.size(); ++i) {
    const mtl::RunSpec& r = g.runs[i];
    ASSERT_EQ(r.run_id, static_cast<int64_t>(i));
    ASSERT_EQ(r.run_id, (int64_t{r.site_index} * 9 + r.lambda_index) * 30 + r.seed_index);
  }
  EXPECT_EQ(g.runs[270].site_index, 1);
  EXPECT_EQ(g.runs[271].seed, 1);
  EXPECT_EQ(g.runs[300].lambda, 1.0);
}

TEST(Grid, MultiSiteHasOneRunPerLambdaSeed) {
  const mtl::Grid g = mtl::expand_grid(sites(53), paper_grid(), mtl::Scope::multi_site);
  ASSERT_EQ(g.runs.size(), 270u);
  for (const mtl::RunSpec& r : g.runs) EXPECT_EQ(r.site_index, -1);
}

TEST(Grid, CostsScaleWithSequencesEpochsAndSites) {
  const mtl::Grid single = mtl::expand_grid(sites(2), paper_grid(), mtl::Scope::single_site);
  const auto c = mtl::run_costs(single, {25, 10}, {40, 20}, 50);
  EXPECT_EQ(c[0], 3.0 * 50 * 25 + 40);
  EXPECT_EQ(c[270], 3.0 * 50 * 10 + 20);
  const mtl::Grid multi = mtl::expand_grid(sites(2), paper_grid(), mtl::Scope::multi_site);
  EXPECT_EQ(mtl::run_costs(multi, {25, 10}, {40, 20}, 50)[0], c[0] + c[270]);
}

/// Blocks are contiguous, ordered, cover [0, n) exactly.
void expect_cover(const std::vector<mtl::RunRange>& blocks, int64_t n) {
  int64_t next = 0;
  for (const mtl::RunRange& b : blocks) {
    ASSERT_EQ(b.begin, next);
    ASSERT_GE(b.end, b.begin);
    next = b.end;
  }
  ASSERT_EQ(next, n);
}

TEST(Partition, EqualCostsDifferByAtMostOneRunForManyRankCounts) {
  for (int64_t n : {1, 7, 270, 27270}) {
    const std::vector<double> costs(static_cast<std::size_t>(n), 1.0);
    for (int ranks : {1, 2, 3, 7, 16, 64, 511, 512, 1000}) {
      const auto blocks = mtl::partition_runs(costs, ranks);
      ASSERT_EQ(blocks.size(), static_cast<std::size_t>(ranks));
      expect_cover(blocks, n);
      int64_t lo = n, hi = 0;
      for (const auto& b : blocks) {
        lo = std::min(lo, b.size());
        hi = std::max(hi, b.size());
      }
      EXPECT_LE(hi - lo, 1) << n << " runs on " << ranks << " ranks";
    }
  }
}

TEST(Partition, MoreRanksThanRunsLeavesEmptyBlocks) {
  const auto blocks = mtl::partition_runs(std::vector<double>(3, 1.0), 5);
  expect_cover(blocks, 3);
  int empty = 0;
  for (const auto& b : blocks) empty += b.size() == 0;
  EXPECT_EQ(empty, 2);
}

TEST(Partition, Exp1At512RanksIsBalanced) {
  const mtl::Grid g = mtl::expand_grid(sites(101), paper_grid(), mtl::Scope::single_site);
  const auto costs = mtl::run_costs(g, std::vector<int>(101, 25), std::vector<int>(101, 41), 50);
  const auto blocks = mtl::partition_runs(costs, 512);
  expect_cover(blocks, 27270);
  // 27270 / 512 = 53.26 runs per rank; the largest block has 54: 54 / 53.26.
  EXPECT_NEAR(mtl::imbalance(costs, blocks), 54.0 / (27270.0 / 512), 1e-12);
  EXPECT_LE(mtl::imbalance(costs, blocks), 1.03);
}

TEST(Partition, UnequalCostsFollowThePrefix) {
  // One heavy run: the other ranks share the rest, nobody gets an empty block
  // while there is work to give.
  std::vector<double> costs(10, 1.0);
  costs[0] = 9.0;
  const auto blocks = mtl::partition_runs(costs, 2);
  expect_cover(blocks, 10);
  EXPECT_EQ(blocks[0].end, 1);  // 9 of 18 in the first block
}

TEST(Partition, UnitsAreNeverSplit) {
  const mtl::Grid g = mtl::expand_grid(sites(3), paper_grid(), mtl::Scope::single_site);
  const auto starts = mtl::unit_starts(g, 16);
  // 270 runs per site in chunks of 16: 17 units per site (the last has 14 runs).
  ASSERT_EQ(starts.size(), 51u);
  EXPECT_EQ(starts[17], 270);
  const std::vector<double> costs(g.runs.size(), 1.0);
  for (int ranks : {2, 5, 13, 60}) {
    const auto blocks = mtl::partition_runs(costs, ranks, starts);
    expect_cover(blocks, static_cast<int64_t>(g.runs.size()));
    for (const auto& b : blocks) {
      EXPECT_TRUE(std::binary_search(starts.begin(), starts.end(), b.begin) || b.begin == 810);
    }
  }
}

}  // namespace
