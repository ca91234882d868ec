#include "mvm/control/session.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "mvm/mvm.h"

using namespace mvm;

namespace {

Session sample() {
  Session s;
  s.sampleRate = 44100;
  s.channels = 2;
  s.frames = 64 * 100;
  s.patches.push_back({R"({"format":"mvm-patch","version":1,"seed":5,"modules":[{"id":"out","type":"AudioOut"}],"connections":[]})", true, 2});
  s.swaps.push_back({0, 0, 1, 960, FadeCurve::Linear, false});
  s.swaps.push_back({640, 0, 2, 0, FadeCurve::EqualPower, false});
  s.crossfades.push_back({0, 960, FadeCurve::Linear, 0, false});
  s.voiceLimits.push_back({128, 0, FadeCurve::EqualPower, 3, false});
  s.mutes.push_back({192, 0, FadeCurve::EqualPower, 0, true});
  Event n;
  n.frame = 70;
  n.type = EventType::NoteOn;
  n.channel = 2;
  n.key = 61;
  n.value = 0.1f; // not a short decimal: must come back as the same float
  s.events.push_back(n);
  Event p;
  p.frame = 300;
  p.type = EventType::ParamSet;
  p.moduleKey = 0xcbf29ce484222325ull;
  p.paramKey = 0x0123456789abcdefull;
  p.value = 1.0f / 3.0f;
  p.rampFrames = 17;
  p.curve = RampCurve::Exponential;
  s.events.push_back(p);
  return s;
}

std::string errorOf(const nlohmann::json& j) {
  try {
    parseSession(j.dump(), "s/session.json");
  } catch (const SessionError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(Session, RoundTripsThroughJsonExactly) {
  const Session s = sample();
  const Session b = parseSession(sessionToJson(s).dump(), "x");
  EXPECT_EQ(b.sampleRate, 44100);
  EXPECT_EQ(b.frames, s.frames);
  ASSERT_EQ(b.patches.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(b.patches[0].json), nlohmann::json::parse(s.patches[0].json));
  ASSERT_EQ(b.swaps.size(), 2u);
  EXPECT_EQ(b.swaps[1].frame, 640u);
  EXPECT_EQ(b.swaps[0].crossfadeFrames, 960u);
  EXPECT_EQ(b.swaps[0].curve, FadeCurve::Linear);
  ASSERT_EQ(b.voiceLimits.size(), 1u);
  EXPECT_EQ(b.voiceLimits[0].voiceLimit, 3);
  ASSERT_EQ(b.mutes.size(), 1u);
  EXPECT_EQ(b.mutes[0].frame, 192u);
  EXPECT_TRUE(b.mutes[0].muted);
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].value, 0.1f);
  EXPECT_EQ(b.events[0].key, 61);
  EXPECT_EQ(b.events[0].channel, 2);
  EXPECT_EQ(b.events[1].moduleKey, 0xcbf29ce484222325ull);
  EXPECT_EQ(b.events[1].paramKey, 0x0123456789abcdefull);
  EXPECT_EQ(b.events[1].value, 1.0f / 3.0f);
  EXPECT_EQ(b.events[1].rampFrames, 17);
  EXPECT_EQ(b.events[1].curve, RampCurve::Exponential);
}

TEST(Session, ASessionFromBeforeMutesExistedReadsAsNeverMuted) {
  nlohmann::json j = sessionToJson(sample());
  j.erase("mutes");
  EXPECT_TRUE(parseSession(j.dump(), "x").mutes.empty());
  j["mutes"] = nlohmann::json::array({{{"frame", 100}, {"muted", true}}});
  EXPECT_NE(errorOf(j).find("mutes[0] frame"), std::string::npos) << errorOf(j); // not a block boundary
  j["mutes"] = nlohmann::json::array({{{"frame", 128}, {"muted", 1}}});
  EXPECT_NE(errorOf(j).find("mutes[0] muted"), std::string::npos) << errorOf(j);
}

TEST(Session, ANewerFormatVersionIsAClearError) {
  nlohmann::json j = sessionToJson(sample());
  j["version"] = kSessionFormatVersion + 1;
  const std::string e = errorOf(j);
  EXPECT_NE(e.find("s/session.json: version: session format version 2 is newer than this engine's (1)"), std::string::npos) << e;
}

TEST(Session, MalformedSessionsNameThePlaceAndTheCause) {
  const nlohmann::json good = sessionToJson(sample());
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](nlohmann::json& j) { j["format"] = "mvm-patch"; }, "s/session.json: format: expected \"mvm-session\""},
      {[](nlohmann::json& j) { j.erase("frames"); }, "s/session.json: missing \"frames\""},
      {[](nlohmann::json& j) { j["swaps"][1]["patch"] = 4; }, "swaps[1] patch: no patch 4 (there are 1)"},
      {[](nlohmann::json& j) { j["swaps"][1]["frame"] = 650; }, "swaps[1] frame: not a block boundary"},
      {[](nlohmann::json& j) { j["events"][1]["frame"] = 10; }, "events[1] frame: earlier than the one before"},
      {[](nlohmann::json& j) { j["events"][0]["type"] = "sneeze"; }, "events[0] type: unknown event type \"sneeze\""},
      {[](nlohmann::json& j) { j["events"][1]["module"] = "xyz"; }, "events[1] module: \"xyz\" is not a 64-bit hexadecimal key"},
      {[](nlohmann::json& j) { j["events"][0]["frame"] = 64 * 100; }, "events[0] frame: at or after the end of the session"},
      {[](nlohmann::json& j) { j["crossfades"][0]["curve"] = "cubic"; }, "crossfades[0] curve: \"cubic\" is not equal-power or linear"},
      {[](nlohmann::json& j) { j["patches"][0]["patch"] = 3; }, "patches[0] patch: expected a patch object"},
      {[](nlohmann::json& j) { j["sampleRate"] = "fast"; }, "sampleRate: expected a number"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.edit(j);
    const std::string e = errorOf(j);
    EXPECT_NE(e.find(c.expected), std::string::npos) << "got: " << e << "\nexpected: " << c.expected;
  }
  try {
    parseSession("{\"format\": ", "t.json");
    FAIL();
  } catch (const SessionError& e) {
    EXPECT_EQ(std::string(e.what()), "t.json:1:12: malformed JSON: syntax error while parsing value - unexpected end of input; "
                                     "expected '[', '{', or a literal");
  }
}

