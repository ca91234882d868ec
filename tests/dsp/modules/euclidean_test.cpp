#include "mvm/dsp/modules/euclidean.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "module_harness.h"

using mvm::modules::Euclidean;
using mvm::builtinModules;
using mvm::test::ModuleHarness;

namespace {

std::string text(int steps, int pulses, int rotation = 0) {
  std::string s;
  for (int i = 0; i < steps; ++i) s += Euclidean::onset(steps, pulses, rotation, i) ? 'x' : '.';
  return s;
}

// The pattern as played by the module: gate high during each clock pulse on onset steps.
std::string played(int steps, int pulses, int rotation, int clocks) {
  ModuleHarness h(builtinModules(), "Euclidean", {{"steps", static_cast<float>(steps)}, {"pulses", static_cast<float>(pulses)},
                                {"rotation", static_cast<float>(rotation)}});
  h.input("clock", [](int, std::uint64_t n) { return n % 100 < 50 ? 1.0f : 0.0f; });
  const auto out = h.run(static_cast<std::uint64_t>(clocks) * 100);
  std::string s;
  for (int k = 0; k < clocks; ++k) {
    const std::size_t at = static_cast<std::size_t>(k) * 100;
    EXPECT_EQ(out.output(0)[at], out.output(1)[at]); // trigger on the edge iff gate
    EXPECT_EQ(out.output(1)[at + 1], 0.0f);
    EXPECT_EQ(out.output(0)[at + 49], out.output(0)[at]);
    EXPECT_EQ(out.output(0)[at + 50], 0.0f);
    s += out.output(0)[at] == 1.0f ? 'x' : '.';
  }
  return s;
}

} // namespace

TEST(Euclidean, BjorklundPatternsMatchToussaint) {
  EXPECT_EQ(text(8, 3), "x..x..x.");
  EXPECT_EQ(text(8, 5), "x.xx.xx.");
  EXPECT_EQ(text(5, 2), "x.x..");
  EXPECT_EQ(text(7, 3), "x.x.x..");
  EXPECT_EQ(text(7, 4), "x.x.x.x");
  EXPECT_EQ(text(12, 4), "x..x..x..x..");
  EXPECT_EQ(text(13, 5), "x..x.x..x.x..");
  EXPECT_EQ(text(16, 9), "x.xx.x.x.xx.x.x.");
  EXPECT_EQ(text(4, 0), "....");
  EXPECT_EQ(text(4, 4), "xxxx");
  EXPECT_EQ(text(4, 9), "xxxx");
  EXPECT_EQ(text(1, 1), "x");
  EXPECT_EQ(text(32, 1), "x" + std::string(31, '.'));
}

TEST(Euclidean, PulseCountIsExactForAllSizes) {
  for (int steps = 1; steps <= 32; ++steps) {
    for (int pulses = 0; pulses <= steps; ++pulses) {
      const std::string s = text(steps, pulses);
      ASSERT_EQ(static_cast<int>(std::count(s.begin(), s.end(), 'x')), pulses) << steps << "," << pulses;
      if (pulses > 0) {
        ASSERT_EQ(s[0], 'x');
      }
      // evenness: gaps between onsets differ by at most one
      std::vector<int> pos;
      for (int i = 0; i < steps; ++i)
        if (s[static_cast<std::size_t>(i)] == 'x') pos.push_back(i);
      if (pos.size() >= 2) {
        int lo = 1000, hi = 0;
        for (std::size_t k = 0; k < pos.size(); ++k) {
          const int gap = (k + 1 < pos.size() ? pos[k + 1] : pos[0] + steps) - pos[k];
          lo = std::min(lo, gap);
          hi = std::max(hi, gap);
        }
        ASSERT_LE(hi - lo, 1) << steps << "," << pulses;
      }
    }
  }
}

TEST(Euclidean, ModulePlaysThePatternOnTheClock) {
  EXPECT_EQ(played(8, 3, 0, 16), "x..x..x.x..x..x.");
  EXPECT_EQ(played(8, 3, 1, 8), "..x..x.x"); // rotated one step earlier
  EXPECT_EQ(played(5, 2, 0, 10), "x.x..x.x..");
}

TEST(Euclidean, ResetRestartsThePattern) {
  ModuleHarness h(builtinModules(), "Euclidean", {{"steps", 8.0f}, {"pulses", 3.0f}});
  h.input("clock", [](int, std::uint64_t n) { return n % 100 < 50 ? 1.0f : 0.0f; });
  h.input("reset", [](int, std::uint64_t n) { return n >= 160 && n < 170 ? 1.0f : 0.0f; });
  const auto out = h.run(1000);
  std::string s;
  for (int k = 0; k < 10; ++k) s += out.output(0)[static_cast<std::size_t>(k) * 100] == 1.0f ? 'x' : '.';
  EXPECT_EQ(s, "x.x..x..x.");
}

TEST(Euclidean, PolyphonicClocksAdvanceIndependently) {
  ModuleHarness h(builtinModules(), "Euclidean", {{"steps", 8.0f}, {"pulses", 3.0f}});
  // channel 1's clock starts one period later
  h.input("clock", [](int c, std::uint64_t n) { return n >= static_cast<std::uint64_t>(c) * 100 && n % 100 < 50 ? 1.0f : 0.0f; }, 2);
  const auto out = h.run(800);
  std::string s0, s1;
  for (int k = 0; k < 8; ++k) {
    s0 += out.output(0, 0)[static_cast<std::size_t>(k) * 100] == 1.0f ? 'x' : '.';
    s1 += out.output(0, 1)[static_cast<std::size_t>(k) * 100] == 1.0f ? 'x' : '.';
  }
  EXPECT_EQ(s0, "x..x..x.");
  EXPECT_EQ(s1, ".x..x..x");
}
