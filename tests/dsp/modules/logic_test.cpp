#include "mvm/dsp/modules/logic.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Logic, TruthTables) {
  // four sample patterns: a, b in {0, 1}, with near-threshold levels standing in for high/low
  const float lows[] = {0.0f, 0.49f, -5.0f};
  const float highs[] = {1.0f, 0.5f, 7.0f};
  for (int level = 0; level < 3; ++level) {
    const float lo = lows[level], hi = highs[level];
    ModuleHarness h(builtinModules(), "Logic");
    h.input("a", [lo, hi](int, std::uint64_t n) { return (n & 1) ? hi : lo; });
    h.input("b", [lo, hi](int, std::uint64_t n) { return (n & 2) ? hi : lo; });
    const auto y = h.run(64);
    for (std::size_t i = 0; i < 64; ++i) {
      const bool a = i & 1, b = i & 2;
      ASSERT_EQ(y.output(0)[i], (a && b) ? 1.0f : 0.0f);
      ASSERT_EQ(y.output(1)[i], (a || b) ? 1.0f : 0.0f);
      ASSERT_EQ(y.output(2)[i], (a != b) ? 1.0f : 0.0f);
      ASSERT_EQ(y.output(3)[i], (a && b) ? 0.0f : 1.0f);
      ASSERT_EQ(y.output(4)[i], a ? 0.0f : 1.0f);
    }
  }
}

TEST(Logic, Polyphonic) {
  ModuleHarness h(builtinModules(), "Logic");
  h.input("a", [](int c, std::uint64_t) { return static_cast<float>(c & 1); }, 4);
  h.input("b", [](int c, std::uint64_t) { return static_cast<float>((c >> 1) & 1); }, 4);
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 4u);
  EXPECT_EQ(y.output(0, 3)[0], 1.0f);
  EXPECT_EQ(y.output(0, 1)[0], 0.0f);
  EXPECT_EQ(y.output(2, 1)[0], 1.0f);
  EXPECT_EQ(y.output(2, 3)[0], 0.0f);
}
