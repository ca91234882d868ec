#include "mvm/dsp/modules/svf.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;
using test::sources::sineGainDb;

TEST(SVF, LowpassIsThreeDbDownAtCutoff) {
  for (float fc : {100.0f, 1000.0f, 5000.0f, 15000.0f}) {
    EXPECT_NEAR(sineGainDb("SVF", {{"cutoff", fc}}, "lp", fc), -3.01, 0.05) << fc;
    EXPECT_NEAR(sineGainDb("SVF", {{"cutoff", fc}}, "hp", fc), -3.01, 0.05) << fc;
    EXPECT_NEAR(sineGainDb("SVF", {{"cutoff", fc}}, "bp", fc), 0.0, 0.05) << fc;
    EXPECT_LT(sineGainDb("SVF", {{"cutoff", fc}}, "notch", fc), -40.0) << fc;
  }
}

TEST(SVF, SlopesAreTwelveDbPerOctave) {
  const std::map<std::string, float> p{{"cutoff", 200.0f}};
  EXPECT_NEAR(sineGainDb("SVF", p, "lp", 1600) - sineGainDb("SVF", p, "lp", 3200), 12.0, 0.5);
  EXPECT_NEAR(sineGainDb("SVF", p, "lp", 1600), -36.1, 0.5);
  EXPECT_NEAR(sineGainDb("SVF", p, "lp", 20), 0.0, 0.01);
  const std::map<std::string, float> q{{"cutoff", 4000.0f}};
  EXPECT_NEAR(sineGainDb("SVF", q, "hp", 500) - sineGainDb("SVF", q, "hp", 250), 12.0, 0.3);
  EXPECT_NEAR(sineGainDb("SVF", q, "hp", 500), -36.1, 0.5);
  EXPECT_NEAR(sineGainDb("SVF", q, "notch", 400), 0.0, 0.1);
}

TEST(SVF, ResonanceRaisesThePeakToQ) {
  // resonance 1: k = sqrt(2) * 0.01, Q = 70.7 -> +37 dB at cutoff, and stays stable
  EXPECT_NEAR(sineGainDb("SVF", {{"cutoff", 1000.0f}, {"resonance", 1.0f}}, "lp", 1000, 0.01, 48000, 96000), 20.0 * std::log10(1.0 / (std::sqrt(2.0) * 0.01)), 0.3);
  EXPECT_NEAR(sineGainDb("SVF", {{"cutoff", 1000.0f}, {"resonance", 0.5f}}, "lp", 1000), 20.0 * std::log10(1.0 / (std::sqrt(2.0) * 0.505)), 0.1);
  // band-pass keeps unity at cutoff whatever the resonance
  EXPECT_NEAR(sineGainDb("SVF", {{"cutoff", 1000.0f}, {"resonance", 0.9f}}, "bp", 1000), 0.0, 0.1);
}

TEST(SVF, PitchInputMovesCutoffByOctaves) {
  ModuleHarness h(builtinModules(), "SVF", {{"cutoff", 500.0f}});
  h.input("pitch", [](int, std::uint64_t) { return 1.0f; });
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(0.5 * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(n) / 48000.0)); });
  const auto y = h.run(48000).output(0);
  EXPECT_NEAR(test::toDb(test::powerAt(y, 1000, 48000, 24000) / 0.125), -3.01, 0.05);
}

TEST(SVF, StableUnderWildAudioRateModulation) {
  ModuleHarness h(builtinModules(), "SVF", {{"resonance", 1.0f}});
  std::uint32_t s = 5;
  auto noise = [s](int, std::uint64_t) mutable {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f * 20.0f - 10.0f;
  };
  h.input("in", noise).input("pitch", noise).modulate("cutoff", [](int, std::uint64_t n) { return (n % 7) * 3000.0f - 9000.0f; }).modulate("resonance", noise);
  const auto out = h.run(96000);
  for (int o = 0; o < 4; ++o) {
    EXPECT_LT(test::peak(out.output(o)), 1e4) << o;
    for (float v : out.output(o)) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(SVF, PolyphonicCutoffsAndStateCarryOver) {
  ModuleHarness h(builtinModules(), "SVF", {{"cutoff", 1000.0f}});
  h.modulate("cutoff", [](int c, std::uint64_t) { return c == 0 ? 0.0f : 1000.0f; }, 2);
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(0.5 * std::sin(2.0 * M_PI * 2000.0 * static_cast<double>(n) / 48000.0)); });
  const auto out = h.run(48000);
  ASSERT_EQ(out.ports[0].size(), 2u);
  EXPECT_NEAR(test::toDb(test::powerAt(out.output(0, 1), 2000, 48000, 24000) / 0.125), -3.01, 0.05);
  EXPECT_LT(test::toDb(test::powerAt(out.output(0, 0), 2000, 48000, 24000) / 0.125), -11.0);

  auto src = [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.05 * static_cast<double>(n))); };
  ModuleHarness a(builtinModules(), "SVF", {{"cutoff", 300.0f}});
  a.input("in", src);
  a.run(640);
  ModuleHarness b(builtinModules(), "SVF", {{"cutoff", 300.0f}});
  b.input("in", [src](int c, std::uint64_t n) { return src(c, n + 640); });
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "SVF", {{"cutoff", 300.0f}});
  whole.input("in", src);
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}
