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

// The scans a silent voice costs: each says yes only when the frame-by-frame test would.
TEST(Block, WholeBlockScansAgreeWithTheFrameByFrameTest) {
  alignas(16) float x[kBlockFrames];
  fillFrames(x, kBlockFrames, 0.0f);
  EXPECT_TRUE(surelyBelow(x, 0.5f));
  EXPECT_EQ(sameSideRunEnd(x, 0, 0.5f), kBlockFrames);
  x[0] = -0.0f;
  x[40] = 0.49f;
  EXPECT_TRUE(surelyBelow(x, 0.5f));
  for (float bad : {0.5f, -0.5f, 7.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    x[63] = bad;
    EXPECT_FALSE(surelyBelow(x, 0.5f)) << bad;
  }
  x[63] = 0.5f; // the first frame on the other side ends the run
  EXPECT_EQ(sameSideRunEnd(x, 0, 0.5f), 63);
  x[63] = std::numeric_limits<float>::quiet_NaN(); // below, as x >= 0.5 says of a NaN
  EXPECT_EQ(sameSideRunEnd(x, 0, 0.5f), kBlockFrames);
  // A no for a block within the limit is allowed (the OR of 0.3's and 0.2's bits exceeds 0.4's);
  // it only costs the general way.
  fillFrames(x, kBlockFrames, 0.3f);
  x[9] = 0.2f;
  EXPECT_FALSE(surelyBelow(x, 0.4f));
  fillFrames(x, kBlockFrames, 1.0f);
  EXPECT_EQ(sameSideRunEnd(x, 0, 0.5f), kBlockFrames);
  x[17] = 0.0f;
  EXPECT_EQ(sameSideRunEnd(x, 0, 0.5f), 17);
  EXPECT_EQ(sameSideRunEnd(x, 18, 0.5f), kBlockFrames);
  for (int i = 0; i < kBlockFrames; ++i) {
    fillFrames(x, kBlockFrames, -2.0f);
    EXPECT_TRUE(isSteadyBlock(x));
    x[i] = -2.0f + 1.0f / 1024.0f;
    EXPECT_FALSE(isSteadyBlock(x)) << i;
  }
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
