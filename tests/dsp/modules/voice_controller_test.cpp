#include "mvm/dsp/modules/voice_controller.h"

#include <gtest/gtest.h>

#include "module_harness.h"

using mvm::Event;
using mvm::EventType;
using mvm::builtinModules;
using mvm::test::ModuleHarness;

namespace {

Event noteOn(std::uint64_t frame, int key, float velocity = 0.8f, int channel = 0) {
  Event e;
  e.frame = frame;
  e.type = EventType::NoteOn;
  e.key = static_cast<std::uint8_t>(key);
  e.value = velocity;
  e.channel = static_cast<std::uint8_t>(channel);
  return e;
}
Event noteOff(std::uint64_t frame, int key) {
  Event e = noteOn(frame, key, 0.0f);
  e.type = EventType::NoteOff;
  return e;
}
float volts(int note) { return static_cast<float>(note - 60) * (1.0f / 12.0f); }

enum { kPitch, kGate, kVelocity };

} // namespace

// ---- poly (the original behaviour) ----

TEST(VoiceController, PolyGateTimingIsExactToTheEventFrame) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 4.0f}});
  h.event(noteOn(10, 60, 0.5f)).event(noteOn(70, 64)).event(noteOff(100, 60)).event(noteOff(130, 64));
  const auto out = h.run(192);
  ASSERT_EQ(out.ports[kGate].size(), 4u);
  const auto& g0 = out.output(kGate, 0);
  const auto& g1 = out.output(kGate, 1);
  for (std::size_t n = 0; n < 192; ++n) {
    ASSERT_EQ(g0[n], (n >= 10 && n < 100) ? 1.0f : 0.0f) << n;
    ASSERT_EQ(g1[n], (n >= 70 && n < 130) ? 1.0f : 0.0f) << n;
  }
  EXPECT_EQ(out.output(kPitch, 0)[50], volts(60));
  EXPECT_EQ(out.output(kPitch, 1)[80], volts(64));
  EXPECT_EQ(out.output(kVelocity, 0)[50], 0.5f);
  EXPECT_EQ(out.output(kVelocity, 1)[80], 0.8f);
}

TEST(VoiceController, PolyStealsTheOldestNoteWithAOneSampleGateDrop) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 2.0f}});
  h.event(noteOn(0, 60)).event(noteOn(10, 62)).event(noteOn(20, 64)).event(noteOn(30, 65));
  const auto out = h.run(64);
  auto& vc = static_cast<mvm::modules::VoiceController&>(h.module());
  EXPECT_EQ(vc.voiceNote(0), 64); // 60 was oldest: stolen at 20
  EXPECT_EQ(vc.voiceNote(1), 65); // then 62 was oldest: stolen at 30
  const auto& g0 = out.output(kGate, 0);
  const auto& g1 = out.output(kGate, 1);
  EXPECT_EQ(g0[19], 1.0f);
  EXPECT_EQ(g0[20], 0.0f); // retake: gate drops for exactly one sample
  EXPECT_EQ(g0[21], 1.0f);
  EXPECT_EQ(g1[30], 0.0f);
  EXPECT_EQ(g1[31], 1.0f);
  EXPECT_EQ(out.output(kPitch, 0)[20], volts(64)); // the pitch changes on the event frame
  EXPECT_EQ(out.output(kPitch, 0)[19], volts(60));
  EXPECT_EQ(vc.activeVoices(), 2);
}

TEST(VoiceController, PolyReusesTheVoiceReleasedLongestAgo) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 3.0f}});
  h.event(noteOn(0, 60)).event(noteOn(1, 62)).event(noteOn(2, 64));
  h.event(noteOff(30, 62)).event(noteOff(40, 60));
  h.event(noteOn(50, 67)).event(noteOn(51, 69));
  h.run(64);
  auto& vc = static_cast<mvm::modules::VoiceController&>(h.module());
  EXPECT_EQ(vc.voiceNote(1), 67); // voice 1 was released first (30)
  EXPECT_EQ(vc.voiceNote(0), 69); // then voice 0 (40)
  EXPECT_EQ(vc.voiceNote(2), 64);
}

TEST(VoiceController, PolySameNoteRetriggersItsVoice) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 4.0f}});
  h.event(noteOn(0, 60)).event(noteOn(20, 60, 0.3f));
  const auto out = h.run(64);
  EXPECT_EQ(out.output(kGate, 0)[20], 0.0f);
  EXPECT_EQ(out.output(kGate, 0)[21], 1.0f);
  EXPECT_EQ(out.output(kGate, 1)[21], 0.0f);
  EXPECT_EQ(out.output(kVelocity, 0)[21], 0.3f);
}

