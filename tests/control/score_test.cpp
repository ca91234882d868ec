#include "mvm/control/score.h"

#include <gtest/gtest.h>

#include "render_helpers.h"
#include "signal_analysis.h"

using namespace mvm;

namespace {

const PatchGraph kPatch = PatchParser(builtinModules()).parseFromJson(R"({"modules": [
    {"id": "keys", "type": "VoiceController", "params": {"voices": 2}}, {"id": "g", "type": "Gain"}]})");

Score parse(const std::string& events, double rate = 48000) {
  return ScoreParser(builtinModules()).parseFromJson(R"({"events": [)" + events + "]}", "s.json", kPatch, rate);
}

std::string errorOf(const std::string& events) {
  try {
    parse(events);
  } catch (const PatchError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << events;
  return {};
}

} // namespace

TEST(Score, ConvertsTimesToFramesAndSortsStably) {
  const Score s = parse(R"({"time": 0.5, "type": "noteOff", "note": 60},
                           {"frame": 100, "type": "noteOn", "note": 60, "velocity": 0.25, "channel": 2},
                           {"time": 0.5, "type": "noteOn", "note": 62},
                           {"time": 0.25, "type": "param", "module": "g", "param": "gain", "value": 2, "ramp": 0.01})", 44100);
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_EQ(s.events[0].frame, 100u);
  EXPECT_EQ(s.events[0].type, EventType::NoteOn);
  EXPECT_EQ(s.events[0].channel, 2);
  EXPECT_FLOAT_EQ(s.events[0].value, 0.25f);
  EXPECT_EQ(s.events[1].frame, 11025u);
  EXPECT_EQ(s.events[1].type, EventType::ParamSet);
  EXPECT_EQ(s.events[1].moduleKey, fnv1a64("g"));
  EXPECT_EQ(s.events[1].paramKey, fnv1a64("gain"));
  EXPECT_EQ(s.events[1].rampFrames, 441);
  EXPECT_EQ(s.events[2].type, EventType::NoteOff); // same frame: score order kept
  EXPECT_EQ(s.events[3].key, 62);
  EXPECT_EQ(s.lastFrame, 22050u);
}

TEST(Score, ErrorsNameTheEventAndTheCause) {
  EXPECT_NE(errorOf(R"({"time": 1, "type": "noteOn", "note": 128})").find("s.json: events[0] (noteOn) note: 128 is out of range [0, 127]"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"time": -1, "type": "noteOn", "note": 1})").find("time: -1 is out of range"), std::string::npos);
  EXPECT_NE(errorOf(R"({"type": "noteOn", "note": 1})").find("exactly one of \"time\""), std::string::npos);
  EXPECT_NE(errorOf(R"({"time": 1, "type": "sing"})").find("unknown event type"), std::string::npos);
  EXPECT_NE(errorOf(R"({"time": 1, "type": "param", "module": "x", "param": "gain", "value": 1})").find("no module \"x\""),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"time": 1, "type": "param", "module": "g", "param": "gian", "value": 1})").find("Gain \"g\" has no parameter \"gian\""),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"time": 1, "type": "param", "module": "g", "param": "gain", "value": 100})").find("value: 100 is out of range [-16, 16]"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"time": 1, "type": "noteOn", "note": 1, "pitch": 3})").find("key \"pitch\": not a field of a noteOn event"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"time": 1, "type": "pitchBend", "value": 2})").find("out of range [-1, 1]"), std::string::npos);
  EXPECT_NE(errorOf(R"({"time": 1, "type": "param", "module": "keys", "param": "voices", "value": 4})")
                .find("s.json: events[0] (param): keys.voices is fixed when the patch loads"),
            std::string::npos);
}

TEST(Score, NotesArriveAtTheirExactFrame) {
  const auto r = test::renderJson(R"({"modules": [{"id": "keys", "type": "VoiceController", "params": {"voices": 1}},
      {"id": "out", "type": "AudioOut"}], "connections": [{"from": "keys.gate", "to": "out.left"}]})", 0.1,
      R"({"events": [{"frame": 1234, "type": "noteOn", "note": 60}, {"frame": 2345, "type": "noteOff", "note": 60}]})");
  const auto& gate = r.channels[0];
  EXPECT_EQ(gate[1233], 0.0f);
  EXPECT_EQ(gate[1234], 1.0f);
  EXPECT_EQ(gate[2344], 1.0f);
  EXPECT_EQ(gate[2345], 0.0f);
}

