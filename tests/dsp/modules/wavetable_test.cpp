#include "mvm/dsp/modules/wavetable.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

namespace {
std::vector<float> run(float freq, float morph, float position = 0.0f, std::size_t frames = 48000) {
  ModuleHarness h(builtinModules(), "Wavetable", {{"freq", freq}, {"morph", morph}, {"position", position}});
  return h.run(frames).output(0);
}
double harmonicDb(const std::vector<float>& y, double f) { return test::toDb(test::powerAt(y, f, 48000, 480)); }
} // namespace

TEST(Wavetable, MorphZeroIsAPureSineAtFreq) {
  const auto y = run(440.0f, 0.0f);
  EXPECT_NEAR(test::estimateFrequency(y, 48000, 100), 440.0, 0.005);
  EXPECT_NEAR(harmonicDb(y, 440), test::toDb(0.5), 0.01);
  EXPECT_LT(harmonicDb(y, 880), -90.0);
  EXPECT_LT(harmonicDb(y, 1320), -90.0);
}

TEST(Wavetable, TablesHaveTheClassicSpectra) {
  const auto tri = run(200.0f, 0.2f), saw = run(200.0f, 0.4f), sqr = run(200.0f, 0.6f);
  const double a1 = 8.0 / (M_PI * M_PI);
  EXPECT_NEAR(harmonicDb(tri, 200), test::toDb(a1 * a1 / 2), 0.05);
  EXPECT_NEAR(harmonicDb(tri, 600) - harmonicDb(tri, 200), -40.0 * std::log10(3.0), 0.1);
  EXPECT_NEAR(harmonicDb(saw, 200), test::toDb(0.5 * 4.0 / (M_PI * M_PI)), 0.05);
  EXPECT_NEAR(harmonicDb(saw, 400) - harmonicDb(saw, 200), -20.0 * std::log10(2.0), 0.1);
  EXPECT_NEAR(harmonicDb(sqr, 200), test::toDb(0.5 * 16.0 / (M_PI * M_PI)), 0.05);
  EXPECT_LT(harmonicDb(sqr, 400) - harmonicDb(sqr, 200), -80.0);
  // formant A peaks near harmonic 7, formant B has peaks near 3 and 11
  const auto fa = run(100.0f, 0.8f), fb = run(100.0f, 1.0f);
  EXPECT_GT(harmonicDb(fa, 700), harmonicDb(fa, 100) + 6.0);
  EXPECT_GT(harmonicDb(fa, 700), harmonicDb(fa, 1400) + 10.0);
  EXPECT_GT(harmonicDb(fb, 300), harmonicDb(fb, 700) + 6.0);
  EXPECT_GT(harmonicDb(fb, 1100), harmonicDb(fb, 700) + 3.0);
  EXPECT_LE(test::peak(fa), 1.0 + 1e-3);
  EXPECT_LE(test::peak(fb), 1.0 + 1e-3);
}

TEST(Wavetable, MorphCrossfadesLinearlyBetweenTables) {
  // halfway between saw (-2/pi sin) and square (+4/pi sin): fundamental 1/pi
  const auto y = run(200.0f, 0.5f);
  EXPECT_NEAR(harmonicDb(y, 200), test::toDb(0.5 / (M_PI * M_PI)), 0.05);
  // 2nd harmonic comes only from the saw, at half its level
  EXPECT_NEAR(harmonicDb(y, 400), test::toDb(0.5 * std::pow(0.5 * 2.0 / (2.0 * M_PI), 2)), 0.05);
}

TEST(Wavetable, HighNotesUseBandLimitedLevels) {
  // 5 kHz saw: harmonics 1..4 only; a full saw would alias onto 1, 2, 3, 4 kHz ...
  const auto y = run(5000.0f, 0.4f);
  const double h1 = harmonicDb(y, 5000);
  for (double f : {1000.0, 2000.0, 3000.0, 4000.0, 7000.0, 8000.0, 13000.0, 23000.0}) EXPECT_LT(harmonicDb(y, f) - h1, -70.0) << f;
  // 4 x 5 kHz is 1.2x below Nyquist: 20 % of the 4-harmonic level, 80 % of the 2-harmonic one
  EXPECT_NEAR(harmonicDb(y, 20000) - h1, 20.0 * std::log10(0.2 / 4.0), 0.3);
  EXPECT_NEAR(harmonicDb(y, 10000) - h1, 20.0 * std::log10(1.0 / 2.0), 0.1);
}

TEST(Wavetable, CrossingAMipLevelIsSeamless) {
  // 375 Hz: 64 harmonics reach exactly Nyquist. Just below and just above must sound the same.
  const auto lo = run(374.99f, 0.4f, 0.0f, 64), hi = run(375.01f, 0.4f, 0.0f, 64);
  for (std::size_t n = 0; n < 64; ++n) EXPECT_NEAR(lo[n], hi[n], 2e-3) << n;
}

TEST(Wavetable, PositionOffsetsThePhase) {
  const auto y = run(480.0f, 0.0f, 0.25f, 640);
  for (std::size_t n = 0; n < 640; ++n) ASSERT_NEAR(y[n], std::cos(2.0 * M_PI * 480.0 * static_cast<double>(n) / 48000.0), 1e-5) << n;
}

TEST(Wavetable, CopyStateFromContinues) {
  ModuleHarness a(builtinModules(), "Wavetable", {{"freq", 311.0f}, {"morph", 0.3f}});
  a.run(640);
  ModuleHarness b(builtinModules(), "Wavetable", {{"freq", 311.0f}, {"morph", 0.3f}});
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "Wavetable", {{"freq", 311.0f}, {"morph", 0.3f}});
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}
