#include "mvm/dsp/modules/delay.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;

namespace {

ModuleHarness::Source impulse(std::uint64_t at, float amp = 1.0f) {
  return [at, amp](int, std::uint64_t n) { return n == at ? amp : 0.0f; };
}

std::vector<std::size_t> nonzero(const std::vector<float>& x, float threshold = 1e-9f) {
  std::vector<std::size_t> r;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::fabs(x[i]) > threshold) r.push_back(i);
  return r;
}

} // namespace

TEST(Delay, TimeIsExactToTheSample) {
  for (float t : {0.01f, 0.0125f, 0.25f, 1.0f / 3.0f}) {
    ModuleHarness h(builtinModules(), "Delay", {{"time", t}, {"feedback", 0.0f}, {"mix", 1.0f}});
    h.input("in", impulse(100));
    auto y = h.run(20000).output(0);
    const auto hits = nonzero(y);
    ASSERT_EQ(hits.size(), 1u) << t;
    EXPECT_EQ(hits[0], 100u + static_cast<std::size_t>(std::lround(t * 48000.0))) << t;
    EXPECT_FLOAT_EQ(y[hits[0]], 1.0f);
  }
}

TEST(Delay, FeedbackDecaysByTheFeedbackPerRepeat) {
  const float fb = 0.6f, a = 0.01f;
  ModuleHarness h(builtinModules(), "Delay", {{"time", 0.01f}, {"feedback", fb}, {"mix", 1.0f}});
  h.input("in", impulse(0, a));
  auto y = h.run(48000 / 100 * 8).output(0);
  float prev = y[480];
  EXPECT_FLOAT_EQ(prev, a);
  for (int k = 2; k <= 6; ++k) {
    const float v = y[static_cast<std::size_t>(480 * k)];
    EXPECT_NEAR(v / prev, fb, 1e-3) << "repeat " << k; // tanh is ~linear at this level
    prev = v;
  }
  // nothing between the repeats
  EXPECT_EQ(y[481], 0.0f);
  EXPECT_EQ(y[959], 0.0f);
}

TEST(Delay, NegativeFeedbackAlternatesSign) {
  ModuleHarness h(builtinModules(), "Delay", {{"time", 0.005f}, {"feedback", -0.5f}, {"mix", 1.0f}});
  h.input("in", impulse(0, 0.01f));
  auto y = h.run(1200).output(0);
  EXPECT_GT(y[240], 0.0f);
  EXPECT_LT(y[480], 0.0f);
  EXPECT_GT(y[720], 0.0f);
}

TEST(Delay, FeedbackIsBoundedBySaturation) {
  ModuleHarness h(builtinModules(), "Delay", {{"time", 0.001f}, {"feedback", 0.99f}, {"mix", 1.0f}});
  h.input("in", [](int, std::uint64_t n) { return std::sin(static_cast<double>(n) * 0.05) > 0 ? 10.0f : -10.0f; });
  auto y = h.run(48000).output(0);
  EXPECT_LT(mvm::test::peak(y), 11.01);
}

TEST(Delay, ToneLowPassesTheRepeatsButKeepsTheirSum) {
  ModuleHarness h(builtinModules(), "Delay", {{"time", 0.01f}, {"feedback", 0.5f}, {"tone", 1000.0f}, {"mix", 1.0f}});
  h.input("in", impulse(0, 0.01f));
  auto y = h.run(2000).output(0);
  // first repeat untouched (the filter is in the feedback path), second one smeared
  EXPECT_FLOAT_EQ(y[480], 0.01f);
  EXPECT_LT(y[960], 0.5f * 0.01f * 0.3f);
  double sum = 0;
  for (std::size_t i = 950; i < 1440; ++i) sum += y[i];
  EXPECT_NEAR(sum, 0.005, 0.005 * 0.02); // DC gain of the one-pole is 1
}

TEST(Delay, ModulatedTimeInterpolates) {
  // time halfway between two samples gives the average of the two neighbours
  ModuleHarness h(builtinModules(), "Delay", {{"time", 100.5f / 48000.0f}, {"feedback", 0.0f}, {"mix", 1.0f}});
  h.input("in", impulse(10));
  auto y = h.run(400).output(0);
  EXPECT_NEAR(y[110], 0.5f, 1e-3);
  EXPECT_NEAR(y[111], 0.5f, 1e-3);
}

