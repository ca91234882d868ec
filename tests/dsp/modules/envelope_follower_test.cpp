#include "mvm/dsp/modules/envelope_follower.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(EnvelopeFollower, PeakModeTracksAmplitude) {
  ModuleHarness h(builtinModules(), "EnvelopeFollower", {{"attack", 0.0005f}, {"release", 0.5f}});
  h.input("in", sineSource(200.0, 0.5));
  const auto y = h.run(48000).output(0);
  EXPECT_NEAR(mean(y, 24000), 0.5, 0.01);
  EXPECT_LT(peak(y, 24000), 0.5001);
}

TEST(EnvelopeFollower, RmsModeGivesRms) {
  ModuleHarness h(builtinModules(), "EnvelopeFollower", {{"attack", 0.2f}, {"release", 0.2f}, {"mode", 1.0f}});
  h.input("in", sineSource(200.0, 0.5));
  const auto y = h.run(96000).output(0);
  EXPECT_NEAR(mean(y, 48000), 0.5 / std::sqrt(2.0), 0.005);
}

TEST(EnvelopeFollower, AttackAndReleaseTimeConstants) {
  ModuleHarness h(builtinModules(), "EnvelopeFollower", {{"attack", 0.01f}, {"release", 0.05f}});
  h.input("in", [](int, std::uint64_t n) { return n < 24000 ? 1.0f : 0.0f; }); // DC step up then down
  const auto y = h.run(48000).output(0);
  EXPECT_NEAR(y[479], 1.0 - std::exp(-1.0), 0.002); // 63 % after `attack`
  EXPECT_NEAR(y[24000 + 2399], std::exp(-1.0), 0.002); // 37 % left after `release`
  EXPECT_NEAR(y[24000 + 4799], std::exp(-2.0), 0.002);
}

TEST(EnvelopeFollower, PolyphonyAndStateCarryOver) {
  auto src = [](int c, std::uint64_t n) { return (c + 1) * 0.3f * static_cast<float>(std::sin(2.0 * M_PI * 100.0 * static_cast<double>(n) / 48000.0)); };
  ModuleHarness whole(builtinModules(), "EnvelopeFollower", {{"attack", 0.001f}, {"release", 0.3f}});
  whole.input("in", src, 2);
  const auto ref = whole.run(9600);
  EXPECT_NEAR(mean(ref.output(0, 0), 4800), 0.3, 0.01);
  EXPECT_NEAR(mean(ref.output(0, 1), 4800), 0.6, 0.02);
  ModuleHarness first(builtinModules(), "EnvelopeFollower", {{"attack", 0.001f}, {"release", 0.3f}});
  first.input("in", src, 2);
  first.run(4800);
  ModuleHarness second(builtinModules(), "EnvelopeFollower", {{"attack", 0.001f}, {"release", 0.3f}});
  second.input("in", [src](int c, std::uint64_t n) { return src(c, n + 4800); }, 2);
  second.module().copyStateFrom(first.module());
  const auto rest = second.run(4800);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 4800; ++i) ASSERT_EQ(rest.output(0, c)[i], ref.output(0, c)[4800 + i]);
}
