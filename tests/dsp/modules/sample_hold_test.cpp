#include "mvm/dsp/modules/sample_hold.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

namespace {
float trig(std::uint64_t n) { return (n % 100) < 10 ? 1.0f : 0.0f; } // rising edge every 100 frames
float slowRamp(std::uint64_t n) { return static_cast<float>(n) * 0.001f; }
} // namespace

TEST(SampleHold, SamplesInOnTheRisingEdgeFrameAndHolds) {
  ModuleHarness h(builtinModules(), "SampleHold");
  h.input("in", [](int, std::uint64_t n) { return slowRamp(n); });
  h.input("trig", [](int, std::uint64_t n) { return trig(n); });
  const auto y = h.run(6400).output(0);
  for (std::size_t n = 0; n < y.size(); ++n) ASSERT_EQ(y[n], slowRamp(n - n % 100)) << n;
}

TEST(SampleHold, OnlyRisingEdgesThroughHalfCount) {
  ModuleHarness h(builtinModules(), "SampleHold");
  h.input("in", [](int, std::uint64_t n) { return slowRamp(n); });
  // 0.4 is not high; a gate that stays high samples once
  h.input("trig", [](int, std::uint64_t n) { return n < 640 ? 0.4f : (n < 1280 ? 1.0f : 0.0f); });
  const auto y = h.run(1920).output(0);
  EXPECT_EQ(y[639], 0.0f);
  EXPECT_EQ(y[640], slowRamp(640));
  EXPECT_EQ(y[1900], slowRamp(640));
}

TEST(SampleHold, UnconnectedInputSamplesSeededNoise) {
  auto run = [](std::uint64_t seed) {
    ModuleHarness h(builtinModules(), "SampleHold", {}, 48000.0, seed);
    h.input("trig", [](int, std::uint64_t n) { return trig(n); });
    return h.run(64000).output(0);
  };
  const auto y = run(7);
  std::set<float> values;
  double sum = 0, sq = 0;
  for (std::size_t n = 0; n < y.size(); ++n) {
    if (n % 100 != 0) {
      ASSERT_EQ(y[n], y[n - 1]) << n; // changes only on edges
    }
    ASSERT_GE(y[n], -1.0f);
    ASSERT_LT(y[n], 1.0f);
    if (n % 100 == 0) {
      values.insert(y[n]);
      sum += y[n];
      sq += static_cast<double>(y[n]) * y[n];
    }
  }
  EXPECT_GT(values.size(), 630u); // 640 samples, essentially all distinct
  EXPECT_NEAR(sum / 640.0, 0.0, 0.08);
  EXPECT_NEAR(sq / 640.0, 1.0 / 3.0, 0.05); // uniform in +-1
  EXPECT_EQ(y, run(7));
  EXPECT_NE(y, run(8));
}

TEST(SampleHold, PolyphonicChannelsHoldIndependently) {
  ModuleHarness h(builtinModules(), "SampleHold");
  h.input("in", [](int c, std::uint64_t n) { return static_cast<float>(c) * 10.0f + slowRamp(n); }, 2);
  h.input("trig", [](int c, std::uint64_t n) { return c == 0 ? trig(n) : trig(n + 50); }, 2);
  const auto out = h.run(640);
  ASSERT_EQ(out.ports[0].size(), 2u);
  EXPECT_EQ(out.output(0, 0)[420], slowRamp(400));
  EXPECT_EQ(out.output(0, 1)[420], 10.0f + slowRamp(350));
}

TEST(SampleHold, CopyStateFromKeepsTheHeldValue) {
  ModuleHarness a(builtinModules(), "SampleHold");
  a.input("in", [](int, std::uint64_t) { return 0.625f; });
  a.input("trig", [](int, std::uint64_t n) { return n < 10 ? 1.0f : 0.0f; });
  a.run(64);
  ModuleHarness b(builtinModules(), "SampleHold");
  b.input("in", [](int, std::uint64_t) { return 0.0f; });
  b.input("trig", [](int, std::uint64_t) { return 0.0f; });
  b.module().copyStateFrom(a.module());
  EXPECT_EQ(b.run(64).output(0)[10], 0.625f);
}