TEST(VoiceController, NoteOnWithZeroVelocityIsANoteOff) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 2.0f}});
  h.event(noteOn(0, 60)).event(noteOn(33, 60, 0.0f));
  const auto out = h.run(64);
  EXPECT_EQ(out.output(kGate, 0)[32], 1.0f);
  EXPECT_EQ(out.output(kGate, 0)[33], 0.0f);
}

TEST(VoiceController, PitchBendAndChannelFilter) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 2.0f}, {"channel", 2.0f}, {"bendRange", 12.0f}});
  Event bend;
  bend.frame = 40;
  bend.type = EventType::PitchBend;
  bend.value = 0.5f;
  h.event(noteOn(0, 60, 0.8f, 2)).event(noteOn(10, 72, 0.8f, 3)).event(bend);
  const auto out = h.run(64);
  EXPECT_EQ(out.output(kGate, 1)[20], 0.0f); // channel 3 ignored
  EXPECT_EQ(out.output(kPitch, 0)[39], 0.0f);
  EXPECT_FLOAT_EQ(out.output(kPitch, 0)[40], 0.5f); // half of a 12-semitone bend
}

// ---- mono / legato ----

TEST(VoiceController, MonoHasOneVoiceWithLastNotePriorityAndRetrigger) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 8.0f}, {"mode", 1.0f}});
  h.event(noteOn(0, 60, 0.5f)).event(noteOn(100, 64, 0.9f)).event(noteOff(200, 64)).event(noteOff(300, 60));
  const auto out = h.run(384);
  ASSERT_EQ(out.ports[kPitch].size(), 1u);
  const auto& p = out.output(kPitch);
  const auto& g = out.output(kGate);
  const auto& v = out.output(kVelocity);
  EXPECT_EQ(p[99], volts(60));
  EXPECT_EQ(p[100], volts(64));
  EXPECT_EQ(p[199], volts(64));
  EXPECT_EQ(p[200], volts(60)); // back to the held note
  EXPECT_EQ(v[150], 0.9f);
  EXPECT_EQ(v[250], 0.5f);
  for (std::size_t n = 0; n < 384; ++n) {
    const bool high = n < 300 && n != 100 && n != 200; // retriggers at each change of note
    ASSERT_EQ(g[n], high ? 1.0f : 0.0f) << n;
  }
}

TEST(VoiceController, LegatoDoesNotRetriggerOverlappingNotes) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 2.0f}});
  h.event(noteOn(0, 60)).event(noteOn(100, 64)).event(noteOn(150, 67)).event(noteOff(200, 67)).event(noteOff(250, 60));
  h.event(noteOff(300, 64)).event(noteOn(340, 72));
  const auto out = h.run(384);
  const auto& p = out.output(kPitch);
  const auto& g = out.output(kGate);
  for (std::size_t n = 0; n < 384; ++n) ASSERT_EQ(g[n], (n < 300 || n >= 340) ? 1.0f : 0.0f) << n;
  EXPECT_EQ(p[120], volts(64));
  EXPECT_EQ(p[170], volts(67));
  EXPECT_EQ(p[220], volts(64)); // 67 released: most recent held is 64 (60 still held too)
  EXPECT_EQ(p[270], volts(64)); // releasing 60 (not sounding) changes nothing
  EXPECT_EQ(p[350], volts(72)); // a fresh note after silence: new gate
}

TEST(VoiceController, MonoReleasingANonSoundingNoteChangesNothing) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 1.0f}});
  h.event(noteOn(0, 60)).event(noteOn(10, 64)).event(noteOff(20, 60));
  const auto out = h.run(64);
  EXPECT_EQ(out.output(kGate)[20], 1.0f);
  EXPECT_EQ(out.output(kGate)[21], 1.0f);
  EXPECT_EQ(out.output(kPitch)[30], volts(64));
  auto& vc = static_cast<mvm::modules::VoiceController&>(h.module());
  EXPECT_EQ(vc.heldNotes(), 1);
}

