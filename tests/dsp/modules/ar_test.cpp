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

TEST(AR, ExponentialStagesLandOnTheirTargetsOnTheExactFrames) {
  ModuleHarness h(builtinModules(), "AR", {{"attack", 0.01f}, {"release", 0.01f}, {"curve", 1.0f}}); // 480 and 480 samples
  h.input("gate", [](int, std::uint64_t n) { return n < 240 || (n >= 1000 && n < 3000) ? 1.0f : 0.0f; });
  const auto env = h.run(4000).output(0);
  // an attack cut short at 240 of its 480 frames: 1.5 * (1 - 3^-1/2), then a release from there
  const double s = 1.5 * (1.0 - 1.0 / std::sqrt(3.0));
  EXPECT_NEAR(env[239], s, 1e-6);
  for (int n : {1, 10, 100, 240, 479}) // the release: from * (1 - s(t)), b = 1024
    EXPECT_NEAR(env[static_cast<std::size_t>(239 + n)], s * (1.0 - (1.0 - std::pow(1024.0, -n / 480.0)) * 1024.0 / 1023.0), 1e-6) << n;
  EXPECT_GT(env[240 + 478], 0.0f);
  EXPECT_EQ(env[240 + 479], 0.0f);
  for (std::size_t i = 0; i < 239; ++i) ASSERT_LT(env[i], env[i + 1]) << i;
  for (std::size_t i = 239; i < 719; ++i) ASSERT_GT(env[i], env[i + 1]) << i;
  // a full attack from 0 at 1000: 480 frames to 1, then held
  EXPECT_LT(env[1000 + 478], 1.0f);
  for (std::size_t i = 1000 + 479; i < 3000; ++i) ASSERT_EQ(env[i], 1.0f) << i;
  EXPECT_GT(env[3000 + 478], 0.0f);
  EXPECT_EQ(env[3000 + 479], 0.0f);
}
