#include "mvm/dsp/modules/bitcrusher.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;

TEST(Bitcrusher, QuantisesToStepsOfTwoToTheOneMinusBits) {
  ModuleHarness h(builtinModules(), "Bitcrusher", {{"bits", 3.0f}, {"rate", 48000.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(n % 4800) / 2400.0f - 1.0f; }); // ramp -1..1
  auto y = h.run(4800).output(0);
  std::set<float> levels(y.begin(), y.end());
  EXPECT_EQ(levels.size(), 9u); // -1, -0.75, ..., 1 (step 0.25)
  for (std::size_t n = 0; n < y.size(); ++n) {
    const float x = static_cast<float>(n) / 2400.0f - 1.0f;
    ASSERT_NEAR(y[n], 0.25f * std::floor(x / 0.25f + 0.5f), 1e-7f) << n;
  }
}

TEST(Bitcrusher, QuantisationNoiseFollowsTheBitDepth) {
  // uniform quantisation error: rms = step / sqrt(12), step = 2^(1 - bits)
  for (float bits : {4.0f, 6.5f, 10.0f}) {
    ModuleHarness h(builtinModules(), "Bitcrusher", {{"bits", bits}});
    h.input("in", [](int, std::uint64_t n) { return 0.9f * static_cast<float>(std::sin(0.01234 * static_cast<double>(n))); });
    auto y = h.run(48000).output(0);
    std::vector<float> err(y.size());
    for (std::size_t n = 0; n < y.size(); ++n) err[n] = y[n] - 0.9f * static_cast<float>(std::sin(0.01234 * static_cast<double>(n)));
    const double step = std::exp2(1.0 - bits);
    std::printf("bits %.1f: error rms / (step/sqrt 12) = %.3f\n", bits, mvm::test::rms(err) / (step / std::sqrt(12.0)));
    EXPECT_NEAR(mvm::test::rms(err) / (step / std::sqrt(12.0)), 1.0, 0.1) << bits;
    EXPECT_LE(mvm::test::peak(err), step / 2 + 1e-6) << bits;
  }
}

TEST(Bitcrusher, SampleAndHoldAtTheRate) {
  ModuleHarness h(builtinModules(), "Bitcrusher", {{"bits", 24.0f}, {"rate", 6000.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(n) * 1e-4f; });
  auto y = h.run(4800).output(0);
  for (std::size_t n = 0; n < y.size(); ++n) {
    const std::size_t taken = n / 8 * 8; // a new sample every 48000 / 6000 = 8 samples, the first at 0
    ASSERT_NEAR(y[n], static_cast<float>(taken) * 1e-4f, 1e-6f) << n;
  }
}

TEST(Bitcrusher, NonIntegerRatioHoldsOnAverageAtTheRate) {
  ModuleHarness h(builtinModules(), "Bitcrusher", {{"bits", 24.0f}, {"rate", 7000.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(n % 1000) * 1e-3f; });
  auto y = h.run(48000).output(0);
  int changes = 0;
  for (std::size_t n = 1; n < y.size(); ++n) changes += y[n] != y[n - 1] ? 1 : 0;
  EXPECT_NEAR(changes, 7000, 2);
}

TEST(Bitcrusher, PolyphonicAndStateCarryOver) {
  ModuleHarness a(builtinModules(), "Bitcrusher", {{"rate", 1000.0f}});
  a.input("in", [](int c, std::uint64_t) { return c == 0 ? 0.5f : -0.25f; }, 2);
  auto out = a.run(64);
  EXPECT_FLOAT_EQ(out.output(0, 0)[10], 0.5f);
  EXPECT_FLOAT_EQ(out.output(0, 1)[10], -0.25f);
  ModuleHarness b(builtinModules(), "Bitcrusher", {{"rate", 1000.0f}});
  b.input("in", [](int, std::uint64_t) { return 0.0f; }, 2);
  b.module().copyStateFrom(a.module());
  auto y = b.run(64).output(0, 0);
  EXPECT_FLOAT_EQ(y[0], 0.5f); // still holding: the next sample is taken 48 samples after the first
}
