#include "mvm/dsp/modules/adsr.h"

#include <gtest/gtest.h>

#include "module_harness.h"

using namespace mvm;
using test::ModuleHarness;

namespace {
// Gate high on [on, off).
ModuleHarness::Source gate(std::uint64_t on, std::uint64_t off) {
  return [=](int, std::uint64_t n) { return n >= on && n < off ? 1.0f : 0.0f; };
}
} // namespace

TEST(ADSR, StageTimesAreExactToTheSample) {
  // 10 ms attack = 480 frames, 20 ms decay = 960, release 5 ms = 240 at 48 kHz.
  ModuleHarness h(builtinModules(), "ADSR", {{"attack", 0.01f}, {"decay", 0.02f}, {"sustain", 0.25f}, {"release", 0.005f}});
  h.input("gate", gate(100, 3000));
  const auto env = h.run(4000).output(0);
  EXPECT_EQ(env[99], 0.0f);
  EXPECT_FLOAT_EQ(env[100], 1.0f / 480.0f);          // the first attack frame
  EXPECT_LT(env[100 + 478], 1.0f);
  EXPECT_EQ(env[100 + 479], 1.0f);                   // peak on the attack's 480th frame
  EXPECT_GT(env[100 + 479 + 959], 0.25f);
  EXPECT_EQ(env[100 + 479 + 960], 0.25f);            // sustain after exactly 960 decay frames
  EXPECT_EQ(env[2999], 0.25f);
  EXPECT_FLOAT_EQ(env[3000], 0.25f * (1.0f - 1.0f / 240.0f));
  EXPECT_GT(env[3000 + 238], 0.0f);
  EXPECT_EQ(env[3000 + 239], 0.0f);                  // silent after exactly 240 release frames
  EXPECT_EQ(env[3999], 0.0f);
}

TEST(ADSR, ReleaseDuringAttackStartsFromTheCurrentLevel) {
  ModuleHarness h(builtinModules(), "ADSR", {{"attack", 0.01f}, {"release", 0.01f}});
  h.input("gate", gate(0, 240));
  const auto env = h.run(1024).output(0);
  EXPECT_NEAR(env[239], 0.5f, 1e-5f);
  EXPECT_LT(env[240], env[239]);
  EXPECT_EQ(env[240 + 479], 0.0f);
}

TEST(ADSR, RetriggerRisesFromTheCurrentLevelAtTheSameSlope) {
  ModuleHarness h(builtinModules(), "ADSR", {{"attack", 0.01f}, {"decay", 0.01f}, {"sustain", 0.5f}, {"release", 1.0f}});
  h.input("gate", [](int, std::uint64_t n) { return (n < 2000 || n >= 2100) ? 1.0f : 0.0f; });
  const auto env = h.run(4096).output(0);
  const float from = env[2099];
  EXPECT_GT(from, 0.45f);
  // From ~0.5 the attack needs ~half of its 480 frames.
  const auto frames = static_cast<std::size_t>(std::lround((1.0f - from) * 0.01f * 48000.0f));
  EXPECT_EQ(env[2100 + frames - 1], 1.0f);
  EXPECT_LT(env[2100 + frames - 2], 1.0f);
}

TEST(ADSR, ChannelsAreIndependent) {
  ModuleHarness h(builtinModules(), "ADSR", {{"attack", 0.001f}, {"decay", 0.001f}, {"sustain", 0.8f}});
  h.input("gate", [](int c, std::uint64_t n) { return c == 0 || n >= 1000 ? 1.0f : 0.0f; }, 2);
  const auto out = h.run(2048);
  EXPECT_EQ(out.output(0, 0)[999], 0.8f);
  EXPECT_EQ(out.output(0, 1)[999], 0.0f);
  EXPECT_EQ(out.output(0, 1)[2047], 0.8f);
}

TEST(ADSR, CopyStateFromKeepsStageAndLevel) {
  ModuleHarness a(builtinModules(), "ADSR", {{"attack", 0.01f}, {"decay", 0.1f}, {"sustain", 0.5f}});
  a.input("gate", [](int, std::uint64_t) { return 1.0f; });
  const auto before = a.run(640).output(0);
  ModuleHarness b(builtinModules(), "ADSR", {{"attack", 0.01f}, {"decay", 0.1f}, {"sustain", 0.5f}});
  b.input("gate", [](int, std::uint64_t) { return 1.0f; });
  b.module().copyStateFrom(a.module());
  const auto after = b.run(64).output(0);
  EXPECT_EQ(static_cast<const modules::ADSR&>(b.module()).stage(0), modules::ADSR::Stage::Decay);
  EXPECT_LT(after[0], before.back());           // still decaying, no restart of the attack
  EXPECT_NEAR(after[0], before.back(), 1e-3f);
}
