#include "mvm/dsp/modules/pulse_osc.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

TEST(PulseOsc, SquareHasOnlyOddHarmonics) {
  ModuleHarness h(builtinModules(), "PulseOsc", {{"freq", 500.0f}});
  const auto y = h.run(48000).output(0);
  const double p1 = test::powerAt(y, 500, 48000, 480);
  EXPECT_NEAR(test::toDb(p1), test::toDb(0.5 * 16.0 / (M_PI * M_PI)), 0.1);
  EXPECT_NEAR(test::toDb(test::powerAt(y, 1500, 48000, 480) / p1), -20.0 * std::log10(3.0), 0.15);
  EXPECT_LT(test::toDb(test::powerAt(y, 1000, 48000, 480) / p1), -70.0);
  EXPECT_NEAR(test::estimateFrequency(y, 48000, 100), 500.0, 0.01);
}

TEST(PulseOsc, PulseWidthSetsDutyCycleAndSpectrum) {
  for (float pw : {0.1f, 0.3f, 0.75f}) {
    ModuleHarness h(builtinModules(), "PulseOsc", {{"freq", 100.0f}, {"pw", pw}});
    const auto y = h.run(48000).output(0);
    EXPECT_NEAR(test::mean(y, 480), 2.0 * pw - 1.0, 0.005) << pw;
    // harmonic k of a pulse has amplitude 4/(pi k) |sin(pi k pw)|
    const double a1 = 4.0 / M_PI * std::fabs(std::sin(M_PI * pw)), a2 = 4.0 / (2.0 * M_PI) * std::fabs(std::sin(2.0 * M_PI * pw));
    EXPECT_NEAR(test::toDb(test::powerAt(y, 100, 48000, 480)), test::toDb(a1 * a1 / 2), 0.1) << pw;
    EXPECT_NEAR(test::toDb(test::powerAt(y, 200, 48000, 480)), test::toDb(a2 * a2 / 2), 0.1) << pw;
  }
}

TEST(PulseOsc, PwmAtAudioRateAndPolyphony) {
  ModuleHarness h(builtinModules(), "PulseOsc", {{"freq", 50.0f}, {"pw", 0.5f}});
  h.modulate("pw", [](int c, std::uint64_t) { return c == 0 ? -0.3f : 0.3f; }, 2);
  const auto out = h.run(48000);
  ASSERT_EQ(out.ports[0].size(), 2u);
  EXPECT_NEAR(test::mean(out.output(0, 0), 960), -0.6, 0.005);
  EXPECT_NEAR(test::mean(out.output(0, 1), 960), 0.6, 0.005);
}
