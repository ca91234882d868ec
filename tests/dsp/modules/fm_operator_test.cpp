#include "mvm/dsp/modules/fm_operator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

TEST(FMOperator, SidebandsFollowBesselFunctions) {
  // carrier 1 kHz, modulator sine 200 Hz, index 0.25 cycles -> beta = pi/2 radians
  const double beta = 2.0 * M_PI * 0.25;
  ModuleHarness h(builtinModules(), "FMOperator", {{"freq", 1000.0f}, {"index", 0.25f}});
  h.input("pm", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2.0 * M_PI * 200.0 * static_cast<double>(n) / 48000.0)); });
  const auto y = h.run(48000).output(0);
  for (int n = 0; n <= 3; ++n) {
    const double j = std::cyl_bessel_j(static_cast<double>(n), beta);
    const double expected = test::toDb(j * j / 2.0);
    EXPECT_NEAR(test::toDb(test::powerAt(y, 1000.0 + 200.0 * n, 48000, 480)), expected, 0.1) << n;
    EXPECT_NEAR(test::toDb(test::powerAt(y, 1000.0 - 200.0 * n, 48000, 480)), expected, 0.1) << -n;
  }
}

TEST(FMOperator, RatioMultipliesFrequency) {
  ModuleHarness h(builtinModules(), "FMOperator", {{"freq", 200.0f}, {"ratio", 3.5f}});
  EXPECT_NEAR(test::estimateFrequency(h.run(48000).output(0), 48000), 700.0, 0.005);
  ModuleHarness p(builtinModules(), "FMOperator", {{"freq", 200.0f}, {"ratio", 2.0f}});
  p.input("pitch", [](int, std::uint64_t) { return -1.0f; });
  EXPECT_NEAR(test::estimateFrequency(p.run(48000).output(0), 48000), 200.0, 0.005);
}

TEST(FMOperator, FeedbackAddsHarmonicsButStaysBounded) {
  ModuleHarness clean(builtinModules(), "FMOperator", {{"freq", 500.0f}});
  const auto a = clean.run(48000).output(0);
  EXPECT_LT(test::toDb(test::powerAt(a, 1000, 48000, 480)), -100.0);
  ModuleHarness fb(builtinModules(), "FMOperator", {{"freq", 500.0f}, {"feedback", 0.8f}});
  const auto b = fb.run(48000).output(0);
  EXPECT_GT(test::toDb(test::powerAt(b, 1000, 48000, 480) / test::powerAt(b, 500, 48000, 480)), -20.0);
  EXPECT_LE(test::peak(b), 1.0 + 1e-6);
  EXPECT_GT(test::toDb(test::powerAt(b, 500, 48000, 480)), -10.0); // still periodic at 500 Hz
  EXPECT_LT(test::toDb(test::powerAt(b, 750, 48000, 480)), -80.0);
  // full feedback: no Nyquist-rate buzz
  ModuleHarness full(builtinModules(), "FMOperator", {{"freq", 100.0f}, {"feedback", 1.0f}});
  const auto c = full.run(48000).output(0);
  EXPECT_LT(test::toDb(test::powerAt(c, 24000 - 50, 48000, 480)), -60.0);
}

TEST(FMOperator, PhaseModulationIsInCycles) {
  // a constant pm of 0.25 cycles shifts a sine into a cosine
  ModuleHarness h(builtinModules(), "FMOperator", {{"freq", 480.0f}, {"index", 1.0f}});
  h.input("pm", [](int, std::uint64_t) { return 0.25f; });
  const auto y = h.run(640).output(0);
  for (std::size_t n = 0; n < 640; ++n) ASSERT_NEAR(y[n], std::cos(2.0 * M_PI * 480.0 * static_cast<double>(n) / 48000.0), 2e-6) << n;
}

TEST(FMOperator, CopyStateFromContinues) {
  ModuleHarness a(builtinModules(), "FMOperator", {{"freq", 311.0f}, {"feedback", 0.5f}});
  a.run(640);
  ModuleHarness b(builtinModules(), "FMOperator", {{"freq", 311.0f}, {"feedback", 0.5f}});
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "FMOperator", {{"freq", 311.0f}, {"feedback", 0.5f}});
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}
