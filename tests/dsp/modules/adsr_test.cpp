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

namespace {
// s(t) of the exponential curve (dsp/segment_envelope.h): b = 3 for an attack, 1024 for a decay or release.
double expShape(double t, double b) { return (1.0 - std::pow(b, -t)) / (1.0 - 1.0 / b); }
} // namespace

TEST(ADSR, ExponentialStagesLandOnTheirTargetsOnTheExactFrames) {
  // the linear test's stages with curve = exponential: 480, 960 and 240 frames
  ModuleHarness h(builtinModules(), "ADSR",
                  {{"attack", 0.01f}, {"decay", 0.02f}, {"sustain", 0.25f}, {"release", 0.005f}, {"curve", 1.0f}});
  h.input("gate", gate(100, 3000));
  const auto env = h.run(4000).output(0);
  EXPECT_EQ(env[99], 0.0f);
  EXPECT_LT(env[100 + 478], 1.0f);
  EXPECT_EQ(env[100 + 479], 1.0f);
  EXPECT_GT(env[100 + 479 + 959], 0.25f);
  EXPECT_EQ(env[100 + 479 + 960], 0.25f);
  EXPECT_EQ(env[2999], 0.25f);
  EXPECT_GT(env[3000 + 238], 0.0f);
  EXPECT_EQ(env[3000 + 239], 0.0f);
  EXPECT_EQ(env[3999], 0.0f);
  // monotonic stage by stage
  for (std::size_t i = 100; i < 579; ++i) ASSERT_LE(env[i], env[i + 1]) << i;
  for (std::size_t i = 579; i < 1539; ++i) ASSERT_GE(env[i], env[i + 1]) << i;
  for (std::size_t i = 3000; i < 3239; ++i) ASSERT_GE(env[i], env[i + 1]) << i;
  // the formula, frame n of a stage of length L at t = n / L
  for (int n : {1, 48, 160, 240, 400, 479}) // attack: toward 1.5 with time constant L / ln 3
    EXPECT_NEAR(env[static_cast<std::size_t>(99 + n)], expShape(n / 480.0, 3.0), 1e-6) << n;
  EXPECT_NEAR(env[99 + 240], 1.5 * (1.0 - 1.0 / std::sqrt(3.0)), 1e-6); // half way in time: 0.634
  for (int n : {1, 96, 480, 900, 959}) // decay: from 1 toward 0.25
    EXPECT_NEAR(env[static_cast<std::size_t>(579 + n)], 1.0 - 0.75 * expShape(n / 960.0, 1024.0), 1e-6) << n;
  EXPECT_NEAR(env[579 + 96], 0.25 + 0.75 * (std::pow(2.0, -1.0) - 1.0 / 1024) * 1024 / 1023, 1e-6); // a tenth of the way: half the span gone
  for (int n : {1, 24, 120, 239}) // release: from 0.25 toward 0
    EXPECT_NEAR(env[static_cast<std::size_t>(2999 + n)], 0.25 * (1.0 - expShape(n / 240.0, 1024.0)), 1e-7) << n;
}

TEST(ADSR, ExponentialRunsGiveTheBitsOfFrameByFrameSteps) {
  // ADSR's ramps run four frames at a time (mapFrames); AD steps frame by frame: with sustain 0
  // and a gate held high, both are the same attack and decay, to the bit, whatever the block cut.
  for (const auto& [attack, decay] : {std::pair{0.01f, 0.02f}, std::pair{0.0013f, 0.0371f}, std::pair{0.5f, 0.25f}}) {
    ModuleHarness adsr(builtinModules(), "ADSR", {{"attack", attack}, {"decay", decay}, {"sustain", 0.0f}, {"curve", 1.0f}});
    adsr.input("gate", gate(37, 1u << 30));
    ModuleHarness ad(builtinModules(), "AD", {{"attack", attack}, {"decay", decay}, {"curve", 1.0f}});
    ad.input("trig", gate(37, 40));
    const std::uint64_t frames = static_cast<std::uint64_t>((attack + decay) * 48000.0f) + 200;
    const auto a = adsr.run(frames).output(0), b = ad.run(frames).output(0);
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << attack << " " << decay << " frame " << i;
  }
}

TEST(ADSR, ZeroLengthStagesLastOneFrame) {
  for (float curve : {0.0f, 1.0f}) {
    ModuleHarness h(builtinModules(), "ADSR", {{"attack", 0.0f}, {"decay", 0.0f}, {"sustain", 0.5f}, {"release", 0.0f}, {"curve", curve}});
    h.input("gate", gate(100, 200));
    const auto env = h.run(256).output(0);
    EXPECT_EQ(env[99], 0.0f) << curve;
    EXPECT_EQ(env[100], 1.0f) << curve; // the attack's one frame
    EXPECT_EQ(env[101], 0.5f) << curve; // the decay's
    EXPECT_EQ(env[199], 0.5f) << curve;
    EXPECT_EQ(env[200], 0.0f) << curve; // the release's
  }
}

TEST(ADSR, CurveIsLatchedAtEachStageStart) {
  // switched to exponential in the middle of a linear attack: the attack stays linear, the decay
  // that follows is exponential
  ModuleHarness h(builtinModules(), "ADSR", {{"attack", 0.01f}, {"decay", 0.01f}, {"sustain", 0.0f}});
  h.input("gate", gate(0, 1u << 30));
  h.set("curve", 1.0f, 100);
  const auto env = h.run(1024).output(0);
  EXPECT_FLOAT_EQ(env[300], 301.0f / 480.0f);
  EXPECT_EQ(env[479], 1.0f);
  EXPECT_NEAR(env[479 + 48], 1.0 - expShape(0.1, 1024.0), 1e-6);
}
