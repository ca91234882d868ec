#include "mvm/dsp/modules/saw_osc.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;

TEST(SawOsc, PitchWithinATenthOfACent) {
  for (double f : {50.0, 440.0, 5000.0}) {
    ModuleHarness h(builtinModules(), "SawOsc", {{"freq", static_cast<float>(f)}});
    const double est = test::estimateFrequency(h.run(96000).output(0), 48000, 100);
    EXPECT_LT(std::fabs(1200.0 * std::log2(est / f)), 0.1) << f;
  }
  ModuleHarness h(builtinModules(), "SawOsc", {{"freq", 110.0f}});
  h.input("pitch", [](int, std::uint64_t) { return 2.0f; });
  EXPECT_NEAR(test::estimateFrequency(h.run(48000).output(0), 48000, 100), 440.0, 0.02);
}

TEST(SawOsc, MatchesTheVcoSawAndAliasesLikeIt) {
  ModuleHarness a(builtinModules(), "SawOsc", {{"freq", 5000.0f}});
  ModuleHarness b(builtinModules(), "VCO", {{"freq", 5000.0f}});
  const auto x = a.run(4800).output(0);
  const auto y = b.run(4800).output(2);
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(x[i], y[i]) << i;
  // harmonics 1/k: the 2nd harmonic 6 dB below the 1st (polyblep_test.cpp measures all of them)
  ModuleHarness c(builtinModules(), "SawOsc", {{"freq", 1000.0f}});
  const auto z = c.run(48000).output(0);
  EXPECT_NEAR(test::toDb(test::powerAt(z, 2000, 48000, 480) / test::powerAt(z, 1000, 48000, 480)), -6.02, 0.15);
}

TEST(SawOsc, CopyStateFromContinues) {
  ModuleHarness a(builtinModules(), "SawOsc", {{"freq", 333.0f}});
  a.run(640);
  ModuleHarness b(builtinModules(), "SawOsc", {{"freq", 333.0f}});
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "SawOsc", {{"freq", 333.0f}});
  const auto all = whole.run(704).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next[i], all[640 + i]);
}
