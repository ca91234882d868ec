#include "mvm/core/block.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

using namespace mvm;

namespace {
bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
} // namespace

TEST(Block, SteadyBlocksFillsAndMixes) {
  alignas(16) float x[kBlockFrames];
  fillFrames(x, kBlockFrames, 0.5f);
  EXPECT_TRUE(isSteadyBlock(x));
  x[63] = 0.25f;
  EXPECT_FALSE(isSteadyBlock(x));
  x[63] = 0.5f;
  x[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(isSteadyBlock(x)); // NaN equals nothing, as frame-by-frame comparison says
  fillFrames(x + 3, 5, 2.0f);
  EXPECT_EQ(x[2], 0.5f);
  EXPECT_EQ(x[3], 2.0f);
  EXPECT_EQ(x[7], 2.0f);
  EXPECT_EQ(x[8], 0.5f);
  alignas(16) float d[kBlockFrames], s[kBlockFrames];
  for (int i = 0; i < kBlockFrames; ++i) d[i] = static_cast<float>(i), s[i] = 1.0f / static_cast<float>(i + 1);
  mixBlock(d, s, 0.3f);
  for (int i = 0; i < kBlockFrames; ++i) EXPECT_TRUE(sameBits(d[i], static_cast<float>(i) + 0.3f * (1.0f / static_cast<float>(i + 1)))) << i;
}

// A coefficient is worked out again exactly when one of its parameters moves, NaN included.
TEST(Block, MovedRemembersWhatACoefficientWasWorkedOutFor) {
  float last[2] = {1.0f, 2.0f};
  EXPECT_FALSE(moved(last, 1.0f, 2.0f));
  EXPECT_TRUE(moved(last, 1.0f, 3.0f));
  EXPECT_EQ(last[1], 3.0f);
  EXPECT_FALSE(moved(last, 1.0f, 3.0f));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(moved(last, nan, 3.0f));
  EXPECT_TRUE(moved(last, nan, 3.0f)); // NaN equals nothing, itself included
  EXPECT_TRUE(moved(last, 0.0f, 3.0f));
  EXPECT_FALSE(moved(last, -0.0f, 3.0f)); // -0 == 0: the same coefficient
  float one = 5.0f;
  EXPECT_FALSE(moved(one, 5.0f));
  EXPECT_TRUE(moved(one, 6.0f));
  EXPECT_EQ(one, 6.0f);
}
