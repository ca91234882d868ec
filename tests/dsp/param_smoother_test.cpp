#include "mvm/dsp/param_smoother.h"

#include <gtest/gtest.h>

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
