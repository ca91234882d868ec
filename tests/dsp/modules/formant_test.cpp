#include "mvm/dsp/modules/formant.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;

namespace {
double gainDb(float vowel, double f, float shift = 0.0f) {
  return test::sources::sineGainDb("Formant", {{"vowel", vowel}, {"shift", shift}}, "out", f, 0.5, 48000, 19200);
}
// Frequency of the largest response in [lo, hi], scanned in 5 Hz steps.
double peakIn(float vowel, double lo, double hi, float shift = 0.0f) {
  double best = lo, bestDb = -1e9;
  for (double f = lo; f <= hi; f += 5.0) {
    const double g = gainDb(vowel, f, shift);
    if (g > bestDb) {
      bestDb = g;
      best = f;
    }
  }
  return best;
}
} // namespace

TEST(Formant, VowelsPutF1AndF2WhereTheTableSays) {
  EXPECT_NEAR(peakIn(0.0f, 400, 850), 650, 15);   // a
  EXPECT_NEAR(peakIn(0.0f, 900, 1500), 1080, 25);
  EXPECT_NEAR(peakIn(2.0f, 200, 450), 290, 10);   // i
  EXPECT_NEAR(peakIn(2.0f, 1500, 2300), 1870, 25);
  EXPECT_NEAR(peakIn(4.0f, 250, 450), 350, 10);   // u
  EXPECT_NEAR(gainDb(0.0f, 650), 0.0, 1.0);       // unity at F1 (plus a little of F2's skirt)
  EXPECT_LT(gainDb(2.0f, 650), -15.0);            // "i" has nothing at "a"'s F1
  EXPECT_LT(gainDb(0.0f, 290), -8.0);
}

TEST(Formant, VowelMorphsContinuously) {
  // halfway between e (F1 400) and i (F1 290)
  EXPECT_NEAR(peakIn(1.5f, 250, 450), 345, 10);
}

TEST(Formant, ShiftMovesFormantsByOctaves) {
  EXPECT_NEAR(peakIn(0.0f, 1000, 1700, 1.0f), 1300, 30);
  EXPECT_NEAR(peakIn(0.0f, 200, 450, -1.0f), 325, 10);
}

TEST(Formant, BoundedAndCarriesState) {
  ModuleHarness h(builtinModules(), "Formant", {{"q", 4.0f}});
  std::uint32_t s = 11;
  auto noise = [s](int, std::uint64_t) mutable {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f * 20.0f - 10.0f;
  };
  h.input("in", noise).modulate("vowel", noise).modulate("shift", noise);
  const auto y = h.run(48000).output(0);
  EXPECT_LT(test::peak(y), 1e4);
  for (float v : y) ASSERT_TRUE(std::isfinite(v));

  auto src = [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.05 * static_cast<double>(n))); };
  ModuleHarness a(builtinModules(), "Formant");
  a.input("in", src);
  a.run(640);
  ModuleHarness b(builtinModules(), "Formant");
  b.input("in", [src](int c, std::uint64_t n) { return src(c, n + 640); });
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "Formant");
  whole.input("in", src);
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}