TEST(VoiceController, MonoNoteStackIsBoundedAndAllocationFree) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 1.0f}});
  for (int k = 0; k < 40; ++k) h.event(noteOn(static_cast<std::uint64_t>(k), 40 + k));
  for (int k = 39; k >= 1; --k) h.event(noteOff(static_cast<std::uint64_t>(100 + 39 - k), 40 + k));
  const auto out = h.run(192);
  auto& vc = static_cast<mvm::modules::VoiceController&>(h.module());
  // the stack keeps the 32 most recent notes; the 8 oldest (40..47) were forgotten
  EXPECT_EQ(vc.heldNotes(), 0);
  EXPECT_EQ(out.output(kPitch)[100 + 30], volts(40 + 8)); // 79..49 released: back to 48
  EXPECT_EQ(out.output(kGate)[100 + 31 + 1], 0.0f);       // releasing 48 empties the stack
}

// ---- sustain pedal (CC 64) in mono and legato ----

namespace {
Event controller(std::uint64_t frame, int cc, float value) {
  Event e;
  e.frame = frame;
  e.type = EventType::ControlChange;
  e.key = static_cast<std::uint8_t>(cc);
  e.value = value;
  return e;
}
} // namespace

TEST(VoiceController, MonoSustainHoldsTheLastNoteUntilThePedalLifts) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 1.0f}});
  h.event(noteOn(0, 60, 0.5f)).event(controller(50, 64, 1.0f)).event(noteOn(100, 64, 0.9f)).event(noteOff(150, 64));
  h.event(noteOff(200, 60)).event(controller(300, 64, 0.0f));
  const auto out = h.run(384);
  const auto& p = out.output(kPitch);
  const auto& g = out.output(kGate);
  for (std::size_t n = 0; n < 384; ++n) {
    // priority unchanged under the pedal: releasing 64 returns to the held 60 (a retrigger at
    // 150); releasing 60, the last key, keeps the gate high until the pedal lifts at 300
    ASSERT_EQ(g[n], (n < 300 && n != 100 && n != 150) ? 1.0f : 0.0f) << n;
    ASSERT_EQ(p[n], (n >= 100 && n < 150) ? volts(64) : volts(60)) << n;
  }
  EXPECT_EQ(out.output(kVelocity)[250], 0.5f);
  auto& vc = static_cast<mvm::modules::VoiceController&>(h.module());
  EXPECT_EQ(vc.heldNotes(), 0);
  EXPECT_EQ(vc.activeVoices(), 0);
}

TEST(VoiceController, MonoKeyPressedOverASustainedNoteRetriggersAndIsSustainedInTurn) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 1.0f}});
  h.event(controller(0, 64, 1.0f)).event(noteOn(10, 60)).event(noteOff(20, 60)).event(noteOn(40, 64, 0.3f)).event(noteOff(60, 64));
  h.event(controller(80, 64, 0.0f)).event(noteOn(100, 67)).event(controller(120, 64, 1.0f)).event(controller(140, 64, 0.0f));
  h.event(noteOff(160, 67));
  const auto out = h.run(192);
  const auto& p = out.output(kPitch);
  const auto& g = out.output(kGate);
  for (std::size_t n = 0; n < 192; ++n) {
    // held 10..80 (retrigger at 40), then 100..160: a pedal pressed and lifted while the key is
    // down changes nothing
    const bool high = (n >= 10 && n < 80 && n != 40) || (n >= 100 && n < 160);
    ASSERT_EQ(g[n], high ? 1.0f : 0.0f) << n;
  }
  EXPECT_EQ(p[39], volts(60));
  EXPECT_EQ(p[40], volts(64));
  EXPECT_EQ(p[79], volts(64));
  EXPECT_EQ(out.output(kVelocity)[70], 0.3f);
}

TEST(VoiceController, LegatoSustainedNoteGlidesOnWithoutARetrigger) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 2.0f}});
  h.event(controller(0, 64, 1.0f)).event(noteOn(10, 60, 0.5f)).event(noteOff(20, 60)).event(noteOn(40, 64, 0.9f));
  h.event(controller(60, 64, 0.0f)).event(noteOff(80, 64));
  const auto out = h.run(128);
  const auto& p = out.output(kPitch);
  const auto& g = out.output(kGate);
  for (std::size_t n = 0; n < 128; ++n) ASSERT_EQ(g[n], (n >= 10 && n < 80) ? 1.0f : 0.0f) << n; // no drop at 40
  EXPECT_EQ(p[39], volts(60));
  EXPECT_EQ(p[40], volts(64));
  EXPECT_EQ(out.output(kVelocity)[50], 0.5f); // legato keeps the first note's velocity
}

