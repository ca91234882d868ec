#include "mvm/dsp/modules/slew.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Slew, RiseAndFallTimesExact) {
  ModuleHarness h(builtinModules(), "Slew", {{"rise", 0.01f}, {"fall", 0.02f}}); // 480 and 960 samples per unit
  h.input("in", [](int, std::uint64_t n) { return n >= 100 && n < 2000 ? 1.0f : 0.0f; });
  const auto y = h.run(4000).output(0);
  EXPECT_EQ(y[99], 0.0f);
  EXPECT_FLOAT_EQ(y[100], 1.0f / 480.0f);
  EXPECT_NEAR(y[339], 0.5f, 1e-4f);
  EXPECT_LT(y[100 + 477], 1.0f);
  EXPECT_EQ(y[100 + 480], 1.0f);
  EXPECT_NEAR(y[2000 + 479], 0.5f, 1e-4f);
  EXPECT_GT(y[2000 + 957], 0.0f);
  EXPECT_EQ(y[2000 + 961], 0.0f);
  // linear: constant slope while rising
  for (std::size_t i = 101; i < 570; ++i) EXPECT_NEAR(y[i] - y[i - 1], 1.0f / 480.0f, 1e-5f);
}

TEST(Slew, ZeroTimeFollowsExactlyAndSlopeScalesWithStep) {
  ModuleHarness h(builtinModules(), "Slew", {{"rise", 0.0f}, {"fall", 0.001f}});
  h.input("in", [](int, std::uint64_t n) { return n < 500 ? 4.0f : 0.0f; });
  const auto y = h.run(1000).output(0);
  EXPECT_EQ(y[0], 4.0f);
  EXPECT_NEAR(y[500 + 95], 2.0f, 1e-3f); // 4 units at 48 samples per unit: 192 samples
  EXPECT_EQ(y[500 + 192], 0.0f);
}

TEST(Slew, PolyphonyAndStateCarryOver) {
  auto src = [](int c, std::uint64_t n) { return n > 10 ? static_cast<float>(c + 1) : 0.0f; };
  ModuleHarness whole(builtinModules(), "Slew", {{"rise", 0.01f}});
  whole.input("in", src, 2);
  const auto ref = whole.run(1024);
  EXPECT_EQ(ref.output(0, 0)[500], 1.0f);
  EXPECT_LT(ref.output(0, 1)[500], 1.1f);
  ModuleHarness first(builtinModules(), "Slew", {{"rise", 0.01f}});
  first.input("in", src, 2);
  first.run(256);
  ModuleHarness second(builtinModules(), "Slew", {{"rise", 0.01f}});
  second.input("in", [src](int c, std::uint64_t n) { return src(c, n + 256); }, 2);
  second.module().copyStateFrom(first.module());
  const auto rest = second.run(768);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 768; ++i) ASSERT_EQ(rest.output(0, c)[i], ref.output(0, c)[256 + i]);
}
