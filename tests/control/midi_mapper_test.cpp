#include "mvm/control/midi_mapper.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "render_helpers.h"

using namespace mvm;

namespace {

const char* kMapped = R"({"modules": [
    {"id": "keys", "type": "VoiceController", "params": {"voices": 4}},
    {"id": "flt", "type": "SVF"},
    {"id": "g", "type": "Gain"}],
  "midi": {"bendRange": 7, "controls": [
    {"cc": 74, "to": "flt.cutoff", "min": 100, "max": 10000, "curve": "exponential"},
    {"cc": 7, "to": "g.gain", "min": 0, "max": 1, "ramp": 0.01, "channel": 2},
    {"source": "pressure", "to": "g.gain", "min": 0.5, "max": 1},
    {"source": "bend", "to": "flt.cutoff", "min": 200, "max": 400}]}})";

std::vector<Event> mapAll(const MidiMapper& mapper, MidiMessage m, std::uint64_t frame = 7) {
  std::vector<Event> out;
  const int n = mapper.map(m, frame, [&](const Event& e) { out.push_back(e); });
  EXPECT_EQ(n, static_cast<int>(out.size()));
  return out;
}

std::string patchError(const std::string& midi) {
  try {
    PatchParser(builtinModules()).parseFromJson(R"({"modules": [{"id": "g", "type": "Gain"}, {"id": "k", "type": "VoiceController"}], "midi": )" + midi + "}",
                                "p.json");
  } catch (const PatchError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << midi;
  return {};
}

} // namespace

TEST(MidiMapper, NotesVelocitiesAndReleaseVelocitiesReachTheVoiceControllers) {
  const MidiMapper mapper(PatchParser(builtinModules()).parseFromJson(kMapped).midi, 48000);
  auto on = mapAll(mapper, {0x92, 61, 127}, 1234);
  ASSERT_EQ(on.size(), 1u);
  EXPECT_EQ(on[0].type, EventType::NoteOn);
  EXPECT_EQ(on[0].frame, 1234u);
  EXPECT_EQ(on[0].channel, 3);
  EXPECT_EQ(on[0].key, 61);
  EXPECT_FLOAT_EQ(on[0].value, 1.0f);
  auto off = mapAll(mapper, {0x82, 61, 32});
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].type, EventType::NoteOff);
  EXPECT_FLOAT_EQ(off[0].value, 32.0f / 127.0f);
  auto zero = mapAll(mapper, {0x90, 61, 0}); // note on, velocity 0 = note off (release velocity 64)
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_EQ(zero[0].type, EventType::NoteOff);
  EXPECT_FLOAT_EQ(zero[0].value, 64.0f / 127.0f);
  auto poly = mapAll(mapper, {0xA0, 61, 100});
  ASSERT_EQ(poly.size(), 1u);
  EXPECT_EQ(poly[0].type, EventType::PolyPressure);
  EXPECT_EQ(poly[0].key, 61);
  auto allOff = mapAll(mapper, {0xB0, 123, 0});
  ASSERT_EQ(allOff.size(), 1u);
  EXPECT_EQ(allOff[0].type, EventType::AllNotesOff);
  EXPECT_TRUE(mapAll(mapper, {0xF8, 0, 0}).empty()); // clock: not a channel message
  EXPECT_TRUE(mapAll(mapper, {0xC0, 5, 0}).empty()); // program change: not mapped
}

TEST(MidiMapper, ControllersPressureAndBendMapOntoParametersAlongTheirCurves) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(kMapped);
  const MidiMapper mapper(g.midi, 48000);
  EXPECT_FLOAT_EQ(g.modules[0].params.at("bendRange"), 7.0f); // the patch's bend range reaches the VoiceController
  auto cc = mapAll(mapper, {0xB0, 74, 127 / 2 + 1}); // 64/127
  ASSERT_EQ(cc.size(), 2u);
  EXPECT_EQ(cc[0].type, EventType::ControlChange);
  EXPECT_EQ(cc[1].type, EventType::ParamSet);
  EXPECT_EQ(cc[1].moduleKey, fnv1a64("flt"));
  EXPECT_EQ(cc[1].paramKey, fnv1a64("cutoff"));
  EXPECT_NEAR(cc[1].value, 100.0 * std::pow(100.0, 64.0 / 127.0), 1e-2); // exponential: 100 · (10000/100)^x
  EXPECT_FLOAT_EQ(mapAll(mapper, {0xB0, 74, 127})[1].value, 10000.0f);
  EXPECT_FLOAT_EQ(mapAll(mapper, {0xB0, 74, 0})[1].value, 100.0f);
  // CC 7 listens on channel 2 only, with a 10 ms ramp.
  EXPECT_EQ(mapAll(mapper, {0xB0, 7, 127}).size(), 1u);
  auto vol = mapAll(mapper, {0xB1, 7, 127});
  ASSERT_EQ(vol.size(), 2u);
  EXPECT_FLOAT_EQ(vol[1].value, 1.0f);
  EXPECT_EQ(vol[1].rampFrames, 480);
  auto pressure = mapAll(mapper, {0xD0, 0, 0}); // one data byte: value in data1
  ASSERT_EQ(pressure.size(), 2u);
  EXPECT_EQ(pressure[0].type, EventType::ChannelPressure);
  EXPECT_FLOAT_EQ(pressure[1].value, 0.5f);
  auto up = mapAll(mapper, {0xE0, 0x7F, 0x7F});
  ASSERT_EQ(up.size(), 2u);
  EXPECT_FLOAT_EQ(up[0].value, 1.0f);
  EXPECT_FLOAT_EQ(up[1].value, 400.0f);
  EXPECT_FLOAT_EQ(mapAll(mapper, {0xE0, 0, 0})[0].value, -1.0f);
  EXPECT_FLOAT_EQ(mapAll(mapper, {0xE0, 0, 0x40})[0].value, 0.0f);
  EXPECT_FLOAT_EQ(mapAll(mapper, {0xE0, 0, 0x40})[1].value, 300.0f);
}

