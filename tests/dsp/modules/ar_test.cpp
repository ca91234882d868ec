#include "mvm/dsp/modules/ar.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(AR, FollowsGateWithExactStageLengths) {
  ModuleHarness h(builtinModules(), "AR", {{"attack", 0.01f}, {"release", 0.02f}}); // 480 and 960 samples
  h.input("gate", [](int, std::uint64_t n) { return n >= 100 && n < 2000 ? 1.0f : 0.0f; });
  const auto env = h.run(4000).output(0);
  EXPECT_EQ(env[99], 0.0f);
  EXPECT_FLOAT_EQ(env[100], 1.0f / 480.0f);
  EXPECT_LT(env[578], 1.0f);
  EXPECT_EQ(env[579], 1.0f);
  for (std::size_t i = 579; i < 2000; ++i) ASSERT_EQ(env[i], 1.0f) << i; // holds while high
  EXPECT_FLOAT_EQ(env[2000], 1.0f - 1.0f / 960.0f);                     // release starts on the falling sample
  EXPECT_FLOAT_EQ(env[2000 + 479], 0.5f);
  EXPECT_GT(env[2000 + 958], 0.0f);
  EXPECT_EQ(env[2000 + 959], 0.0f);
  for (std::size_t i = 2959; i < env.size(); ++i) ASSERT_EQ(env[i], 0.0f);
}

TEST(AR, EarlyReleaseStartsFromCurrentLevel) {
  ModuleHarness h(builtinModules(), "AR", {{"attack", 0.01f}, {"release", 0.01f}});
  h.input("gate", [](int, std::uint64_t n) { return n < 240 ? 1.0f : 0.0f; });
  const auto env = h.run(1000).output(0);
  EXPECT_NEAR(env[239], 0.5f, 1e-6f);
  EXPECT_NEAR(env[240], 0.5f * (1.0f - 1.0f / 480.0f), 1e-6f); // release takes the full release time from 0.5
  EXPECT_NEAR(env[240 + 239], 0.25f, 1e-6f);
  EXPECT_GT(env[240 + 478], 0.0f);
  EXPECT_EQ(env[240 + 479], 0.0f);
}

TEST(AR, ReattackDuringReleaseIsProportional) {
  ModuleHarness h(builtinModules(), "AR", {{"attack", 0.01f}, {"release", 0.01f}});
  h.input("gate", [](int, std::uint64_t n) { return n < 480 || n >= 720 ? 1.0f : 0.0f; });
  const auto env = h.run(1200).output(0);
  EXPECT_NEAR(env[719], 0.5f, 1e-6f);
  EXPECT_LT(env[720 + 238], 1.0f);
  EXPECT_EQ(env[720 + 239], 1.0f);
}

TEST(AR, PolyphonyAndStateCarryOver) {
  auto gate = [](int c, std::uint64_t n) { return n >= static_cast<std::uint64_t>(c * 100) && n < 600 ? 1.0f : 0.0f; };
  ModuleHarness whole(builtinModules(), "AR", {{"attack", 0.005f}, {"release", 0.005f}});
  whole.input("gate", gate, 2);
  const auto ref = whole.run(1024);
  EXPECT_EQ(ref.output(0, 0)[239], 1.0f);
  EXPECT_LT(ref.output(0, 1)[239], 1.0f);
  EXPECT_EQ(ref.output(0, 1)[339], 1.0f);
  ModuleHarness first(builtinModules(), "AR", {{"attack", 0.005f}, {"release", 0.005f}});
  first.input("gate", gate, 2);
  first.run(576);
  ModuleHarness second(builtinModules(), "AR", {{"attack", 0.005f}, {"release", 0.005f}});
  second.input("gate", [gate](int c, std::uint64_t n) { return gate(c, n + 576); }, 2);
  second.module().copyStateFrom(first.module());
  const auto rest = second.run(448);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 448; ++i) ASSERT_EQ(rest.output(0, c)[i], ref.output(0, c)[576 + i]);
}
