#include "mvm/dsp/modules/clock.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;
using mvm::test::pulseTrain;
using mvm::test::risingEdges;

namespace {

std::vector<std::uint64_t> onsets(const std::vector<float>& x, std::uint64_t offset = 0, std::size_t to = SIZE_MAX) {
  std::vector<std::uint64_t> r;
  for (std::size_t i = 0; i < std::min(to, x.size()); ++i)
    if (x[i] >= 0.5f) r.push_back(offset + i);
  return r;
}

} // namespace

TEST(Clock, PeriodIsExactInSamples) {
  ModuleHarness h(builtinModules(), "Clock", {{"bpm", 120.0f}, {"division", 4.0f}});
  auto out = h.run(60000); // 938 blocks: 60032 frames
  const auto trig = onsets(out.output(1), 0, 60000);
  ASSERT_EQ(trig.size(), 10u);
  for (std::size_t k = 0; k < trig.size(); ++k) EXPECT_EQ(trig[k], 6000 * k);
  // the gate is high for exactly half of each pulse
  auto g = out.output(0);
  g.resize(60000);
  EXPECT_EQ(risingEdges(g), trig);
  std::size_t high = 0;
  for (float v : g) {
    ASSERT_TRUE(v == 0.0f || v == 1.0f);
    high += v == 1.0f ? 1 : 0;
  }
  EXPECT_EQ(high, 10u * 3000u);
}

TEST(Clock, NoDriftOverTenMinutes) {
  // 137 bpm x 4: 5255.47... samples per pulse; pulse k must start at ceil(k * period)
  ModuleHarness h(builtinModules(), "Clock", {{"bpm", 137.0f}, {"division", 4.0f}});
  const double period = 48000.0 * 60.0 / (137.0 * 4.0);
  const std::uint64_t chunk = 480000;
  std::uint64_t k = 0;
  double worst = 0;
  for (int c = 0; c < 60; ++c) {
    for (std::uint64_t n : onsets(h.run(chunk).output(1), chunk * static_cast<std::uint64_t>(c))) {
      const double err = std::fabs(static_cast<double>(n) - std::ceil(static_cast<double>(k) * period - 1e-6));
      if (err > worst) std::printf("pulse %llu at %llu, k*period %.6f\n", static_cast<unsigned long long>(k), static_cast<unsigned long long>(n), static_cast<double>(k) * period);
      worst = std::max(worst, err);
      ++k;
    }
  }
  EXPECT_EQ(k, 5480u); // 10 minutes at 137 x 4 per minute
  EXPECT_EQ(worst, 0.0);
}

TEST(Clock, SwingDelaysEverySecondPulse) {
  ModuleHarness h(builtinModules(), "Clock", {{"bpm", 120.0f}, {"division", 4.0f}, {"swing", 0.5f}});
  const auto trig = onsets(h.run(24000).output(1));
  ASSERT_EQ(trig.size(), 4u);
  EXPECT_EQ(trig[0], 0u);
  EXPECT_EQ(trig[1], 9000u);
  EXPECT_EQ(trig[2], 12000u);
  EXPECT_EQ(trig[3], 21000u);
}

TEST(Clock, ResetRestartsAndRunPauses) {
  ModuleHarness h(builtinModules(), "Clock", {{"bpm", 120.0f}, {"division", 4.0f}});
  h.input("reset", [](int, std::uint64_t n) { return n >= 10000 && n < 10010 ? 1.0f : 0.0f; });
  h.input("run", [](int, std::uint64_t n) { return n >= 20000 && n < 21000 ? 0.0f : 1.0f; });
  const auto out = h.run(40000);
  const auto trig = onsets(out.output(1));
  // 0, 6000, reset at 10000, 16000, pause 20000..21000 shifts the rest by 1000: 23000, 29000, 35000
  const std::vector<std::uint64_t> expected{0, 6000, 10000, 16000, 23000, 29000, 35000};
  EXPECT_EQ(trig, expected);
  for (std::size_t n = 20000; n < 21000; ++n) ASSERT_EQ(out.output(0)[n], 0.0f);
}

TEST(Clock, TempoChangeKeepsThePhase) {
  // at frame 3000 (half-way through pulse 0) the tempo doubles: pulse 1 comes 1500 samples later
  ModuleHarness h(builtinModules(), "Clock", {{"bpm", 120.0f}, {"division", 4.0f}});
  h.set("bpm", 240.0f, 3000);
  const auto trig = onsets(h.run(12000).output(1));
  ASSERT_GE(trig.size(), 3u);
  EXPECT_EQ(trig[1], 4500u);
  EXPECT_EQ(trig[2], 7500u);
}

TEST(Clock, StateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "Clock", {{"bpm", 100.0f}, {"division", 2.0f}});
  a.run(10048);
  ModuleHarness b(builtinModules(), "Clock", {{"bpm", 100.0f}, {"division", 2.0f}});
  b.module().copyStateFrom(a.module());
  const auto trig = onsets(b.run(30000).output(1), 10048);
  ASSERT_FALSE(trig.empty());
  EXPECT_EQ(trig[0], 14400u); // period 14400: continues, no restart at the swap
}

TEST(ClockDivider, DividesByN) {
  ModuleHarness h(builtinModules(), "ClockDivider", {{"divide", 3.0f}});
  h.input("clock", pulseTrain(1000, 100));
  const auto out = h.run(10000);
  const std::vector<std::uint64_t> expected{0, 3000, 6000, 9000};
  EXPECT_EQ(risingEdges(out.output(0)), expected);
  EXPECT_EQ(out.output(0)[3099], 1.0f); // passes the pulse's width through
  EXPECT_EQ(out.output(0)[3100], 0.0f);
}

TEST(ClockDivider, ResetRestartsTheCount) {
  ModuleHarness h(builtinModules(), "ClockDivider", {{"divide", 4.0f}});
  h.input("clock", pulseTrain(1000, 100));
  h.input("reset", [](int, std::uint64_t n) { return n >= 1500 && n < 1510 ? 1.0f : 0.0f; });
  const std::vector<std::uint64_t> expected{0, 2000, 6000};
  EXPECT_EQ(risingEdges(h.run(8000).output(0)), expected);
}

TEST(ClockDivider, MultipliesByTheMeasuredPeriod) {
  for (int m = 2; m <= 4; ++m) {
    ModuleHarness h(builtinModules(), "ClockDivider", {{"multiply", static_cast<float>(m)}});
    h.input("clock", pulseTrain(1200, 10));
    const auto edges = risingEdges(h.run(6000).output(1), 6000);
    // first period passes the input through; from the second edge on, m evenly spaced pulses
    std::vector<std::uint64_t> expected{0};
    for (std::uint64_t e = 1200; e < 6000; e += 1200)
      for (int j = 0; j < m; ++j) expected.push_back(e + static_cast<std::uint64_t>(j * 1200 / m));
    EXPECT_EQ(edges, expected) << m;
  }
}

TEST(ClockDivider, MultiplierRoundsToTheNearestSample) {
  ModuleHarness h(builtinModules(), "ClockDivider", {{"multiply", 3.0f}});
  h.input("clock", pulseTrain(1000, 10));
  const auto edges = risingEdges(h.run(3000).output(1), 3000);
  const std::vector<std::uint64_t> expected{0, 1000, 1333, 1667, 2000, 2333, 2667};
  EXPECT_EQ(edges, expected);
}
