#include "mvm/dsp/modules/ad.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

namespace {
ModuleHarness::Source pulseAt(std::uint64_t at, std::uint64_t len = 10) {
  return [at, len](int, std::uint64_t n) { return n >= at && n < at + len ? 1.0f : 0.0f; };
}
} // namespace

TEST(AD, StageLengthsExactToTheSample) {
  ModuleHarness h(builtinModules(), "AD", {{"attack", 0.01f}, {"decay", 0.02f}}); // 480 and 960 samples
  h.input("trig", pulseAt(100));
  const auto y = h.run(4000);
  const auto& env = y.output(0);
  const auto& eoc = y.output(1);
  EXPECT_EQ(env[99], 0.0f);
  EXPECT_FLOAT_EQ(env[100], 1.0f / 480.0f);
  EXPECT_LT(env[100 + 478], 1.0f);
  EXPECT_EQ(env[100 + 479], 1.0f);
  EXPECT_FLOAT_EQ(env[100 + 479 + 480], 0.5f); // half way down the decay
  EXPECT_GT(env[100 + 480 + 958], 0.0f);
  EXPECT_EQ(env[100 + 480 + 959], 0.0f);
  // eoc: 1 ms (48 samples) from the sample the decay reaches 0, exactly 0/1
  for (std::size_t i = 0; i < eoc.size(); ++i) {
    const bool expected = i >= 100 + 1439 && i < 100 + 1439 + 48;
    EXPECT_EQ(eoc[i], expected ? 1.0f : 0.0f) << i;
  }
  // linear ramps
  for (int n = 1; n < 480; ++n) EXPECT_NEAR(env[static_cast<std::size_t>(99 + n)], n / 480.0f, 1e-6f);
  for (std::size_t i = 100 + 1440; i < env.size(); ++i) EXPECT_EQ(env[i], 0.0f);
}

TEST(AD, LoopCyclesWithExactPeriod) {
  for (float curve : {0.0f, 1.0f}) { // linear and exponential: the same stage lengths
    ModuleHarness h(builtinModules(), "AD", {{"attack", 0.001f}, {"decay", 0.002f}, {"loop", 1.0f}, {"curve", curve}}); // 48 + 96 samples
    const auto y = h.run(48 * 144);
    const auto& env = y.output(0);
    const auto& eoc = y.output(1);
    std::vector<std::size_t> peaks, cycleEnds;
    for (std::size_t i = 0; i < env.size(); ++i) {
      if (env[i] == 1.0f) peaks.push_back(i);
      if (eoc[i] == 1.0f && (i == 0 || eoc[i - 1] == 0.0f)) cycleEnds.push_back(i);
    }
    ASSERT_GT(peaks.size(), 40u) << curve;
    for (std::size_t k = 1; k < peaks.size(); ++k) EXPECT_EQ(peaks[k] - peaks[k - 1], 144u) << curve;
    ASSERT_GT(cycleEnds.size(), 40u) << curve;
    for (std::size_t k = 1; k < cycleEnds.size(); ++k) EXPECT_EQ(cycleEnds[k] - cycleEnds[k - 1], 144u) << curve;
    EXPECT_EQ(peaks[0], 47u) << curve;
    EXPECT_EQ(cycleEnds[0], 143u) << curve;
    EXPECT_EQ(env[143], 0.0f) << curve; // the decay lands on 0 on its 96th frame
  }
}

TEST(AD, RetriggerRestartsAttackFromCurrentLevel) {
  ModuleHarness h(builtinModules(), "AD", {{"attack", 0.01f}, {"decay", 0.01f}});
  h.input("trig", [](int, std::uint64_t n) { return n < 5 || (n >= 720 && n < 725) ? 1.0f : 0.0f; });
  const auto env = h.run(2000).output(0);
  // at frame 719 the decay is half way (level 0.5): the new attack takes 240 samples to reach 1
  EXPECT_NEAR(env[719], 0.5f, 1e-6f);
  EXPECT_LT(env[720 + 238], 1.0f);
  EXPECT_EQ(env[720 + 239], 1.0f);
}

