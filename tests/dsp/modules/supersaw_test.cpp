#include "mvm/dsp/modules/supersaw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

TEST(Supersaw, SideSawsSitAtTheJp8000Offsets) {
  const double f = 400.0;
  ModuleHarness h(builtinModules(), "Supersaw", {{"freq", static_cast<float>(f)}, {"detune", 1.0f}, {"mix", 1.0f}});
  const auto y = h.run(96000).output(0);
  // each saw's fundamental: centre at f, sides at f * (1 + offset)
  for (double off : modules::Supersaw::kOffsets) {
    const double p = test::powerAt(y, f * (1.0 + off), 48000, 480);
    EXPECT_GT(test::toDb(p), -32.0) << off; // the centre saw (gain 0.5 / (2.5 sqrt 7)) at -29.4 dB, the side saws at -23.4 dB
  }
  // and nothing in between (between centre and the nearest side saw)
  EXPECT_LT(test::toDb(test::powerAt(y, f * (1.0 + 0.04), 48000, 480)), -55.0);
}

TEST(Supersaw, DetuneZeroIsOnePeriodicSawAtFreq) {
  ModuleHarness h(builtinModules(), "Supersaw", {{"freq", 300.0f}, {"detune", 0.0f}, {"mix", 0.7f}});
  const auto y = h.run(48000).output(0);
  for (std::size_t i = 960; i < 960 + 4800; ++i) ASSERT_NEAR(y[i], y[i + 160], 1e-3) << i; // period 160 samples
  EXPECT_LT(test::toDb(test::powerAt(y, 300 * 1.0199, 48000, 480)), -60.0);
}

TEST(Supersaw, MixZeroIsTheCentreSawAlone) {
  ModuleHarness h(builtinModules(), "Supersaw", {{"freq", 500.0f}, {"detune", 1.0f}, {"mix", 0.0f}});
  const auto y = h.run(48000).output(0);
  EXPECT_NEAR(test::toDb(test::powerAt(y, 500, 48000, 480)), test::toDb(0.5 * 4.0 / (M_PI * M_PI) / 7.0), 0.1); // scaled by 1 / sqrt 7
  EXPECT_LT(test::toDb(test::powerAt(y, 500 * (1.0 + modules::Supersaw::kOffsets[6]), 48000, 480)), -80.0);
}

TEST(Supersaw, PhasesComeFromTheSeed) {
  auto run = [](std::uint64_t seed) {
    ModuleHarness h(builtinModules(), "Supersaw", {{"freq", 220.0f}}, 48000.0, seed);
    return h.run(4800).output(0);
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

TEST(Supersaw, CopyStateFromContinues) {
  ModuleHarness a(builtinModules(), "Supersaw", {{"freq", 220.0f}});
  a.run(640);
  ModuleHarness b(builtinModules(), "Supersaw", {{"freq", 220.0f}}, 48000.0, 99); // other seed: state must come from a
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "Supersaw", {{"freq", 220.0f}});
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}

TEST(Supersaw, StaysWithinPlusMinusOneAtASteadyLevel) {
  // Peak over a sweep of mix, detune, frequency and seed (0.25 s each): within the documented
  // +-1, with the loudest settings (mix 2/3: all seven gains equal) close to it.
  double highest = 0.0, lowest = 1.0;
  for (float mix : {0.0f, 0.25f, 0.5f, 2.0f / 3.0f, 1.0f})
    for (float detune : {0.0f, 0.1f, 0.5f, 1.0f})
      for (float freq : {55.0f, 261.6256f, 2000.0f})
        for (std::uint64_t seed : {1u, 2u}) {
          ModuleHarness h(builtinModules(), "Supersaw", {{"freq", freq}, {"detune", detune}, {"mix", mix}}, 48000.0, seed);
          const double p = test::peak(h.run(12000).output(0));
          ASSERT_LE(p, 1.0) << mix << " " << detune << " " << freq << " " << seed;
          highest = std::max(highest, p);
          if (mix > 0.0f) lowest = std::min(lowest, p);
        }
  std::printf("Supersaw peaks over the sweep: %.3f .. %.3f (mix > 0), %.3f at most\n", lowest, highest, highest);
  EXPECT_GT(highest, 0.6);
  // the level: RMS 1 / sqrt(21) = 0.218 for detuned saws at any mix (within 1 dB over 1 s)
  for (float mix : {0.0f, 0.3f, 2.0f / 3.0f, 1.0f}) {
    ModuleHarness h(builtinModules(), "Supersaw", {{"freq", 440.0f}, {"detune", 0.7f}, {"mix", mix}});
    const auto y = h.run(48000).output(0);
    EXPECT_NEAR(test::toDb(test::rms(y) * test::rms(y)), test::toDb(1.0 / 21.0), 1.0) << mix;
  }
}
