#include "mvm/dsp/modules/panner.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Panner, EqualPowerLaw) {
  for (float pan = -1.0f; pan <= 1.0001f; pan += 0.125f) {
    ModuleHarness h(builtinModules(), "Panner", {{"pan", pan}});
    h.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.01 * static_cast<double>(n))) * 2.0f; });
    const auto y = h.run(1024);
    const auto &l = y.output(0), &r = y.output(1);
    const double theta = (pan + 1.0) * M_PI / 4.0;
    for (std::size_t i = 0; i < l.size(); i += 7) {
      const double x = std::sin(0.01 * static_cast<double>(i)) * 2.0;
      EXPECT_NEAR(l[i], x * std::cos(theta), 2e-6);
      EXPECT_NEAR(r[i], x * std::sin(theta), 2e-6);
      EXPECT_NEAR(static_cast<double>(l[i]) * l[i] + static_cast<double>(r[i]) * r[i], x * x, 1e-5);
    }
  }
}

TEST(Panner, ExtremesAndCentre) {
  auto gains = [](float pan) {
    ModuleHarness h(builtinModules(), "Panner", {{"pan", pan}});
    h.input("in", [](int, std::uint64_t) { return 1.0f; });
    const auto y = h.run(64);
    return std::pair<float, float>(y.output(0)[3], y.output(1)[3]);
  };
  auto [l0, r0] = gains(-1.0f);
  EXPECT_NEAR(l0, 1.0f, 1e-6f);
  EXPECT_NEAR(r0, 0.0f, 1e-6f);
  auto [l1, r1] = gains(1.0f);
  EXPECT_NEAR(l1, 0.0f, 1e-6f);
  EXPECT_NEAR(r1, 1.0f, 1e-6f);
  auto [lc, rc] = gains(0.0f);
  EXPECT_NEAR(ampToDb(lc), -3.01, 0.01);
  EXPECT_FLOAT_EQ(lc, rc);
}

TEST(Panner, PolyphonicPan) {
  ModuleHarness h(builtinModules(), "Panner");
  h.input("in", [](int, std::uint64_t) { return 1.0f; });
  h.modulate("pan", [](int c, std::uint64_t) { return c == 0 ? -1.0f : 1.0f; }, 2);
  const auto y = h.run(64);
  EXPECT_NEAR(y.output(0, 0)[0], 1.0f, 1e-6f);
  EXPECT_NEAR(y.output(1, 1)[0], 1.0f, 1e-6f);
  EXPECT_NEAR(y.output(1, 0)[0], 0.0f, 1e-6f);
}
