#include "mvm/dsp/modules/triangle_osc.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

TEST(TriangleOsc, HarmonicsFallAsOneOverKSquared) {
  ModuleHarness h(builtinModules(), "TriangleOsc", {{"freq", 300.0f}});
  const auto y = h.run(48000).output(0);
  const double p1 = test::powerAt(y, 300, 48000, 480);
  EXPECT_NEAR(test::toDb(p1), test::toDb(0.5 * std::pow(8.0 / (M_PI * M_PI), 2)), 0.1);
  EXPECT_NEAR(test::toDb(test::powerAt(y, 900, 48000, 480) / p1), -40.0 * std::log10(3.0), 0.2);
  EXPECT_NEAR(test::toDb(test::powerAt(y, 1500, 48000, 480) / p1), -40.0 * std::log10(5.0), 0.3);
  EXPECT_LT(test::toDb(test::powerAt(y, 600, 48000, 480) / p1), -80.0);
  // at 300 Hz the corners fall on samples: the BLAMP rounds each by the slope change times the ramp
  // residual there (0.1251 of a sample for polyblep.h's kernel)
  const double rounding = mvm::modules::blep::kResiduals.ramp[mvm::modules::blep::kPhases][mvm::modules::blep::kLatency - 1];
  EXPECT_NEAR(rounding, 0.1251, 1e-4);
  EXPECT_NEAR(test::peak(y, 480), 1.0 - 8.0 * 300.0 / 48000.0 * rounding, 1e-4);
  EXPECT_NEAR(test::estimateFrequency(y, 48000, 100), 300.0, 0.01);
}

TEST(TriangleOsc, HighNotesAreBandLimited) {
  // 7 kHz: harmonic 3 (21 kHz) is the last below Nyquist; harmonic 5 (35 kHz) would alias to
  // 13 kHz and harmonic 7 (49 kHz) to 1 kHz. A naive triangle has them at -28 and -34 dB.
  ModuleHarness h(builtinModules(), "TriangleOsc", {{"freq", 7000.0f}});
  const auto y = h.run(48000).output(0);
  const double p1 = test::powerAt(y, 7000, 48000, 480);
  EXPECT_LT(test::toDb(test::powerAt(y, 13000, 48000, 480) / p1), -45.0);
  EXPECT_LT(test::toDb(test::powerAt(y, 1000, 48000, 480) / p1), -70.0);
}

TEST(TriangleOsc, PitchInputAndCarryOver) {
  ModuleHarness h(builtinModules(), "TriangleOsc", {{"freq", 100.0f}});
  h.input("pitch", [](int, std::uint64_t) { return -1.0f; });
  EXPECT_NEAR(test::estimateFrequency(h.run(48000).output(0), 48000, 100), 50.0, 0.005);
  ModuleHarness a(builtinModules(), "TriangleOsc", {{"freq", 777.0f}});
  a.run(640);
  ModuleHarness b(builtinModules(), "TriangleOsc", {{"freq", 777.0f}});
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "TriangleOsc", {{"freq", 777.0f}});
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}
