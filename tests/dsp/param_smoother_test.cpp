#include "mvm/dsp/param_smoother.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mvm;

TEST(ParamSmoother, DefaultRampIsLinearWithoutZipperStepsAndLandsExactly) {
  ParamSmoother s;
  s.reset(0.0f, 240);
  s.setTarget(1.0f, kDefaultRamp);
  float buf[256];
  s.fill(buf, 0, 256);
  for (int i = 1; i < 240; ++i) ASSERT_NEAR(buf[i] - buf[i - 1], 1.0f / 240.0f, 1e-6f) << i;
  EXPECT_LT(buf[238], 1.0f);
  EXPECT_EQ(buf[239], 1.0f); // the ramp's last frame is exactly the target
  EXPECT_EQ(buf[255], 1.0f);
  EXPECT_TRUE(s.settled());
}

TEST(ParamSmoother, ZeroRampJumps) {
  ParamSmoother s;
  s.reset(0.5f, 240);
  s.setTarget(2.0f, 0);
  float buf[4];
  s.fill(buf, 0, 4);
  for (float x : buf) EXPECT_EQ(x, 2.0f);
}

TEST(ParamSmoother, RetargetMidRampStartsFromTheCurrentValue) {
  ParamSmoother s;
  s.reset(0.0f, 100);
  s.setTarget(1.0f, 100);
  float buf[200];
  s.fill(buf, 0, 50);
  s.setTarget(0.0f, 10);
  s.fill(buf, 50, 200);
  EXPECT_NEAR(buf[49], 0.5f, 1e-6f);
  EXPECT_NEAR(buf[50], 0.45f, 1e-6f);
  EXPECT_EQ(buf[59], 0.0f);
}

TEST(ParamSmoother, ExponentialRampHasAConstantRatioAndLandsExactly) {
  ParamSmoother s;
  s.reset(100.0f, 0);
  s.setTarget(1600.0f, 400, RampCurve::Exponential);
  float buf[420];
  s.fill(buf, 0, 420);
  const double ratio = std::pow(16.0, 1.0 / 400.0); // four octaves in 400 frames
  for (int i = 1; i < 399; ++i) ASSERT_NEAR(buf[i] / buf[i - 1], ratio, 1e-5) << i;
  EXPECT_NEAR(buf[99], 200.0f, 1e-3f); // one octave per 100 frames
  EXPECT_NEAR(buf[199], 400.0f, 1e-3f);
  EXPECT_EQ(buf[399], 1600.0f);
  EXPECT_EQ(buf[419], 1600.0f);
}

TEST(ParamSmoother, ExponentialRampThroughZeroFallsBackToLinear) {
  ParamSmoother s;
  s.reset(-1.0f, 0);
  s.setTarget(1.0f, 4, RampCurve::Exponential);
  float buf[4];
  s.fill(buf, 0, 4);
  EXPECT_FLOAT_EQ(buf[0], -0.5f);
  EXPECT_FLOAT_EQ(buf[1], 0.0f);
  EXPECT_EQ(buf[3], 1.0f);
}
