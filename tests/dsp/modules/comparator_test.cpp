#include "mvm/dsp/modules/comparator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Comparator, AGreaterThanB) {
  ModuleHarness h(builtinModules(), "Comparator");
  h.input("a", [](int, std::uint64_t n) { return static_cast<float>(n % 7) - 3.0f; });
  h.input("b", [](int, std::uint64_t n) { return static_cast<float>(n % 5) - 2.0f; });
  const auto y = h.run(512);
  for (std::size_t i = 0; i < 512; ++i) {
    const bool gt = static_cast<float>(i % 7) - 3.0f > static_cast<float>(i % 5) - 2.0f;
    ASSERT_EQ(y.output(0)[i], gt ? 1.0f : 0.0f) << i;
    ASSERT_EQ(y.output(1)[i], gt ? 0.0f : 1.0f) << i;
  }
}

TEST(Comparator, ThresholdParamWhenBUnconnected) {
  ModuleHarness h(builtinModules(), "Comparator", {{"threshold", 0.5f}});
  h.input("a", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * static_cast<double>(n) / 480.0)); });
  const auto y = h.run(4800).output(0);
  // sin > 0.5 for a third of the cycle
  EXPECT_NEAR(mean(y), 1.0 / 3.0, 0.005);
}

TEST(Comparator, HysteresisBand) {
  ModuleHarness h(builtinModules(), "Comparator", {{"threshold", 0.0f}, {"hysteresis", 1.0f}});
  // a triangle between -1 and 1 plus fast +-0.3 chatter: without hysteresis it would chatter
  auto a = [](int, std::uint64_t n) {
    const double p = static_cast<double>(n % 960) / 960.0;
    const double tri = p < 0.5 ? -1.0 + 4.0 * p : 3.0 - 4.0 * p;
    return static_cast<float>(tri + (n % 2 ? 0.3 : -0.3));
  };
  h.input("a", a);
  const auto y = h.run(9600).output(0);
  int edges = 0;
  for (std::size_t i = 1; i < y.size(); ++i) edges += y[i] != y[i - 1];
  EXPECT_EQ(edges, 20); // exactly one rise and one fall in each of the 10 cycles
  for (std::size_t i = 0; i < y.size(); ++i) {
    const float x = a(0, i);
    if (x > 0.5f) { ASSERT_EQ(y[i], 1.0f) << i; }
    if (x < -0.5f) { ASSERT_EQ(y[i], 0.0f) << i; }
  }
  ModuleHarness noHyst(builtinModules(), "Comparator");
  noHyst.input("a", a);
  const auto z = noHyst.run(9600).output(0);
  int chatter = 0;
  for (std::size_t i = 1; i < z.size(); ++i) chatter += z[i] != z[i - 1];
  EXPECT_GT(chatter, 100);
}
