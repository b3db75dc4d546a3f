// The mini-batch size rule of the trainer.
#include <gtest/gtest.h>

#include "mtl/train.hpp"

namespace {

mtl::SiteData with_sites(int sites, int sequences) {
  mtl::SiteData d;
  for (int s = 0; s < sites; ++s) d.site_indices.push_back(s);
  d.train.n_seq = sequences;
  return d;
}

TEST(BatchSize, ZeroMeansAllSequencesForOneSite) {
  mtl::TrainConfig t;
  t.batch = 0;
  EXPECT_EQ(mtl::training_batch_size(t, with_sites(1, 25)), 25);
}

TEST(BatchSize, ZeroMeansSiteCountForMultiSite) {
  mtl::TrainConfig t;
  t.batch = 0;
  EXPECT_EQ(mtl::training_batch_size(t, with_sites(101, 101 * 25)), 101);
}

TEST(BatchSize, ExplicitBatchIsClampedToTheSequences) {
  mtl::TrainConfig t;
  t.batch = 8;
  EXPECT_EQ(mtl::training_batch_size(t, with_sites(1, 25)), 8);
  t.batch = 40;
  EXPECT_EQ(mtl::training_batch_size(t, with_sites(1, 25)), 25);
}

}  // namespace
