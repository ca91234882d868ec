#include "mvm/vm/crossfade.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mvm;

TEST(Crossfade, EqualPowerKeepsPowerConstantAndIsMonotonic) {
  const int n = 960; // 20 ms at 48 kHz
  FadeGains prev = crossfadeGains(FadeCurve::EqualPower, 0.0f);
  EXPECT_EQ(prev.oldGain, 1.0f);
  EXPECT_NEAR(prev.newGain, 0.0f, 1e-7f);
  for (int i = 1; i <= n; ++i) {
    const FadeGains g = crossfadeGains(FadeCurve::EqualPower, static_cast<float>(i) / n);
    ASSERT_NEAR(g.oldGain * g.oldGain + g.newGain * g.newGain, 1.0f, 1e-6f) << i;
    ASSERT_LE(g.oldGain, prev.oldGain) << i;
    ASSERT_GE(g.newGain, prev.newGain) << i;
    // No zipper steps: no step larger than the curve's steepest slope (pi/2 per fade) allows.
    ASSERT_LT(std::fabs(g.newGain - prev.newGain), 1.5708f / n + 1e-6f) << i;
    ASSERT_LT(std::fabs(g.oldGain - prev.oldGain), 1.5708f / n + 1e-6f) << i;
    prev = g;
  }
  EXPECT_NEAR(prev.oldGain, 0.0f, 1e-7f);
  EXPECT_EQ(prev.newGain, 1.0f);
}

TEST(Crossfade, LinearSumsToOne) {
  for (int i = 0; i <= 100; ++i) {
    const FadeGains g = crossfadeGains(FadeCurve::Linear, static_cast<float>(i) / 100);
    EXPECT_FLOAT_EQ(g.oldGain + g.newGain, 1.0f);
  }
}

TEST(Crossfade, CurveNames) {
  FadeCurve c;
  EXPECT_TRUE(parseFadeCurve("linear", c));
  EXPECT_EQ(c, FadeCurve::Linear);
  EXPECT_TRUE(parseFadeCurve("equal-power", c));
  EXPECT_EQ(c, FadeCurve::EqualPower);
  EXPECT_FALSE(parseFadeCurve("cosine", c));
}
