// live/overload_policy.h, and the policy at work inside mvm-live's audio callback: the callback is
// driven as RtAudio would drive it, with a clock the test controls (no wall-clock timing), so
// "over budget" is exact.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "audio_callback.h"
#include "mvm/mvm.h"
#include "overload_policy.h"
#include "rt_probe.h"

using namespace mvm;
using mvm::live::AudioState;
using mvm::live::audioCallback;
using mvm::live::CallbackMetrics;
using mvm::live::OverloadConfig;
using mvm::live::OverloadMode;
using mvm::live::OverloadPolicy;

namespace {

OverloadConfig config(OverloadMode mode = OverloadMode::StealVoices) {
  OverloadConfig c;
  c.mode = mode;
  c.voices = 3;
  c.overBlocks = 4;
  c.recoverPercent = 60;
  c.recoverBlocks = 10;
  return c;
}

// The callback's clock: each call returns the previous value plus the next step. The callback
// reads it twice (start, end), so a step pair (gap, duration) sets each callback's load exactly.
std::uint64_t gNowNs = 0;
std::uint64_t gDurationNs = 0;
bool gAtStart = true;
std::uint64_t fakeClock() noexcept {
  if (gAtStart) gNowNs += 10'000'000; // the next callback starts 10 ms later
  else gNowNs += gDurationNs;
  gAtStart = !gAtStart;
  return gNowNs;
}

} // namespace

TEST(OverloadPolicy, EngagesAfterSeveralCallbacksInARowOverBudgetOnly) {
  OverloadPolicy p(config());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(p.update(150), 0); // three in a row: not yet
  EXPECT_EQ(p.update(50), 0);                               // the run is broken
  for (int i = 0; i < 3; ++i) EXPECT_EQ(p.update(101), 0);
  EXPECT_FALSE(p.engaged());
  EXPECT_EQ(p.update(101), 3); // the fourth in a row
  EXPECT_TRUE(p.engaged());
  EXPECT_EQ(p.engagements(), 1u);
  for (int i = 0; i < 20; ++i) p.update(200); // staying overloaded is one engagement
  EXPECT_EQ(p.engagements(), 1u);
}

TEST(OverloadPolicy, RecoversAfterEnoughCallbacksInARowUnderTheRecoveryLoad) {
  OverloadPolicy p(config());
  for (int i = 0; i < 4; ++i) p.update(120);
  ASSERT_TRUE(p.engaged());
  for (int i = 0; i < 9; ++i) EXPECT_EQ(p.update(30), 3);
  EXPECT_EQ(p.update(80), 3); // within budget but above 60 %: the recovery run starts again
  for (int i = 0; i < 9; ++i) EXPECT_EQ(p.update(30), 3);
  EXPECT_EQ(p.update(30), 0); // the tenth in a row
  EXPECT_FALSE(p.engaged());
  EXPECT_EQ(p.recoveries(), 1u);
  for (int i = 0; i < 4; ++i) p.update(120); // and it can engage again
  EXPECT_EQ(p.engagements(), 2u);
}

TEST(OverloadPolicy, NoneReportsButNeverLimits) {
  OverloadPolicy p(config(OverloadMode::None));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(p.update(300), 0);
  EXPECT_TRUE(p.engaged());
  EXPECT_EQ(p.engagements(), 1u);
}

TEST(OverloadPolicy, ParsesItsNames) {
  OverloadMode m{};
  EXPECT_TRUE(mvm::live::parseOverloadMode("none", m));
  EXPECT_EQ(m, OverloadMode::None);
  EXPECT_TRUE(mvm::live::parseOverloadMode("steal-voices", m));
  EXPECT_EQ(m, OverloadMode::StealVoices);
  EXPECT_FALSE(mvm::live::parseOverloadMode("steal", m));
}

// Eight held notes; the callback runs over budget: after four callbacks the VM's voice limit is 3
// and the oldest five notes are released; the output stays finite and within [-1, 1]; when the
// load drops, the limit is lifted and new notes get voices again. Nothing allocates.
TEST(OverloadPolicy, InTheCallbackStealsTheOldestVoicesAndLiftsTheLimitWhenLoadDrops) {
  VMConfig vc;
  VM vm(vc);
  CompileOptions co;
  vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromFile(std::string(MVM_SOURCE_DIR) + "/patches/poly-subtractive.json"), co));
  CallbackMetrics metrics(48000);
  OverloadPolicy policy(config());
  AudioState state{&vm, &metrics, 2};
  state.overload = &policy;
  state.clock = &fakeClock;
  const unsigned frames = 480; // 10 ms at 48 kHz: the budget
  std::vector<float> buffer(2 * frames);
  auto run = [&](int callbacks, double loadPercent) {
    gDurationNs = static_cast<std::uint64_t>(loadPercent / 100.0 * 10'000'000);
    for (int i = 0; i < callbacks; ++i) {
      AudioThreadScope audio;
      audioCallback(buffer.data(), nullptr, frames, 0.0, 0, &state);
      for (float x : buffer) ASSERT_TRUE(std::isfinite(x) && std::fabs(x) <= 1.0f) << x;
    }
  };
  auto note = [&](int key, bool on) {
    Event e;
    e.frame = kFrameNow;
    e.type = on ? EventType::NoteOn : EventType::NoteOff;
    e.key = static_cast<std::uint8_t>(key);
    e.value = on ? 0.8f : 0.0f;
    ASSERT_TRUE(vm.postEvent(e));
  };
  auto* keys = dynamic_cast<modules::VoiceController*>(vm.program()->module("keys"));
  ASSERT_NE(keys, nullptr);

  mvm::test::resetRtCounts();
  for (int k = 0; k < 8; ++k) {
    note(60 + k, true);
    run(1, 20); // one note per callback: their order is their age
  }
  EXPECT_EQ(vm.counters().activeVoices.load(), 8);

  run(3, 150);
  EXPECT_EQ(vm.voiceLimit(), 0) << "three callbacks over budget are not an overload";
  run(1, 150);
  EXPECT_EQ(vm.voiceLimit(), 3);
  EXPECT_EQ(policy.engagements(), 1u);
  run(1, 150); // the limit applies from the next block on
  EXPECT_EQ(vm.counters().activeVoices.load(), 3);
  EXPECT_EQ(keys->activeVoices(), 3);
  std::vector<int> held;
  for (int v = 0; v < 8; ++v)
    if (keys->voiceHeld(v)) held.push_back(keys->voiceNote(v));
  std::sort(held.begin(), held.end());
  EXPECT_EQ(held, (std::vector<int>{65, 66, 67})) << "the newest three notes keep their voices";

  note(72, true); // a new note while limited: it plays, the oldest held one goes
  run(1, 150);
  EXPECT_EQ(keys->activeVoices(), 3);
  EXPECT_FALSE([&] { for (int v = 0; v < 8; ++v) if (keys->voiceHeld(v) && keys->voiceNote(v) == 65) return true; return false; }());

  run(10, 30); // load drops for the recovery run: the limit is lifted
  EXPECT_EQ(vm.voiceLimit(), 0);
  EXPECT_EQ(policy.recoveries(), 1u);
  for (int k = 0; k < 4; ++k) note(40 + k, true);
  run(2, 30);
  EXPECT_EQ(vm.counters().activeVoices.load(), 7);
  EXPECT_EQ(mvm::test::rtCounts().allocations, 0u);
  EXPECT_EQ(mvm::test::rtCounts().deallocations, 0u);
  EXPECT_EQ(metrics.overBudget(), 6u);
}
