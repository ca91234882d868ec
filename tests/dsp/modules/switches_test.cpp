#include "mvm/dsp/modules/switches.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Switch, GateSelects) {
  ModuleHarness h(builtinModules(), "Switch");
  h.input("a", [](int, std::uint64_t n) { return static_cast<float>(n); });
  h.input("b", [](int, std::uint64_t n) { return -static_cast<float>(n); });
  h.input("gate", [](int, std::uint64_t n) { return (n / 10) % 2 ? 0.5f : 0.49f; });
  const auto y = h.run(256).output(0);
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], (i / 10) % 2 ? -static_cast<float>(i) : static_cast<float>(i));
}

TEST(Switch, SelectParamForcesB) {
  ModuleHarness h(builtinModules(), "Switch", {{"select", 1.0f}});
  h.input("a", [](int, std::uint64_t) { return 1.0f; });
  h.input("b", [](int, std::uint64_t) { return 2.0f; });
  const auto forced = h.run(128);
  for (float v : forced.output(0)) ASSERT_EQ(v, 2.0f);
  ModuleHarness p(builtinModules(), "Switch");
  p.input("a", [](int, std::uint64_t) { return 1.0f; });
  p.input("b", [](int, std::uint64_t) { return 2.0f; });
  p.set("select", 1.0f, 64);
  const auto y = p.run(128).output(0);
  EXPECT_EQ(y[63], 1.0f);
  EXPECT_EQ(y[64], 2.0f);
}

TEST(SequentialSwitch, AdvancesOnTriggersAndWrapsAtSteps) {
  for (int steps = 2; steps <= 4; ++steps) {
    ModuleHarness h(builtinModules(), "SequentialSwitch", {{"steps", static_cast<float>(steps)}});
    h.input("in", [](int, std::uint64_t n) { return 1.0f + static_cast<float>(n % 3); });
    h.input("trig", [](int, std::uint64_t n) { return n % 100 >= 50 && n % 100 < 60 ? 1.0f : 0.0f; }); // rises at 50, 150, ...
    const auto y = h.run(1000);
    for (std::size_t i = 0; i < 1000; ++i) {
      const int expected = static_cast<int>((i + 50) / 100) % steps;
      for (int o = 0; o < 4; ++o)
        ASSERT_EQ(y.output(o)[i], o == expected ? 1.0f + static_cast<float>(i % 3) : 0.0f) << steps << " " << i << " " << o;
    }
  }
}

TEST(SequentialSwitch, ResetReturnsToFirstOutputAndWinsOverTrig) {
  ModuleHarness h(builtinModules(), "SequentialSwitch");
  h.input("in", [](int, std::uint64_t) { return 1.0f; });
  h.input("trig", [](int, std::uint64_t n) { return (n >= 10 && n < 12) || (n >= 20 && n < 22) || (n >= 40 && n < 42) ? 1.0f : 0.0f; });
  h.input("reset", [](int, std::uint64_t n) { return n >= 30 && n < 45 ? 1.0f : 0.0f; });
  const auto y = h.run(64);
  EXPECT_EQ(y.output(0)[9], 1.0f);
  EXPECT_EQ(y.output(1)[10], 1.0f);
  EXPECT_EQ(y.output(2)[20], 1.0f);
  EXPECT_EQ(y.output(0)[30], 1.0f); // reset
  EXPECT_EQ(y.output(1)[40], 1.0f); // trig while reset stays high still advances
}

TEST(SequentialSwitch, PolyphonyAndStateCarryOver) {
  auto trig = [](int c, std::uint64_t n) { return n % (40 + 20 * static_cast<std::uint64_t>(c)) < 5 ? 1.0f : 0.0f; };
  ModuleHarness whole(builtinModules(), "SequentialSwitch");
  whole.input("in", [](int, std::uint64_t) { return 1.0f; });
  whole.input("trig", trig, 2);
  const auto ref = whole.run(512);
  ModuleHarness first(builtinModules(), "SequentialSwitch");
  first.input("in", [](int, std::uint64_t) { return 1.0f; });
  first.input("trig", trig, 2);
  first.run(192);
  ModuleHarness second(builtinModules(), "SequentialSwitch");
  second.input("in", [](int, std::uint64_t) { return 1.0f; });
  second.input("trig", [trig](int c, std::uint64_t n) { return trig(c, n + 192); }, 2);
  second.module().copyStateFrom(first.module());
  const auto rest = second.run(320);
  for (int o = 0; o < 4; ++o)
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < 320; ++i) ASSERT_EQ(rest.output(o, c)[i], ref.output(o, c)[192 + i]);
  EXPECT_NE(ref.output(0, 0), ref.output(0, 1));
}
