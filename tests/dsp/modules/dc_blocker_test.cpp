#include "mvm/dsp/modules/dc_blocker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;

namespace {
double expectedDb(double fc, double f) {
  const double R = std::exp(-2.0 * M_PI * fc / 48000.0);
  const std::complex<double> z = std::polar(1.0, -2.0 * M_PI * f / 48000.0);
  return 20.0 * std::log10(std::abs((1.0 - z) / (1.0 - R * z)));
}
} // namespace

TEST(DCBlocker, RemovesDc) {
  ModuleHarness h(builtinModules(), "DCBlocker");
  h.input("in", [](int, std::uint64_t n) { return 0.5f + static_cast<float>(0.25 * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(n) / 48000.0)); });
  const auto y = h.run(48000).output(0);
  EXPECT_NEAR(y[0], 0.5, 1e-6);                 // the step passes at first...
  EXPECT_NEAR(test::mean(y, 24000), 0.0, 1e-4); // ...then decays with a 16 ms time constant
  EXPECT_NEAR(test::toDb(test::powerAt(y, 1000, 48000, 24000) / (0.25 * 0.25 / 2)), 0.0, 0.01);
}

TEST(DCBlocker, CornerNearCutoff) {
  for (float fc : {10.0f, 40.0f}) {
    const double g = test::sources::sineGainDb("DCBlocker", {{"cutoff", fc}}, "out", fc, 0.5, 48000, 48000 * 4);
    EXPECT_NEAR(g, expectedDb(fc, fc), 0.05) << fc;
    EXPECT_NEAR(g, -3.0, 0.1) << fc;
    EXPECT_NEAR(test::sources::sineGainDb("DCBlocker", {{"cutoff", fc}}, "out", 20.0 * fc), 0.0, 0.02) << fc;
  }
}

TEST(DCBlocker, CopyStateFromContinues) {
  ModuleHarness a(builtinModules(), "DCBlocker");
  a.input("in", [](int, std::uint64_t) { return 1.0f; });
  const auto ya = a.run(128).output(0);
  ModuleHarness a2(builtinModules(), "DCBlocker");
  a2.input("in", [](int, std::uint64_t) { return 1.0f; });
  a2.run(64);
  ModuleHarness b(builtinModules(), "DCBlocker");
  b.input("in", [](int, std::uint64_t) { return 1.0f; });
  b.module().copyStateFrom(a2.module());
  const auto yb = b.run(64).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(yb[i], ya[64 + i]);
}
