#include "mvm/dsp/modules/arithmetic.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

namespace {
// A deterministic sweep over [-10, 10] with awkward values.
float wobble(int c, std::uint64_t n) { return static_cast<float>(std::sin(0.37 * static_cast<double>(n) + c)) * 10.0f; }
float ramp2(int c, std::uint64_t n) { return static_cast<float>(std::cos(0.113 * static_cast<double>(n) + 2 * c)) * 7.0f; }
} // namespace

TEST(Attenuverter, ScaleAndOffset) {
  ModuleHarness h(builtinModules(), "Attenuverter", {{"scale", -1.5f}, {"offset", 2.0f}});
  h.input("in", wobble);
  const auto y = h.run(512).output(0);
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], wobble(0, i) * -1.5f + 2.0f);
}

TEST(Constant, ValueOnChannels) {
  ModuleHarness h(builtinModules(), "Constant", {{"value", -3.25f}, {"channels", 5.0f}});
  const auto y = h.run(128);
  ASSERT_EQ(y.ports[0].size(), 5u);
  for (int c = 0; c < 5; ++c)
    for (float v : y.output(0, c)) ASSERT_EQ(v, -3.25f);
  ModuleHarness mono(builtinModules(), "Constant", {{"value", 1.0f}});
  EXPECT_EQ(mono.run(64).ports[0].size(), 1u);
}

TEST(Add, SumsConnectedInputs) {
  ModuleHarness h(builtinModules(), "Add");
  h.input("a", wobble);
  h.input("b", ramp2);
  h.input("d", [](int, std::uint64_t) { return 0.5f; });
  const auto y = h.run(512).output(0);
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], (wobble(0, i) + ramp2(0, i)) + 0.5f);
}

TEST(Multiply, RingModAndUnconnectedBIsOne) {
  ModuleHarness h(builtinModules(), "Multiply");
  h.input("a", wobble);
  h.input("b", ramp2);
  const auto y = h.run(512).output(0);
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], wobble(0, i) * ramp2(0, i));
  ModuleHarness pass(builtinModules(), "Multiply");
  pass.input("a", wobble);
  const auto p = pass.run(512).output(0);
  for (std::size_t i = 0; i < p.size(); ++i) ASSERT_EQ(p[i], wobble(0, i));
  // two sines multiply into sum and difference frequencies
  ModuleHarness ring(builtinModules(), "Multiply");
  ring.input("a", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * 1000.0 * static_cast<double>(n) / 48000.0)); });
  ring.input("b", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * 300.0 * static_cast<double>(n) / 48000.0)); });
  const auto r = ring.run(48000).output(0);
  EXPECT_NEAR(toDb(powerAt(r, 700.0, 48000.0)), toDb(0.125), 0.1);
  EXPECT_NEAR(toDb(powerAt(r, 1300.0, 48000.0)), toDb(0.125), 0.1);
  EXPECT_LT(toDb(powerAt(r, 1000.0, 48000.0)), -80.0);
}

TEST(Abs, FullAndHalfWave) {
  ModuleHarness h(builtinModules(), "Abs");
  h.input("in", wobble);
  const auto y = h.run(512);
  for (std::size_t i = 0; i < 512; ++i) {
    const float x = wobble(0, i);
    ASSERT_EQ(y.output(0)[i], std::fabs(x));
    ASSERT_EQ(y.output(1)[i], x > 0.0f ? x : 0.0f);
  }
}

TEST(MinMax, MinAndMax) {
  ModuleHarness h(builtinModules(), "MinMax");
  h.input("a", wobble, 2);
  h.input("b", ramp2, 2);
  const auto y = h.run(512);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 512; ++i) {
      ASSERT_EQ(y.output(0, c)[i], std::min(wobble(c, i), ramp2(c, i)));
      ASSERT_EQ(y.output(1, c)[i], std::max(wobble(c, i), ramp2(c, i)));
    }
}

TEST(Clamp, LimitsToRangeAndSwapsReversedBounds) {
  ModuleHarness h(builtinModules(), "Clamp", {{"min", -2.0f}, {"max", 3.0f}});
  h.input("in", wobble);
  const auto y = h.run(512).output(0);
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], std::clamp(wobble(0, i), -2.0f, 3.0f));
  EXPECT_EQ(peak(y), 3.0);
  ModuleHarness r(builtinModules(), "Clamp", {{"min", 3.0f}, {"max", -2.0f}});
  r.input("in", wobble);
  EXPECT_EQ(r.run(512).output(0), y);
}
