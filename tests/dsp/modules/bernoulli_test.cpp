#include "mvm/dsp/modules/bernoulli.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

namespace {
float blockGate(std::uint64_t n) { return (n % 64) < 20 ? 1.0f : 0.0f; } // one gate per block, 20 frames high
} // namespace

TEST(Bernoulli, ProbabilityOneAndZeroRouteEverything) {
  for (float p : {0.0f, 1.0f}) {
    ModuleHarness h(builtinModules(), "Bernoulli", {{"p", p}});
    h.input("trig", [](int, std::uint64_t n) { return blockGate(n); });
    const auto out = h.run(6400);
    const auto& on = out.output(p > 0.5f ? 0 : 1);
    const auto& off = out.output(p > 0.5f ? 1 : 0);
    for (std::size_t n = 0; n < on.size(); ++n) {
      ASSERT_EQ(on[n], blockGate(n)) << n; // follows the gate exactly
      ASSERT_EQ(off[n], 0.0f) << n;
    }
  }
}

TEST(Bernoulli, ChoosesAWithProbabilityP) {
  ModuleHarness h(builtinModules(), "Bernoulli", {{"p", 0.3f}});
  h.input("trig", [](int, std::uint64_t n) { return blockGate(n); });
  const auto out = h.run(64 * 4000);
  int a = 0, b = 0;
  for (std::size_t g = 0; g < 4000; ++g) {
    const std::size_t n = g * 64 + 5;
    const float va = out.output(0)[n], vb = out.output(1)[n];
    ASSERT_TRUE((va == 1.0f) != (vb == 1.0f)) << g; // exactly one output carries each gate
    a += va == 1.0f;
    b += vb == 1.0f;
  }
  // binomial(4000, 0.3): sd = 29; allow 4 sd
  EXPECT_NEAR(a, 1200, 116);
  EXPECT_EQ(a + b, 4000);
}

TEST(Bernoulli, LatchModeHoldsUntilTheNextToss) {
  ModuleHarness h(builtinModules(), "Bernoulli", {{"p", 0.5f}, {"mode", 1.0f}});
  h.input("trig", [](int, std::uint64_t n) { return blockGate(n); });
  const auto out = h.run(6400);
  for (std::size_t n = 0; n < 6400; ++n) {
    ASSERT_EQ(out.output(0)[n] + out.output(1)[n], 1.0f) << n;
    if (n % 64 != 0) {
      ASSERT_EQ(out.output(0)[n], out.output(0)[n - 1]) << n;
    }
  }
}

TEST(Bernoulli, SeededDeterminism) {
  auto run = [](std::uint64_t seed) {
    ModuleHarness h(builtinModules(), "Bernoulli", {}, 48000.0, seed);
    h.input("trig", [](int, std::uint64_t n) { return blockGate(n); });
    return h.run(6400).output(0);
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}
