#include "mvm/dsp/modules/one_pole.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;
using test::sources::sineGainDb;

TEST(OnePole, BothOutputsAreThreeDbDownAtCutoff) {
  for (float fc : {50.0f, 1000.0f, 10000.0f}) {
    EXPECT_NEAR(sineGainDb("OnePole", {{"cutoff", fc}}, "lp", fc), -3.01, 0.05) << fc;
    EXPECT_NEAR(sineGainDb("OnePole", {{"cutoff", fc}}, "hp", fc), -3.01, 0.05) << fc;
  }
}

TEST(OnePole, SixDbPerOctave) {
  const std::map<std::string, float> p{{"cutoff", 100.0f}};
  EXPECT_NEAR(sineGainDb("OnePole", p, "lp", 800) - sineGainDb("OnePole", p, "lp", 1600), 6.0, 0.2);
  EXPECT_NEAR(sineGainDb("OnePole", p, "lp", 800), -18.1, 0.3);
  const std::map<std::string, float> q{{"cutoff", 5000.0f}};
  EXPECT_NEAR(sineGainDb("OnePole", q, "hp", 625) - sineGainDb("OnePole", q, "hp", 312.5), 6.0, 0.2);
}

TEST(OnePole, OutputsSumToTheInput) {
  ModuleHarness h(builtinModules(), "OnePole", {{"cutoff", 700.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.1 * static_cast<double>(n)) + 0.3 * std::sin(0.77 * static_cast<double>(n))); });
  const auto out = h.run(4800);
  for (std::size_t n = 0; n < 4800; ++n) {
    const double x = std::sin(0.1 * static_cast<double>(n)) + 0.3 * std::sin(0.77 * static_cast<double>(n));
    ASSERT_NEAR(out.output(0)[n] + out.output(1)[n], x, 1e-5) << n;
  }
}

TEST(OnePole, StepResponseAndCarryOver) {
  // lp of a unit step reaches 1 - 1/e after one time constant, 1 / (2 pi fc)
  ModuleHarness h(builtinModules(), "OnePole", {{"cutoff", 100.0f}});
  h.input("in", [](int, std::uint64_t) { return 1.0f; });
  const auto y = h.run(4800).output(0);
  EXPECT_NEAR(y[static_cast<std::size_t>(48000.0 / (2.0 * M_PI * 100.0))], 1.0 - std::exp(-1.0), 0.01);
  ModuleHarness a(builtinModules(), "OnePole", {{"cutoff", 100.0f}});
  a.input("in", [](int, std::uint64_t) { return 1.0f; });
  a.run(64);
  ModuleHarness b(builtinModules(), "OnePole", {{"cutoff", 100.0f}});
  b.input("in", [](int, std::uint64_t) { return 1.0f; });
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], y[64 + i]);
}