// Every number is checked for its type and its range before it is narrowed to its field: no
// wrapping (4294967297 channels read as 1), no float overflow, no true for 1.
TEST(Session, NumbersAreCheckedBeforeTheyAreNarrowed) {
  const nlohmann::json good = sessionToJson(sample());
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](nlohmann::json& j) { j["channels"] = 4294967298ull; }, "s/session.json: channels: 4294967298 is out of range [1, 16]"},
      {[](nlohmann::json& j) { j["channels"] = true; }, "s/session.json: channels: expected an integer, got true"},
      {[](nlohmann::json& j) { j["channels"] = 2.0; }, "s/session.json: channels: expected an integer, got 2.0"},
      {[](nlohmann::json& j) { j["inputs"] = -1; }, "s/session.json: inputs: -1 is out of range [0, 16]"},
      {[](nlohmann::json& j) { j["version"] = 18446744073709551615ull; },
       "s/session.json: version: session format version 18446744073709551615 is newer than this engine's (1); upgrade Madrona VM"},
      {[](nlohmann::json& j) { j["version"] = -3; }, "s/session.json: version: must be at least 1"},
      {[](nlohmann::json& j) { j["blockFrames"] = 64.0; }, "s/session.json: blockFrames: expected 64 (the engine's block)"},
      {[](nlohmann::json& j) { j["sampleRate"] = nullptr; }, "s/session.json: sampleRate: expected a number, got null"},
      {[](nlohmann::json& j) { j["frames"] = "6400"; }, "s/session.json: frames: expected a non-negative integer, got \"6400\""},
      {[](nlohmann::json& j) { j["patches"][0]["outputs"] = 4294967298ull; },
       "s/session.json: patches[0] outputs: 4294967298 is out of range [0, 16]"},
      {[](nlohmann::json& j) { j["swaps"][0]["crossfadeFrames"] = 4294967296ull; },
       "s/session.json: swaps[0] crossfadeFrames: 4294967296 is out of range [0, 4294967295]"},
      {[](nlohmann::json& j) { j["crossfades"][0]["frames"] = -1; }, "s/session.json: crossfades[0] frames: -1 is out of range [0, 4294967295]"},
      {[](nlohmann::json& j) { j["voiceLimits"][0]["voices"] = 4294967296ull; },
       "s/session.json: voiceLimits[0] voices: 4294967296 is out of range [0, 2147483647]"},
      {[](nlohmann::json& j) { j["events"][1]["ramp"] = 2147483648ull; }, "s/session.json: events[1] ramp: 2147483648 is out of range [-1, 2147483647]"},
      {[](nlohmann::json& j) { j["events"][1]["ramp"] = -2; }, "s/session.json: events[1] ramp: -2 is out of range [-1, 2147483647]"},
      {[](nlohmann::json& j) { j["events"][0]["value"] = 1e39; }, "s/session.json: events[0] value: 1e+39 is beyond a 32-bit float"},
      {[](nlohmann::json& j) { j["events"][0]["value"] = false; }, "s/session.json: events[0] value: expected a number, got false"},
      {[](nlohmann::json& j) { j["events"][0]["channel"] = 4294967298ull; }, "s/session.json: events[0] channel: 4294967298 is out of range [0, 16]"},
      {[](nlohmann::json& j) { j["events"][0]["key"] = 384; }, "s/session.json: events[0] key: 384 is out of range [0, 127]"},
      {[](nlohmann::json& j) { j["events"][0]["type"] = "\x1b[2J"; }, "s/session.json: events[0] type: unknown event type \"\\x1b[2J\""},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.edit(j);
    EXPECT_EQ(errorOf(j), c.expected);
  }
}

