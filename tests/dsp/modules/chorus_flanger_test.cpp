#include "mvm/dsp/modules/chorus_flanger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;
using mvm::test::sineSource;

TEST(Flanger, StaticDelayIsACombWithNotchesAtOddMultiplesOfHalfTheInverseDelay) {
  // depth 0: a fixed 1 ms delay mixed 50/50 notches 500 Hz and passes 1 kHz
  auto level = [](double hz) {
    ModuleHarness h(builtinModules(), "Flanger", {{"delay", 0.001f}, {"depth", 0.0f}, {"feedback", 0.0f}, {"mix", 0.5f}});
    h.input("in", sineSource(hz));
    auto y = h.run(48000).output(0);
    return mvm::test::rms(y, 4800) * std::sqrt(2.0);
  };
  EXPECT_LT(level(500), 1e-3);
  EXPECT_LT(level(1500), 1e-3);
  EXPECT_NEAR(level(1000), 1.0, 1e-3);
  EXPECT_NEAR(level(250), std::cos(M_PI * 250 * 0.001), 2e-3); // |(1 + e^-jwd)/2| = |cos(w d / 2)|
}

TEST(Flanger, FeedbackDeepensThePeaks) {
  // with feedback g the comb's peak gain is 1/(1-g) on the wet path
  ModuleHarness h(builtinModules(), "Flanger", {{"delay", 0.001f}, {"depth", 0.0f}, {"feedback", 0.5f}, {"mix", 1.0f}});
  h.input("in", sineSource(1000, 0.01f)); // small: tanh is linear
  auto y = h.run(48000).output(0);
  EXPECT_NEAR(mvm::test::rms(y, 9600) * std::sqrt(2.0) / 0.01, 2.0, 0.01);
}

TEST(Flanger, SweepMovesTheNotch) {
  // with depth the 500 Hz notch is only momentary: the output level varies over an LFO cycle
  ModuleHarness h(builtinModules(), "Flanger", {{"delay", 0.001f}, {"depth", 0.5f}, {"rate", 1.0f}, {"feedback", 0.0f}, {"mix", 0.5f}});
  h.input("in", sineSource(500));
  auto y = h.run(48000).output(0);
  double lo = 1e9, hi = 0;
  for (std::size_t w = 0; w + 960 <= y.size(); w += 960) {
    const double r = mvm::test::rms(y, w, w + 960);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  EXPECT_LT(lo, 0.05);
  EXPECT_GT(hi, 0.45); // at the shortest delay, 0.525 ms: |cos(pi 500 0.000525)| = 0.68 peak
}

TEST(Chorus, PitchModulationMatchesTheSweep) {
  // d(t) = D (1 + 0.5 depth sin(2 pi r t)); the wet pitch is f (1 - d'(t)), peak deviation f * D * 0.5 * depth * 2 pi r
  const double f = 1000, D = 0.02, depth = 1.0, rate = 2.0;
  ModuleHarness h(builtinModules(), "Chorus", {{"delay", static_cast<float>(D)}, {"depth", static_cast<float>(depth)}, {"rate", static_cast<float>(rate)},
                             {"feedback", 0.0f}, {"mix", 1.0f}});
  h.input("in", sineSource(f));
  auto y = h.run(48000).output(0);
  double lo = 1e9, hi = 0;
  for (std::size_t w = 4800; w + 480 <= y.size(); w += 240) {
    const double est = mvm::test::estimateFrequency(y, 48000, w, w + 480);
    lo = std::min(lo, est);
    hi = std::max(hi, est);
  }
  const double expected = f * D * 0.5 * depth * 2 * M_PI * rate; // 125.7 Hz
  std::printf("chorus deviation: measured +-%.1f Hz, expected +-%.1f Hz, centre %.2f Hz\n", (hi - lo) / 2, expected, (hi + lo) / 2);
  EXPECT_NEAR((hi - lo) / 2, expected, expected * 0.1);
  EXPECT_NEAR((hi + lo) / 2, f, 5.0);
}

TEST(Chorus, PolyphonicChannelsAreIndependentAndDeterministic) {
  auto render = [] {
    ModuleHarness h(builtinModules(), "Chorus", {{"mix", 1.0f}});
    h.input("in", [](int c, std::uint64_t n) { return c == 0 ? static_cast<float>(std::sin(0.05 * static_cast<double>(n))) : 0.0f; }, 2);
    return h.run(9600);
  };
  auto a = render(), b = render();
  EXPECT_EQ(a.output(0, 0), b.output(0, 0));
  EXPECT_GT(mvm::test::rms(a.output(0, 0)), 0.3);
  EXPECT_EQ(mvm::test::peak(a.output(0, 1)), 0.0);
}

TEST(Chorus, StateCarriesOverAHotSwap) {
  auto make = [] {
    auto h = std::make_unique<ModuleHarness>(builtinModules(), "Chorus", std::map<std::string, float>{{"mix", 1.0f}, {"rate", 3.0f}});
    h->input("in", sineSource(300));
    return h;
  };
  auto ref = make();
  ref->run(4800);
  auto expected = ref->run(960).output(0);
  auto old = make();
  old->run(4800);
  ModuleHarness b(builtinModules(), "Chorus", {{"mix", 1.0f}, {"rate", 3.0f}});
  b.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * 300 * static_cast<double>(n + 4800) / 48000.0)); });
  b.module().copyStateFrom(old->module());
  auto got = b.run(960).output(0);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-6f) << i;
}
