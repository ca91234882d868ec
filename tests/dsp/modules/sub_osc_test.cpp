#include "mvm/dsp/modules/sub_osc.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

TEST(SubOsc, OutputsSitOneAndTwoOctavesBelow) {
  ModuleHarness h(builtinModules(), "SubOsc", {{"freq", 440.0f}});
  const auto out = h.run(96000);
  EXPECT_NEAR(test::estimateFrequency(out.output(h.outputIndex("sqr1")), 48000, 100), 220.0, 0.01);
  EXPECT_NEAR(test::estimateFrequency(out.output(h.outputIndex("sqr2")), 48000, 100), 110.0, 0.01);
  EXPECT_NEAR(test::estimateFrequency(out.output(h.outputIndex("sine1")), 48000, 100), 220.0, 0.005);
  EXPECT_NEAR(test::estimateFrequency(out.output(h.outputIndex("sine2")), 48000, 100), 110.0, 0.005);
  // squares: odd harmonics only
  const auto& s = out.output(h.outputIndex("sqr2"));
  EXPECT_NEAR(test::toDb(test::powerAt(s, 330, 48000, 480) / test::powerAt(s, 110, 48000, 480)), -20.0 * std::log10(3.0), 0.1);
  EXPECT_LT(test::toDb(test::powerAt(s, 220, 48000, 480) / test::powerAt(s, 110, 48000, 480)), -70.0);
}

TEST(SubOsc, OctavesStayPhaseLocked) {
  // every edge of sqr2 coincides with a rising edge of sqr1 (the sub divides it by two)
  ModuleHarness h(builtinModules(), "SubOsc", {{"freq", 1000.0f}});
  h.input("pitch", [](int, std::uint64_t n) { return static_cast<float>(n % 9000) / 9000.0f; }); // sweeping
  const auto out = h.run(48000);
  const auto& a = out.output(1);
  const auto& b = out.output(2);
  int edges = 0;
  for (std::size_t i = 1; i < b.size(); ++i)
    if ((b[i - 1] > 0) != (b[i] > 0)) {
      ++edges;
      auto rising = [&](std::size_t j) { return j >= 1 && j < a.size() && a[j - 1] <= 0 && a[j] > 0; };
      const bool near = rising(i) || rising(i - 1) || rising(i + 1);
      EXPECT_TRUE(near) << i;
    }
  EXPECT_GT(edges, 200);
}

TEST(SubOsc, OutFollowsOctaveAndShape) {
  ModuleHarness h(builtinModules(), "SubOsc", {{"freq", 400.0f}, {"octave", 2.0f}, {"shape", 1.0f}});
  const auto out = h.run(48000);
  const auto& y = out.output(0);
  const auto& sine2 = out.output(h.outputIndex("sine2"));
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], sine2[i], 1e-6);
  ModuleHarness g(builtinModules(), "SubOsc", {{"freq", 400.0f}, {"octave", 1.0f}, {"shape", 0.0f}});
  const auto o2 = g.run(4800);
  for (std::size_t i = 0; i < 4800; ++i) ASSERT_EQ(o2.output(0)[i], o2.output(1)[i]);
  ModuleHarness m(builtinModules(), "SubOsc", {{"freq", 400.0f}, {"octave", 1.0f}, {"shape", 0.25f}});
  const auto o3 = m.run(4800);
  for (std::size_t i = 0; i < 4800; ++i) ASSERT_NEAR(o3.output(0)[i], 0.75f * o3.output(1)[i] + 0.25f * o3.output(3)[i], 1e-6);
}
