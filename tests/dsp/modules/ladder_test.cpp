#include "mvm/dsp/modules/ladder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;
using test::sources::sineGainDb;

namespace {
double gain(float fc, float res, double f) { return sineGainDb("Ladder", {{"cutoff", fc}, {"resonance", res}}, "lp", f, 0.01); }
// 4 bilinear one-poles at fc, no feedback
double ideal(double fc, double f) {
  const double r = std::tan(M_PI * f / 48000.0) / std::tan(M_PI * fc / 48000.0);
  return -40.0 * std::log10(1.0 + r * r);
}
} // namespace

TEST(Ladder, FourPolesAtCutoff) {
  for (float fc : {200.0f, 1000.0f, 5000.0f}) {
    EXPECT_NEAR(gain(fc, 0.0f, fc), -12.04, 0.1) << fc;                              // 4 x -3 dB
    const double f3 = fc * std::sqrt(std::pow(2.0, 0.25) - 1.0); // the -3 dB point, 0.435 fc (before warping)
    EXPECT_NEAR(gain(fc, 0.0f, f3), ideal(fc, f3), 0.05) << fc;
    if (fc < 1000.0f) {
      EXPECT_NEAR(gain(fc, 0.0f, f3), -3.01, 0.1) << fc;
    }
  }
}

TEST(Ladder, SlopeIsTwentyFourDbPerOctave) {
  EXPECT_NEAR(gain(250.0f, 0.0f, 2000) - gain(250.0f, 0.0f, 4000), 24.0, 1.0);
  EXPECT_NEAR(gain(250.0f, 0.0f, 2000), -72.2, 1.0);
  EXPECT_NEAR(gain(250.0f, 0.0f, 20), ideal(250.0, 20.0), 0.02);
}

TEST(Ladder, ResonanceBoostsCutoffAndCutsBass) {
  // k = 4.444 r; DC gain 1 / (1 + k); at the cutoff, |H| = 1 / |(1+j)^4 + k| = 1 / (4 - k)
  EXPECT_NEAR(gain(2000.0f, 0.5f, 20), 20.0 * std::log10(1.0 / (1.0 + 2.2222)), 0.1);
  EXPECT_NEAR(gain(2000.0f, 0.5f, 2000), 20.0 * std::log10(1.0 / (4.0 - 2.2222)), 0.2);
}

TEST(Ladder, SelfOscillatesAtCutoffWithBoundedAmplitude) {
  ModuleHarness h(builtinModules(), "Ladder", {{"cutoff", 1000.0f}, {"resonance", 1.0f}});
  h.input("in", [](int, std::uint64_t n) { return n == 0 ? 0.1f : 0.0f; });
  const auto y = h.run(96000).output(0);
  const double early = test::rms(y, 48000, 72000), late = test::rms(y, 72000, 96000);
  EXPECT_GT(late, 0.05);
  EXPECT_NEAR(late / early, 1.0, 0.01); // sustained, not growing or decaying
  EXPECT_LT(test::peak(y), 1.01);
  EXPECT_NEAR(test::estimateFrequency(y, 48000, 48000), 1000.0, 20.0);
  // below the threshold an impulse dies away
  ModuleHarness d(builtinModules(), "Ladder", {{"cutoff", 1000.0f}, {"resonance", 0.85f}});
  d.input("in", [](int, std::uint64_t n) { return n == 0 ? 0.1f : 0.0f; });
  EXPECT_LT(test::peak(d.run(48000).output(0), 24000), 1e-6);
}

TEST(Ladder, DriveSaturatesButNeverExceedsUnity) {
  ModuleHarness h(builtinModules(), "Ladder", {{"cutoff", 20000.0f}, {"drive", 10.0f}, {"resonance", 1.0f}});
  std::uint32_t s = 9;
  auto noise = [s](int, std::uint64_t) mutable {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f * 20.0f - 10.0f;
  };
  h.input("in", noise).input("pitch", noise).modulate("resonance", noise).modulate("drive", noise);
  const auto y = h.run(48000).output(0);
  EXPECT_LT(test::peak(y), 10.0); // tanh bounds the ladder input; trapezoidal poles may ring a little past it
  for (float v : y) ASSERT_TRUE(std::isfinite(v));
  ModuleHarness loud(builtinModules(), "Ladder", {{"cutoff", 1000.0f}, {"drive", 10.0f}, {"resonance", 0.95f}});
  loud.input("in", [](int, std::uint64_t n) { return static_cast<float>(5.0 * std::sin(2.0 * M_PI * 220.0 * static_cast<double>(n) / 48000.0)); });
  EXPECT_LT(test::peak(loud.run(48000).output(0)), 1.2);
  // at 100 Hz, drive 5 turns a sine into a squarish wave: strong 3rd harmonic
  ModuleHarness g(builtinModules(), "Ladder", {{"cutoff", 20000.0f}, {"drive", 5.0f}});
  g.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2.0 * M_PI * 100.0 * static_cast<double>(n) / 48000.0)); });
  const auto z = g.run(48000).output(0);
  EXPECT_GT(test::toDb(test::powerAt(z, 300, 48000, 480) / test::powerAt(z, 100, 48000, 480)), -15.0);
}

TEST(Ladder, CopyStateFromContinues) {
  auto src = [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.05 * static_cast<double>(n))); };
  ModuleHarness a(builtinModules(), "Ladder", {{"cutoff", 300.0f}, {"resonance", 0.7f}});
  a.input("in", src);
  a.run(640);
  ModuleHarness b(builtinModules(), "Ladder", {{"cutoff", 300.0f}, {"resonance", 0.7f}});
  b.input("in", [src](int c, std::uint64_t n) { return src(c, n + 640); });
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "Ladder", {{"cutoff", 300.0f}, {"resonance", 0.7f}});
  whole.input("in", src);
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}