TEST(MidiMapper, ListensToItsChannelAndLearnsControllers) {
  MidiMap map;
  map.channel = 5;
  MidiMapper mapper(map, 48000);
  EXPECT_TRUE(mapAll(mapper, {0x90, 60, 100}).empty());
  EXPECT_EQ(mapAll(mapper, {0x94, 60, 100}).size(), 1u);
  mapper.learn(21, 0, "g", "gain", 0.0f, 2.0f);
  auto learned = mapAll(mapper, {0xB4, 21, 127});
  ASSERT_EQ(learned.size(), 2u);
  EXPECT_FLOAT_EQ(learned[1].value, 2.0f);
  mapper.learn(21, 0, "g", "gain", 0.0f, 4.0f); // the same controller again replaces its mapping
  EXPECT_EQ(mapper.map().controls.size(), 1u);
  EXPECT_FLOAT_EQ(mapAll(mapper, {0xB4, 21, 127})[1].value, 4.0f);
  map.notes = false;
  EXPECT_TRUE(mapAll(MidiMapper(map, 48000), {0x94, 60, 100}).empty());
}

TEST(MidiMapper, ThePatchMidiSectionIsChecked) {
  EXPECT_EQ(patchError(R"({"controls": [{"cc": 74, "to": "g.gian"}]})"),
            "p.json: midi controls[0] (cc 74) to: Gain \"g\" has no parameter \"gian\"");
  EXPECT_EQ(patchError(R"({"controls": [{"cc": 128, "to": "g.gain"}]})"),
            "p.json: midi controls[0] cc: expected an integer within [0, 127], got 128");
  EXPECT_NE(patchError(R"({"controls": [{"cc": 1, "to": "g.gain", "min": -20}]})").find("-20 is out of range"), std::string::npos);
  EXPECT_NE(patchError(R"({"controls": [{"cc": 1, "to": "g.gain", "min": 0, "max": 1, "curve": "exponential"}]})").find("non-zero"),
            std::string::npos);
  EXPECT_NE(patchError(R"({"controls": [{"source": "wheel", "to": "g.gain"}]})").find("expected \"pressure\" or \"bend\""), std::string::npos);
  EXPECT_NE(patchError(R"({"chanel": 1})").find("unknown key"), std::string::npos);
  EXPECT_NE(patchError(R"({"bendRange": 99})").find("[0, 48]"), std::string::npos);
}

// Sustain, pressure and release velocity, as the VoiceController plays them (the score carries
// what the mapper would produce from MIDI).
TEST(MidiMapper, VoiceControllerSustainsAndReportsPressureAndReleaseVelocity) {
  const char* patch = R"({"modules": [
      {"id": "keys", "type": "VoiceController", "params": {"voices": 1}},
      {"id": "out", "type": "AudioOut"}],
    "connections": [{"from": "keys.gate", "to": "out.left"}, {"from": "keys.pressure", "to": "out.right"}]})";
  const auto r = test::renderJson(patch, 0.1, R"({"events": [
      {"frame": 100, "type": "noteOn", "note": 60},
      {"frame": 200, "type": "cc", "controller": 64, "value": 1},
      {"frame": 300, "type": "noteOff", "note": 60, "velocity": 0.25},
      {"frame": 400, "type": "polyPressure", "note": 60, "value": 0.75},
      {"frame": 500, "type": "pressure", "value": 0.5},
      {"frame": 600, "type": "cc", "controller": 64, "value": 0}]})");
  const auto& gate = r.channels[0];
  const auto& pressure = r.channels[1];
  EXPECT_EQ(gate[99], 0.0f);
  EXPECT_EQ(gate[100], 1.0f);
  EXPECT_EQ(gate[450], 1.0f); // released at 300 but the pedal is down
  EXPECT_EQ(gate[599], 1.0f);
  EXPECT_EQ(gate[600], 0.0f); // pedal up: released at its frame
  EXPECT_EQ(pressure[399], 0.0f);
  EXPECT_EQ(pressure[400], 0.75f);
  EXPECT_EQ(pressure[500], 0.75f); // the larger of poly (0.75) and channel (0.5)

  const char* release = R"({"modules": [
      {"id": "keys", "type": "VoiceController", "params": {"voices": 2}},
      {"id": "out", "type": "AudioOut"}],
    "connections": [{"from": "keys.release", "to": "out.left"}]})";
  const auto rel = test::renderJson(release, 0.05, R"({"events": [
      {"frame": 10, "type": "noteOn", "note": 60}, {"frame": 64, "type": "noteOff", "note": 60, "velocity": 0.5}]})");
  EXPECT_EQ(rel.channels[0][63], 0.0f);
  EXPECT_EQ(rel.channels[0][64], 0.5f); // one of two voices, summed to mono by AudioOut
}