// Where a number is expected, true, a string, null or an array is an error naming the field; the
// bounds of a parameter are accepted as printed.
TEST(Score, EveryNumericFieldRefusesWhatIsNotANumber) {
  const std::string note = R"("type": "noteOn", "note": 60)";
  struct Case {
    std::string event, expected;
  };
  const std::vector<Case> cases = {
      {R"({"time": true, )" + note + "}", "s.json: events[0] (noteOn) time: expected a number, got boolean"},
      {R"({"frame": "10", )" + note + "}", "s.json: events[0] (noteOn) frame: expected a non-negative integer"},
      {R"({"frame": 1.5, )" + note + "}", "s.json: events[0] (noteOn) frame: expected a non-negative integer"},
      {R"({"time": 0, "type": "noteOn", "note": true})", "s.json: events[0] (noteOn) note: expected an integer, got true"},
      {R"({"time": 0, "type": "noteOn", "note": 60.5})", "s.json: events[0] (noteOn) note: expected an integer, got 60.5"},
      {R"({"time": 0, "type": "noteOn", "note": 18446744073709551615})",
       "s.json: events[0] (noteOn) note: 18446744073709551615 is out of range [0, 127]"},
      {R"({"time": 0, )" + note + R"(, "velocity": null})", "s.json: events[0] (noteOn) velocity: expected a number, got null"},
      {R"({"time": 0, )" + note + R"(, "channel": [1]})", "s.json: events[0] (noteOn) channel: expected an integer, got [1]"},
      {R"({"time": 0, "type": "cc", "controller": false, "value": 1})", "s.json: events[0] (cc) controller: expected an integer, got false"},
      {R"({"time": 0, "type": "cc", "controller": 1, "value": "1"})", "s.json: events[0] (cc) value: expected a number, got string"},
      {R"({"time": 0, "type": "param", "module": "g", "param": "gain", "value": true})",
       "s.json: events[0] (param) value: expected a number, got boolean"},
      {R"({"time": 0, "type": "param", "module": "g", "param": "gain", "value": 1, "ramp": {}})",
       "s.json: events[0] (param) ramp: expected a number, got object"},
      {R"({"time": 0, "type": "osc", "address": "/mvm/note/on", "args": [60, true]})",
       "s.json: events[0] (osc) args: expected numbers and strings, got true"},
  };
  for (const Case& c : cases) EXPECT_EQ(errorOf(c.event), c.expected) << c.event;
}

TEST(Score, NamesInMessagesAreEscapedAndShort) {
  EXPECT_EQ(errorOf(R"({"time": 0, "type": "param", "module": "g\u001b[2J", "param": "gain", "value": 1})"),
            "s.json: events[0] (param): the patch has no module \"g\\x1b[2J\"");
  EXPECT_EQ(errorOf(R"({"time": 0, "type": "param", "module": "g", "param": "ga\nin", "value": 1})"),
            "s.json: events[0] (param): Gain \"g\" has no parameter \"ga\\nin\"");
  EXPECT_EQ(errorOf(R"({"time": 0, "type": "no\rteOn"})"),
            "s.json: events[0] (no\\rteOn): unknown event type (expected noteOn, noteOff, cc, pitchBend, pressure, polyPressure, allNotesOff, param, osc)");
  const std::string e = errorOf(R"({"time": 0, "type": "param", "module": ")" + std::string(100000, 'm') + R"(", "param": "gain", "value": 1})");
  EXPECT_LT(e.size(), 150u) << e;
  EXPECT_NE(e.find("m…\""), std::string::npos) << e;
}

TEST(Score, DuplicateKeysNestingAndNulBytesAreRefusedWithTheirPlace) {
  EXPECT_EQ(errorOf(R"({"time": 0, "type": "noteOn", "note": 60, "note": 61})"), "s.json:1:55: events[0]: duplicate key \"note\"");
  EXPECT_EQ(errorOf(R"({"time": 0, "type": "osc", "address": "/mvm/note/on", "args": )" + std::string(1000, '[') + std::string(1000, ']') + "}"),
            "s.json:1:136: events[0].args[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…: nested deeper than 64 levels (the limit)");
  const std::string valid = R"({"time": 0, "type": "allNotesOff"}]})";
  EXPECT_EQ(errorOf(valid + '\0' + R"(, {"time": 1, "type": "noteOn"})"),
            "s.json:1:" + std::to_string(std::string(R"({"events": [)").size() + valid.size() + 1) + ": a NUL byte (JSON text holds none)");
}