// The limits every JSON input has (patch/json_document.h) hold for sessions, and for the patches in them.
TEST(Session, NestingNulBytesAndDuplicateKeysAreRefusedWithTheirPlace) {
  const std::string text = sessionToJson(sample()).dump();
  auto error = [](const std::string& t) {
    try {
      (void)parseSession(t, "s.json");
      return std::string();
    } catch (const SessionError& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(error(text), "");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string t = text;
  t.replace(t.find("\"seed\":5"), 8, "\"seed\":" + deep);
  EXPECT_NE(error(t).find(": patches[0].patch.seed[0][0]"), std::string::npos) << error(t);
  EXPECT_NE(error(t).find("nested deeper than 64 levels (the limit)"), std::string::npos) << error(t);
  EXPECT_EQ(error(text + std::string("\0junk", 5)).find("s.json:1:" + std::to_string(text.size() + 1) + ": a NUL byte"), 0u);
  t = text;
  t.replace(t.find("\"channels\":2"), 12, "\"channels\":2,\"channels\":3");
  EXPECT_NE(error(t).find(": top level: duplicate key \"channels\""), std::string::npos) << error(t);
}

// A patch in the session that no longer compiles is reported with its place.
TEST(Session, ReplayNamesAPatchThatDoesNotCompile) {
  Session s = sample();
  s.patches[0].json = R"({"modules":[{"id":"x","type":"NoSuchModule"}]})";
  try {
    replaySession(s, [](const float* const*, int) {}, builtinModules());
    FAIL() << "replayed an unknown module";
  } catch (const SessionError& e) {
    EXPECT_NE(std::string(e.what()).find("patches[0]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NoSuchModule"), std::string::npos) << e.what();
  }
}
