#include "mvm/dsp/modules/crossfader.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

namespace {
float crossfade(float mix, float curve, float a, float b) {
  ModuleHarness h(builtinModules(), "Crossfader", {{"mix", mix}, {"curve", curve}});
  h.input("a", [a](int, std::uint64_t) { return a; });
  h.input("b", [b](int, std::uint64_t) { return b; });
  return h.run(64).output(0)[7];
}
} // namespace

TEST(Crossfader, LinearCurve) {
  EXPECT_EQ(crossfade(0.0f, 0.0f, 2.0f, 1.0f), 2.0f);
  EXPECT_EQ(crossfade(1.0f, 0.0f, 2.0f, 1.0f), 1.0f);
  EXPECT_FLOAT_EQ(crossfade(0.25f, 0.0f, 1.0f, 0.0f), 0.75f);
  EXPECT_FLOAT_EQ(crossfade(0.25f, 0.0f, 0.0f, 1.0f), 0.25f);
}

TEST(Crossfader, EqualPowerCurveKeepsPower) {
  EXPECT_NEAR(crossfade(0.0f, 1.0f, 1.0f, 0.0f), 1.0f, 1e-6f);
  EXPECT_NEAR(crossfade(0.0f, 1.0f, 0.0f, 1.0f), 0.0f, 1e-6f);
  EXPECT_NEAR(crossfade(1.0f, 1.0f, 0.0f, 1.0f), 1.0f, 1e-6f);
  EXPECT_NEAR(ampToDb(crossfade(0.5f, 1.0f, 1.0f, 0.0f)), -3.01, 0.01);
  for (float m = 0.0f; m <= 1.0f; m += 0.1f) {
    const double ga = crossfade(m, 1.0f, 1.0f, 0.0f), gb = crossfade(m, 1.0f, 0.0f, 1.0f);
    EXPECT_NEAR(ga * ga + gb * gb, 1.0, 1e-5) << m;
    EXPECT_NEAR(gb, std::sin(M_PI / 2 * m), 1e-6) << m;
  }
}

TEST(Crossfader, MixModulationIsClampedAndPolyphonic) {
  ModuleHarness h(builtinModules(), "Crossfader");
  h.input("a", [](int, std::uint64_t) { return 1.0f; });
  h.input("b", [](int, std::uint64_t) { return -1.0f; });
  h.modulate("mix", [](int c, std::uint64_t) { return c == 0 ? -5.0f : 5.0f; }, 2); // 0.5 - 5 and 0.5 + 5
  const auto y = h.run(64);
  EXPECT_EQ(y.output(0, 0)[0], 1.0f);
  EXPECT_EQ(y.output(0, 1)[0], -1.0f);
}
