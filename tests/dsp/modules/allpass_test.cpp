#include "mvm/dsp/modules/allpass.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;

TEST(Allpass, ImpulseResponseIsSchroeders) {
  const double g = 0.6;
  ModuleHarness h(builtinModules(), "Allpass", {{"time", 1.0f}, {"gain", static_cast<float>(g)}});
  h.input("in", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  const auto y = h.run(48000).output(0);
  for (std::size_t n = 0; n < 960; ++n) {
    double e = 0;
    if (n == 0) e = -g;
    else if (n % 48 == 0) e = (1.0 - g * g) * std::pow(g, static_cast<double>(n / 48 - 1));
    ASSERT_NEAR(y[n], e, 1e-6) << n;
  }
  double energy = 0;
  for (float v : y) energy += static_cast<double>(v) * v;
  EXPECT_NEAR(energy, 1.0, 1e-4); // all-pass: energy preserved
}

TEST(Allpass, MagnitudeIsFlat) {
  for (double f : {50.0, 333.0, 1000.0, 4567.0, 15000.0})
    EXPECT_NEAR(test::sources::sineGainDb("Allpass", {{"time", 3.0f}, {"gain", -0.7f}}, "out", f), 0.0, 0.05) << f;
}

TEST(Allpass, CopyStateFromCarriesTheDelayLine) {
  ModuleHarness a(builtinModules(), "Allpass", {{"time", 2.0f}, {"gain", 0.5f}});
  a.input("in", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  a.run(64);
  ModuleHarness b(builtinModules(), "Allpass", {{"time", 2.0f}, {"gain", 0.5f}});
  b.module().copyStateFrom(a.module());
  const auto y = b.run(128).output(0);
  EXPECT_NEAR(y[96 - 64], 0.75, 1e-6);
}