// Only CC 64 at 0.5 (64/127) or more is a pedal: other controllers and a half-down pedal leave
// mono notes ending at their note-off.
TEST(VoiceController, MonoWithoutThePedalDownReleasesAtTheNoteOff) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 1.0f}});
  h.event(controller(0, 1, 1.0f)).event(controller(0, 64, 63.0f / 127.0f)).event(noteOn(10, 60)).event(noteOff(20, 60));
  h.event(controller(30, 64, 64.0f / 127.0f)).event(noteOn(40, 62)).event(noteOff(50, 62));
  const auto out = h.run(64);
  for (std::size_t n = 0; n < 64; ++n) ASSERT_EQ(out.output(kGate)[n], ((n >= 10 && n < 20) || n >= 40) ? 1.0f : 0.0f) << n;
}

// ---- portamento ----

TEST(VoiceController, PortamentoGlidesLinearlyInExactlyTheGlideTime) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 2.0f}, {"portamento", 0.01f}}); // 480 samples
  h.event(noteOn(0, 60)).event(noteOn(1000, 72));
  const auto out = h.run(2048);
  const auto& p = out.output(kPitch);
  EXPECT_EQ(p[999], 0.0f);
  EXPECT_EQ(p[1000], 0.0f); // the glide starts at the event frame
  EXPECT_FLOAT_EQ(p[1240], 0.5f);
  EXPECT_LT(p[1479], 1.0f);
  EXPECT_GT(p[1479], 0.995f);
  EXPECT_EQ(p[1480], 1.0f); // and lands exactly 480 samples later
  for (std::size_t n = 1001; n <= 1480; ++n) ASSERT_NEAR(p[n] - p[n - 1], 1.0f / 480.0f, 1e-5f) << n;
}

TEST(VoiceController, PortamentoRetargetsFromWhereThePitchIs) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"mode", 1.0f}, {"portamento", 0.01f}});
  h.event(noteOn(0, 60)).event(noteOn(64, 72)).event(noteOn(304, 60));
  const auto out = h.run(1024);
  const auto& p = out.output(kPitch);
  EXPECT_FLOAT_EQ(p[304], 0.5f);  // half-way when the new note arrives
  EXPECT_FLOAT_EQ(p[544], 0.25f); // glides from 0.5 to 0 in 480 samples
  EXPECT_EQ(p[784], 0.0f);
}

TEST(VoiceController, PortamentoIsPerVoiceInPoly) {
  ModuleHarness h(builtinModules(), "VoiceController", {{"voices", 2.0f}, {"portamento", 0.001f}}); // 48 samples
  h.event(noteOn(0, 60)).event(noteOn(0, 60 + 24)).event(noteOff(10, 60)).event(noteOn(100, 72));
  const auto out = h.run(256);
  // voice 1 glides from 0 V (its initial pitch) to 2 V; voice 0 (free, released first) takes 72 at 100
  EXPECT_FLOAT_EQ(out.output(kPitch, 1)[24], 1.0f);
  EXPECT_EQ(out.output(kPitch, 1)[48], 2.0f);
  EXPECT_EQ(out.output(kPitch, 0)[99], 0.0f);
  EXPECT_FLOAT_EQ(out.output(kPitch, 0)[124], 0.5f);
  EXPECT_EQ(out.output(kPitch, 0)[148], 1.0f);
}

// ---- state ----

TEST(VoiceController, StateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "VoiceController", {{"mode", 1.0f}});
  a.event(noteOn(0, 60)).event(noteOn(10, 64));
  a.run(64);
  ModuleHarness b(builtinModules(), "VoiceController", {{"mode", 1.0f}});
  b.module().copyStateFrom(a.module());
  b.event(noteOff(5, 64));
  const auto out = b.run(64);
  EXPECT_EQ(out.output(kPitch)[0], volts(64));
  EXPECT_EQ(out.output(kGate)[0], 1.0f);
  EXPECT_EQ(out.output(kPitch)[6], volts(60)); // the note stack came along
}

TEST(VoiceController, PolyStateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "VoiceController", {{"voices", 2.0f}});
  a.event(noteOn(0, 60)).event(noteOn(10, 62));
  a.run(64);
  ModuleHarness b(builtinModules(), "VoiceController", {{"voices", 2.0f}});
  b.module().copyStateFrom(a.module());
  b.event(noteOn(0, 64));
  b.run(64);
  auto& vc = static_cast<mvm::modules::VoiceController&>(b.module());
  EXPECT_EQ(vc.voiceNote(0), 64); // the ages came along: 60 was still the oldest
  EXPECT_EQ(vc.voiceNote(1), 62);
}
