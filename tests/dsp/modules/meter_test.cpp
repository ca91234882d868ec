#include "mvm/dsp/modules/meter.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;

TEST(Meter, RmsOfASine) {
  ModuleHarness h(builtinModules(), "Meter", {{"window", 0.05f}});
  h.input("in", [](int, std::uint64_t n) { return 0.8f * static_cast<float>(std::sin(2 * M_PI * 1000 * static_cast<double>(n) / 48000.0)); });
  const auto out = h.run(48000);
  const double expected = 0.8 / std::sqrt(2.0);
  for (std::size_t n = 24000; n < 48000; n += 97) ASSERT_NEAR(out.output(1)[n], expected, expected * 0.01) << n;
  EXPECT_NEAR(out.output(0)[47999], 0.8, 0.01);
  auto& m = static_cast<mvm::modules::Meter&>(h.module());
  EXPECT_FLOAT_EQ(m.rms(), out.output(1)[48000 - 1]);
  EXPECT_FLOAT_EQ(m.peak(), out.output(0)[48000 - 1]);
}

TEST(Meter, RmsWindowIsTheTimeConstant) {
  // a step of mean square 1: after `window` seconds the mean square reaches 1 - 1/e
  ModuleHarness h(builtinModules(), "Meter", {{"window", 0.1f}});
  h.input("in", [](int, std::uint64_t) { return 1.0f; });
  const auto out = h.run(9600);
  const float ms = out.output(1)[4800 - 1] * out.output(1)[4800 - 1];
  EXPECT_NEAR(ms, 1.0 - std::exp(-1.0), 2e-3);
}

TEST(Meter, PeakFallsSixtyDbInReleaseTime) {
  ModuleHarness h(builtinModules(), "Meter", {{"release", 0.5f}});
  h.input("in", [](int, std::uint64_t n) { return n == 10 ? -1.0f : 0.0f; });
  const auto out = h.run(48000);
  const auto& p = out.output(0);
  EXPECT_EQ(p[9], 0.0f);
  EXPECT_EQ(p[10], 1.0f);
  EXPECT_NEAR(20 * std::log10(p[10 + 24000]), -60.0, 0.1);
  EXPECT_NEAR(20 * std::log10(p[10 + 12000]), -30.0, 0.1);
  for (std::size_t n = 11; n < p.size(); ++n) ASSERT_LT(p[n], p[n - 1]);
}

TEST(Meter, PolyphonicInputIsSummed) {
  ModuleHarness h(builtinModules(), "Meter", {{"window", 0.01f}});
  h.input("in", [](int c, std::uint64_t) { return c == 0 ? 0.25f : 0.5f; }, 2);
  const auto out = h.run(4800);
  EXPECT_NEAR(out.output(1)[4799], 0.75f, 1e-4f);
  EXPECT_FLOAT_EQ(out.output(0)[4799], 0.75f);
}

TEST(Meter, StateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "Meter", {{"release", 1.0f}});
  a.input("in", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  const auto ya = a.run(64).output(0);
  ModuleHarness b(builtinModules(), "Meter", {{"release", 1.0f}});
  b.module().copyStateFrom(a.module());
  EXPECT_FLOAT_EQ(static_cast<mvm::modules::Meter&>(b.module()).peak(), ya[63]);
  const auto yb = b.run(64).output(0);
  EXPECT_LT(yb[0], ya[63]);
  EXPECT_GT(yb[0], ya[63] * 0.999f);
}