TEST(Delay, MixBlendsDryAndWet) {
  ModuleHarness h(builtinModules(), "Delay", {{"time", 0.001f}, {"feedback", 0.0f}, {"mix", 0.25f}});
  h.input("in", impulse(0));
  auto y = h.run(128).output(0);
  EXPECT_FLOAT_EQ(y[0], 0.75f);
  EXPECT_FLOAT_EQ(y[48], 0.25f);
}

TEST(Delay, PolyphonicChannelsAreIndependent) {
  ModuleHarness h(builtinModules(), "Delay", {{"time", 0.001f}, {"feedback", 0.0f}, {"mix", 1.0f}});
  h.input("in", [](int c, std::uint64_t n) { return n == static_cast<std::uint64_t>(c * 10) ? 1.0f : 0.0f; }, 2);
  auto out = h.run(256);
  EXPECT_EQ(out.output(0, 0)[48], 1.0f);
  EXPECT_EQ(out.output(0, 1)[58], 1.0f);
  EXPECT_EQ(out.output(0, 1)[48], 0.0f);
}

TEST(Delay, StateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "Delay", {{"time", 0.01f}, {"feedback", 0.0f}, {"mix", 1.0f}});
  a.input("in", impulse(100));
  a.run(256);
  ModuleHarness b(builtinModules(), "Delay", {{"time", 0.01f}, {"feedback", 0.0f}, {"mix", 1.0f}});
  b.module().copyStateFrom(a.module());
  auto y = b.run(1024).output(0);
  // the impulse written at frame 100 of `a` comes out 480 samples later, i.e. frame 324 of `b`
  EXPECT_EQ(y[580 - 256], 1.0f);
}

TEST(PingPongDelay, MonoInputBouncesLeftRightLeft) {
  const float a = 0.01f, fb = 0.5f;
  ModuleHarness h(builtinModules(), "PingPongDelay", {{"time", 0.01f}, {"feedback", fb}, {"mix", 1.0f}});
  h.input("left", impulse(0, a));
  auto out = h.run(2048);
  const auto& l = out.output(0);
  const auto& r = out.output(1);
  EXPECT_FLOAT_EQ(l[480], a);
  EXPECT_EQ(r[480], 0.0f);
  EXPECT_NEAR(r[960], a * fb, 1e-5);
  EXPECT_EQ(l[960], 0.0f);
  EXPECT_NEAR(l[1440], a * fb * fb, 1e-5);
  EXPECT_EQ(r[1440], 0.0f);
  EXPECT_EQ(nonzero(l).size(), 2u);
  EXPECT_EQ(nonzero(r).size(), 2u); // 960 and 1920
}

TEST(PingPongDelay, StereoInputCrosses) {
  ModuleHarness h(builtinModules(), "PingPongDelay", {{"time", 0.005f}, {"feedback", 0.5f}, {"mix", 1.0f}});
  h.input("left", impulse(0, 0.01f));
  h.input("right", impulse(0, 0.02f));
  auto out = h.run(1024);
  EXPECT_FLOAT_EQ(out.output(0)[240], 0.01f);
  EXPECT_FLOAT_EQ(out.output(1)[240], 0.02f);
  EXPECT_NEAR(out.output(0)[480], 0.01f, 1e-5); // right's repeat crossed to the left
  EXPECT_NEAR(out.output(1)[480], 0.005f, 1e-5);
}

TEST(Delay, Deterministic) {
  auto render = [] {
    ModuleHarness h(builtinModules(), "Delay", {{"time", 0.02f}, {"feedback", 0.7f}, {"tone", 3000.0f}});
    h.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.01 * static_cast<double>(n))); });
    h.modulate("time", [](int, std::uint64_t n) { return 0.005f * static_cast<float>(std::sin(0.001 * static_cast<double>(n))); });
    return h.run(20000).output(0);
  };
  EXPECT_EQ(render(), render());
}
