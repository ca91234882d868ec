#include "mvm/dsp/modules/lfo.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(LFO, RateAccurateOnAllWaves) {
  ModuleHarness h(builtinModules(), "LFO", {{"rate", 37.0f}});
  const auto y = h.run(48000);
  for (int o : {0, 1, 2}) EXPECT_NEAR(estimateFrequency(y.output(o), 48000.0), 37.0, 0.01) << o;
  // square: count rising edges over one second
  int edges = 0;
  const auto& sq = y.output(3);
  for (std::size_t i = 1; i < sq.size(); ++i) edges += sq[i - 1] < 0.0f && sq[i] > 0.0f;
  EXPECT_NEAR(edges, 37, 1);
}

TEST(LFO, WaveShapesBipolarAndPhaseAligned) {
  ModuleHarness h(builtinModules(), "LFO", {{"rate", 100.0f}, {"pw", 0.25f}}); // 480 samples per cycle
  const auto y = h.run(4800);
  const auto &sine = y.output(0), &tri = y.output(1), &saw = y.output(2), &sqr = y.output(3);
  EXPECT_NEAR(sine[0], 0.0f, 1e-6f);
  EXPECT_NEAR(sine[120], 1.0f, 1e-5f);
  EXPECT_NEAR(tri[120], 1.0f, 1e-5f);
  EXPECT_NEAR(tri[360], -1.0f, 1e-5f);
  EXPECT_NEAR(tri[60], 0.5f, 1e-5f);
  EXPECT_NEAR(saw[0], -1.0f, 1e-6f);
  EXPECT_NEAR(saw[240], 0.0f, 1e-5f);
  EXPECT_NEAR(saw[479], 1.0f - 2.0f / 480.0f, 1e-5f);
  for (int o = 0; o < 4; ++o) EXPECT_LE(peak(y.output(o)), 1.0);
  // pulse width: fraction of time high
  int high = 0;
  for (float v : sqr) {
    ASSERT_TRUE(v == 1.0f || v == -1.0f);
    high += v > 0.0f;
  }
  EXPECT_NEAR(high / 4800.0, 0.25, 0.002);
}

TEST(LFO, SampleAndHoldStepsOncePerCycleDeterministically) {
  auto run = [](std::uint64_t seed) {
    ModuleHarness h(builtinModules(), "LFO", {{"rate", 100.0f}}, 48000.0, seed);
    return h.run(4800).output(4);
  };
  const auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  int changes = 0;
  for (std::size_t i = 1; i < a.size(); ++i)
    if (a[i] != a[i - 1]) {
      ++changes;
      EXPECT_EQ(i % 480, 0u) << i; // only at cycle starts
    }
  EXPECT_GE(changes, 8);
  EXPECT_LE(peak(a), 1.0);
}

TEST(LFO, SyncResetsPhase) {
  ModuleHarness h(builtinModules(), "LFO", {{"rate", 10.0f}});
  h.input("sync", [](int, std::uint64_t n) { return n >= 1000 && n < 1010 ? 1.0f : 0.0f; });
  const auto saw = h.run(2000).output(2);
  EXPECT_GT(saw[999], -0.9f);
  EXPECT_NEAR(saw[1000], -1.0f, 1e-6f);
  EXPECT_NEAR(saw[1001], -1.0f + 2.0f * 10.0f / 48000.0f, 1e-5f);
}

TEST(LFO, ChannelsParamAndSpread) {
  ModuleHarness h(builtinModules(), "LFO", {{"rate", 100.0f}, {"channels", 4.0f}, {"spread", 1.0f}});
  const auto y = h.run(960);
  ASSERT_EQ(y.ports[0].size(), 4u);
  // channel c starts at phase c/4
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(y.output(0, c)[0], std::sin(2.0 * M_PI * c / 4.0), 1e-5) << c;
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(y.output(0, c)[static_cast<std::size_t>((600 - 120 * c) % 480)], 1.0, 1e-5) << c;
  ModuleHarness unison(builtinModules(), "LFO", {{"rate", 100.0f}, {"channels", 3.0f}});
  const auto u = unison.run(960);
  ASSERT_EQ(u.ports[0].size(), 3u);
  EXPECT_EQ(u.output(0, 0), u.output(0, 2));
}

TEST(LFO, WidestInputWinsOverChannelsParam) {
  ModuleHarness h(builtinModules(), "LFO", {{"rate", 1.0f}, {"channels", 2.0f}});
  h.modulate("rate", [](int c, std::uint64_t) { return static_cast<float>(c); }, 5);
  const auto y = h.run(48000);
  ASSERT_EQ(y.ports[0].size(), 5u);
  EXPECT_NEAR(estimateFrequency(y.output(0, 4), 48000.0), 5.0, 0.01);
}

TEST(LFO, FmIsOneVoltPerOctave) {
  ModuleHarness h(builtinModules(), "LFO", {{"rate", 10.0f}});
  h.input("fm", [](int, std::uint64_t) { return 2.0f; });
  EXPECT_NEAR(estimateFrequency(h.run(48000).output(0), 48000.0), 40.0, 0.01);
}

TEST(LFO, CopyStateKeepsPhaseContinuous) {
  ModuleHarness whole(builtinModules(), "LFO", {{"rate", 3.7f}});
  const auto ref = whole.run(2048);
  ModuleHarness first(builtinModules(), "LFO", {{"rate", 3.7f}});
  first.run(1024);
  ModuleHarness second(builtinModules(), "LFO", {{"rate", 3.7f}}, 48000.0, 99);
  second.module().copyStateFrom(first.module());
  const auto rest = second.run(1024);
  for (int o = 0; o < 5; ++o)
    for (std::size_t i = 0; i < 1024; ++i) ASSERT_EQ(rest.output(o)[i], ref.output(o)[1024 + i]) << o << " " << i;
}
