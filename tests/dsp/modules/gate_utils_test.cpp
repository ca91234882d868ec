#include "mvm/dsp/modules/gate_utils.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;
using mvm::test::risingEdges;

namespace {

std::size_t countHigh(const std::vector<float>& x, std::size_t from, std::size_t to) {
  std::size_t n = 0;
  for (std::size_t i = from; i < to; ++i) n += x[i] == 1.0f ? 1 : 0;
  return n;
}

} // namespace

TEST(TriggerToGate, GateLengthIsExactInSamples) {
  ModuleHarness h(builtinModules(), "TriggerToGate", {{"length", 0.01f}});
  h.input("trig", [](int, std::uint64_t n) { return n >= 100 && n < 103 ? 1.0f : 0.0f; });
  const auto y = h.run(2000).output(0);
  for (std::size_t n = 0; n < y.size(); ++n) ASSERT_EQ(y[n], (n >= 100 && n < 580) ? 1.0f : 0.0f) << n;
}

TEST(TriggerToGate, RetriggerRestartsAndLongInputGatesDoNotExtend) {
  ModuleHarness h(builtinModules(), "TriggerToGate", {{"length", 0.001f}}); // 48 samples
  h.input("trig", [](int, std::uint64_t n) { return (n >= 10 && n < 200) || (n >= 250 && n < 251) || (n >= 270 && n < 271) ? 1.0f : 0.0f; });
  const auto y = h.run(512).output(0);
  EXPECT_EQ(countHigh(y, 0, 250), 48u); // a long input gate still gives 48 samples
  EXPECT_EQ(y[57], 1.0f);
  EXPECT_EQ(y[58], 0.0f);
  EXPECT_EQ(countHigh(y, 250, 512), 20u + 48u); // retriggered at 270
  EXPECT_EQ(y[317], 1.0f);
  EXPECT_EQ(y[318], 0.0f);
}

TEST(TriggerToGate, PolyphonicChannels) {
  ModuleHarness h(builtinModules(), "TriggerToGate", {{"length", 0.0005f}}); // 24 samples
  h.input("trig", [](int c, std::uint64_t n) { return n == static_cast<std::uint64_t>(c) * 100 ? 1.0f : 0.0f; }, 3);
  const auto out = h.run(512);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(risingEdges(out.output(0, c)), std::vector<std::uint64_t>{static_cast<std::uint64_t>(c) * 100});
    EXPECT_EQ(countHigh(out.output(0, c), 0, 512), 24u);
  }
}

TEST(Counter, CountsModuloMaxAndTriggersOnWrap) {
  ModuleHarness h(builtinModules(), "Counter", {{"max", 3.0f}});
  h.input("trig", [](int, std::uint64_t n) { return n % 10 < 5 ? 1.0f : 0.0f; });
  const auto out = h.run(128);
  const auto& count = out.output(0);
  const auto& wrap = out.output(1);
  // edges at 0, 10, 20, ...: count after edge k is (k + 1) mod 3
  for (int k = 0; k < 12; ++k) {
    const std::size_t at = static_cast<std::size_t>(k) * 10;
    EXPECT_EQ(count[at], static_cast<float>((k + 1) % 3)) << k;
    EXPECT_EQ(count[at + 9], static_cast<float>((k + 1) % 3)) << k;
    EXPECT_EQ(wrap[at], (k + 1) % 3 == 0 ? 1.0f : 0.0f) << k;
    EXPECT_EQ(wrap[at + 1], 0.0f);
  }
}

TEST(Counter, ResetSetsZero) {
  ModuleHarness h(builtinModules(), "Counter", {{"max", 8.0f}});
  h.input("trig", [](int, std::uint64_t n) { return n % 10 < 5 ? 1.0f : 0.0f; });
  h.input("reset", [](int, std::uint64_t n) { return n >= 45 && n < 47 ? 1.0f : 0.0f; });
  const auto out = h.run(64);
  EXPECT_EQ(out.output(0)[44], 5.0f);
  EXPECT_EQ(out.output(0)[45], 0.0f);
  EXPECT_EQ(out.output(0)[50], 1.0f);
  EXPECT_EQ(out.output(1)[45], 0.0f); // reset is not a wrap
}

TEST(Counter, StateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "Counter", {{"max", 100.0f}});
  a.input("trig", [](int, std::uint64_t n) { return n % 2 ? 1.0f : 0.0f; });
  a.run(64);
  ModuleHarness b(builtinModules(), "Counter", {{"max", 100.0f}});
  b.module().copyStateFrom(a.module());
  EXPECT_EQ(b.run(64).output(0)[0], 32.0f);
}

TEST(GateDelay, DelayIsExactInSamples) {
  for (float t : {0.0f, 0.001f, 0.0123f, 0.5f}) {
    const std::uint64_t d = static_cast<std::uint64_t>(std::llround(static_cast<double>(t) * 48000.0));
    ModuleHarness h(builtinModules(), "GateDelay", {{"time", t}});
    h.input("in", [](int, std::uint64_t n) { return (n >= 30 && n < 130) || n == 200 ? 0.8f : 0.0f; });
    const auto y = h.run(30000).output(0);
    for (std::size_t n = 0; n < y.size(); ++n) {
      const bool expected = n >= d && (((n - d) >= 30 && (n - d) < 130) || (n - d) == 200);
      ASSERT_EQ(y[n], expected ? 1.0f : 0.0f) << t << " at " << n;
    }
  }
}

TEST(GateDelay, LongDelayAndStateCarryOver) {
  ModuleHarness a(builtinModules(), "GateDelay", {{"time", 10.0f}});
  a.input("in", [](int, std::uint64_t n) { return n == 1000 ? 1.0f : 0.0f; });
  a.run(64 * 100);
  ModuleHarness b(builtinModules(), "GateDelay", {{"time", 10.0f}});
  b.module().copyStateFrom(a.module());
  std::vector<std::uint64_t> edges;
  for (std::uint64_t chunk = 0; chunk < 80; ++chunk) {
    const auto y = b.run(6400).output(0);
    for (std::size_t i = 0; i < y.size(); ++i)
      if (y[i] == 1.0f) edges.push_back(6400 + chunk * 6400 + i);
  }
  EXPECT_EQ(edges, std::vector<std::uint64_t>{1000 + 480000});
}