TEST(AD, PolyphonicChannelsIndependent) {
  ModuleHarness h(builtinModules(), "AD", {{"attack", 0.001f}, {"decay", 0.001f}});
  h.input("trig", [](int c, std::uint64_t n) { return n >= static_cast<std::uint64_t>(c * 200) && n < static_cast<std::uint64_t>(c * 200 + 4) ? 1.0f : 0.0f; }, 2);
  const auto y = h.run(1000);
  EXPECT_EQ(y.output(0, 0)[47], 1.0f);
  EXPECT_EQ(y.output(0, 1)[47], 0.0f);
  EXPECT_EQ(y.output(0, 1)[247], 1.0f);
}

TEST(AD, CopyStateContinuesTheEnvelope) {
  auto trig = pulseAt(10);
  ModuleHarness whole(builtinModules(), "AD", {{"attack", 0.01f}, {"decay", 0.01f}});
  whole.input("trig", trig);
  const auto ref = whole.run(1280).output(0);
  ModuleHarness first(builtinModules(), "AD", {{"attack", 0.01f}, {"decay", 0.01f}});
  first.input("trig", trig);
  first.run(640);
  ModuleHarness second(builtinModules(), "AD", {{"attack", 0.01f}, {"decay", 0.01f}});
  second.input("trig", [trig](int c, std::uint64_t n) { return trig(c, n + 640); });
  second.module().copyStateFrom(first.module());
  const auto rest = second.run(640).output(0);
  for (std::size_t i = 0; i < 640; ++i) EXPECT_EQ(rest[i], ref[640 + i]) << i;
}

TEST(AD, FastLoopStillPulsesEocEveryCycle) {
  ModuleHarness h(builtinModules(), "AD", {{"attack", 0.0f}, {"decay", 10.0f / 48000.0f}, {"loop", 1.0f}}); // 1 + 10 samples
  const auto eoc = h.run(1100).output(1);
  std::vector<std::size_t> rises, falls;
  for (std::size_t i = 1; i < eoc.size(); ++i) {
    ASSERT_TRUE(eoc[i] == 0.0f || eoc[i] == 1.0f);
    if (eoc[i] == 1.0f && eoc[i - 1] == 0.0f) rises.push_back(i);
    if (eoc[i] == 0.0f && eoc[i - 1] == 1.0f) falls.push_back(i);
  }
  ASSERT_GT(rises.size(), 90u);
  EXPECT_EQ(rises[0], 10u);
  for (std::size_t k = 1; k < rises.size(); ++k) EXPECT_EQ(rises[k] - rises[k - 1], 11u);
  for (std::size_t k = 0; k < falls.size(); ++k) EXPECT_EQ(falls[k] - rises[k], 5u); // half the cycle
}

TEST(AD, ExponentialStagesFollowTheirFormula) {
  ModuleHarness h(builtinModules(), "AD", {{"attack", 0.001f}, {"decay", 0.002f}, {"curve", 1.0f}}); // 48 + 96 samples
  h.input("trig", pulseAt(0));
  const auto env = h.run(256).output(0);
  // the attack toward 1.5 (b = 3), the decay toward -1/1023 (b = 1024), monotonic, each on its exact frames
  for (int n = 1; n < 48; ++n) EXPECT_NEAR(env[static_cast<std::size_t>(n - 1)], 1.5 * (1.0 - std::pow(3.0, -n / 48.0)), 1e-6) << n;
  EXPECT_EQ(env[47], 1.0f);
  for (int n = 1; n < 96; ++n)
    EXPECT_NEAR(env[static_cast<std::size_t>(47 + n)], 1.0 - (1.0 - std::pow(1024.0, -n / 96.0)) * 1024.0 / 1023.0, 1e-6) << n;
  EXPECT_GT(env[142], 0.0f);
  EXPECT_EQ(env[143], 0.0f);
  for (std::size_t i = 0; i < 47; ++i) ASSERT_LT(env[i], env[i + 1]) << i;
  for (std::size_t i = 47; i < 143; ++i) ASSERT_GT(env[i], env[i + 1]) << i;
}
