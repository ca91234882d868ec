#include "mvm/dsp/modules/quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

namespace {
// Quantize a slow sweep over [-2, 2] V and collect the notes (in semitones) that come out.
std::vector<float> sweep(float scale, float root, std::uint64_t frames = 9600) {
  ModuleHarness h(builtinModules(), "Quantizer", {{"scale", scale}, {"root", root}});
  h.input("in", [frames](int, std::uint64_t n) { return -2.0f + 4.0f * static_cast<float>(n) / static_cast<float>(frames); });
  return h.run(frames).output(0);
}
std::set<int> pitchClasses(const std::vector<float>& y) {
  std::set<int> s;
  for (float v : y) {
    const double semis = v * 12.0;
    EXPECT_NEAR(semis, std::round(semis), 1e-4); // always exactly on a note
    s.insert(static_cast<int>(((std::lround(semis) % 12) + 12) % 12));
  }
  return s;
}
} // namespace

TEST(Quantizer, ScalesProduceTheirPitchClasses) {
  const std::vector<std::set<int>> expected = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {0, 2, 4, 5, 7, 9, 11}, {0, 2, 3, 5, 7, 8, 10}, {0, 2, 4, 7, 9},
      {0, 3, 5, 7, 10}, {0, 2, 3, 5, 7, 9, 10}, {0, 2, 4, 5, 7, 9, 10}, {0, 3, 5, 6, 7, 10}, {0, 2, 4, 6, 8, 10}};
  for (int s = 0; s < 9; ++s) EXPECT_EQ(pitchClasses(sweep(static_cast<float>(s), 0.0f)), expected[static_cast<std::size_t>(s)]) << s;
  // root shifts the scale: D major = {2, 4, 6, 7, 9, 11, 1}
  EXPECT_EQ(pitchClasses(sweep(1.0f, 2.0f)), (std::set<int>{1, 2, 4, 6, 7, 9, 11}));
}

TEST(Quantizer, NearestNoteWithTiesGoingDown) {
  auto q = [](float scale, float root, float volts) {
    ModuleHarness h(builtinModules(), "Quantizer", {{"scale", scale}, {"root", root}});
    h.input("in", [volts](int, std::uint64_t) { return volts; });
    return h.run(64).output(0)[10] * 12.0f;
  };
  EXPECT_FLOAT_EQ(q(0, 0, 0.49f / 12.0f), 0.0f);
  EXPECT_FLOAT_EQ(q(0, 0, 0.51f / 12.0f), 1.0f);
  EXPECT_FLOAT_EQ(q(1, 0, 5.9f / 12.0f), 5.0f);   // major: 5.9 -> F (5), not G (7)
  EXPECT_FLOAT_EQ(q(1, 0, 6.1f / 12.0f), 7.0f);
  EXPECT_FLOAT_EQ(q(1, 0, 1.0f / 12.0f), 0.0f);   // tie between C and D goes down
  EXPECT_FLOAT_EQ(q(3, 0, 11.0f / 12.0f), 12.0f); // pentatonic: 11 is nearer the next C than A (9)
  EXPECT_FLOAT_EQ(q(3, 0, -1.4f / 12.0f), 0.0f);  // below C: nearest is C, not A-1 (-3)
  EXPECT_FLOAT_EQ(q(3, 0, -1.6f / 12.0f), -3.0f);
  EXPECT_FLOAT_EQ(q(1, 9, 0.0f), -1.0f);          // A major: C -> B (-1) (tie with C#: lower)
  EXPECT_FLOAT_EQ(q(1, 9, -3.0f / 12.0f), -3.0f); // A is the root
  EXPECT_FLOAT_EQ(q(8, 0, 25.0f / 12.0f), 24.0f); // whole tone, 2 octaves up, tie goes down
}

TEST(Quantizer, TrigPulsesOnNoteChangeOnly) {
  ModuleHarness h(builtinModules(), "Quantizer", {{"scale", 0.0f}});
  // 0 V for 1000 samples, then a tiny wobble that stays on C, then one semitone up at 3000
  h.input("in", [](int, std::uint64_t n) {
    if (n < 2000) return 0.0f;
    if (n < 3000) return (n % 2 ? 0.3f : -0.3f) / 12.0f;
    return 1.0f / 12.0f;
  });
  const auto y = h.run(4000);
  const auto& trig = y.output(1);
  for (std::size_t i = 0; i < trig.size(); ++i) {
    const bool expected = i >= 3000 && i < 3048;
    ASSERT_EQ(trig[i], expected ? 1.0f : 0.0f) << i;
  }
  EXPECT_FLOAT_EQ(y.output(0)[3500], 1.0f / 12.0f);
}

TEST(Quantizer, PolyphonicChannels) {
  ModuleHarness h(builtinModules(), "Quantizer", {{"scale", 1.0f}});
  h.input("in", [](int c, std::uint64_t) { return c == 0 ? 0.26f : 0.4f; }, 2); // 3.12 and 4.8 semitones
  const auto y = h.run(64);
  EXPECT_FLOAT_EQ(y.output(0, 0)[0] * 12.0f, 4.0f);
  EXPECT_FLOAT_EQ(y.output(0, 1)[0] * 12.0f, 5.0f);
}
