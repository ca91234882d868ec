#include "mvm/core/simd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "mvm/core/math.h"

using namespace mvm;

namespace {
bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
} // namespace

// Four lanes of each helper give, lane by lane, the scalar operation's exact bits (what lets
// modules run four channels at once without changing a golden render).
TEST(Simd, LanesMatchTheScalarOperationsBitForBit) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-300.0f, 300.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> xs = {0.0f, -0.0f, nan, inf, -inf, -100.0f, 100.0f, 1e-40f, 0.25f, 0.2500001f};
  for (int i = 0; i < 400; ++i) xs.push_back(u(rng));
  for (std::size_t i = 0; i + 4 <= xs.size(); i += 4) {
    const simd::f32x4 v = simd::load(&xs[i]);
    const simd::f32x4 c = simd::clamp(v, -100.0f, 100.0f);
    const simd::i32x4 f = simd::finite(v);
    const auto t = math::tanPiFraction(simd::clamp(v, 0.0f, 300.0f) * (0.49f / 300.0f));
    for (int j = 0; j < 4; ++j) {
      const float x = xs[i + static_cast<std::size_t>(j)];
      EXPECT_EQ(f[j] != 0, math::isFinite(x)) << x;
      if (std::isnan(x)) { // documented in simd.h: NaN passes simd::clamp (math::clamp gives lo)
        EXPECT_TRUE(std::isnan(c[j]));
        continue;
      }
      EXPECT_TRUE(sameBits(c[j], math::clamp(x, -100.0f, 100.0f))) << x;
      const auto s = math::tanPiFraction(math::clamp(x, 0.0f, 300.0f) * (0.49f / 300.0f));
      EXPECT_TRUE(sameBits(t.num[j], s.num) && sameBits(t.den[j], s.den)) << x;
    }
  }
}

TEST(Simd, TransposeInterleaveAndReductions) {
  float ch[4][8];
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < 8; ++i) ch[c][i] = static_cast<float>(10 * c + i);
  const float* in[4] = {ch[0], ch[1], ch[2], ch[3]};
  simd::f32x4 frames[8];
  simd::interleave(in, frames, 8);
  for (int i = 0; i < 8; ++i)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(frames[i][c], static_cast<float>(10 * c + i));
  float back[4][8] = {};
  float* out[4] = {back[0], back[1], back[2], back[3]};
  simd::deinterleave(frames, out, 8);
  EXPECT_EQ(std::memcmp(back, ch, sizeof ch), 0);
  EXPECT_TRUE(simd::all(simd::maskOf(true)));
  EXPECT_FALSE(simd::any(simd::maskOf(false)));
  EXPECT_TRUE(simd::any(simd::i32x4{0, 0, -1, 0}));
  EXPECT_FALSE(simd::all(simd::i32x4{-1, -1, 0, -1}));
  const simd::f32x4 n = simd::iota(7);
  EXPECT_EQ(n[0], 7.0f);
  EXPECT_EQ(n[3], 10.0f);
}
