#pragma once
// A recorded session (docs/session-format.md): what reached a VM's audio thread, stamped with the
// frame it applied at — the patches swapped in, the events, crossfade and voice-limit settings —
// with the stream's rate and channels. session.json holds it; output.wav beside it holds the
// output. Written by SessionRecorder, read back by parseSession and replayed by replaySession.

#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mvm/core/event.h"
#include "mvm/core/file_reader.h"
#include "mvm/patch/limits.h"
#include "mvm/core/message_text.h"
#include "mvm/patch/json_document.h"
#include "mvm/patch/patch_error.h"
#include "mvm/vm/crossfade.h"

namespace mvm {

inline constexpr const char* kSessionFormat = "mvm-session";
inline constexpr int kSessionFormatVersion = 1;
// A crossfade of a session is a 32-bit frame count (vm/vm.h setCrossfadeFrames).
inline constexpr long long kMaxCrossfadeFrames = 0xFFFFFFFFll;

// A session.json problem: "file: place: cause" (a PatchError, so drivers treat it as bad input).
class SessionError : public PatchError {
public:
  using PatchError::PatchError;
};

struct SessionPatch {
  std::string json;               // canonical patch JSON (with the seed it was compiled with)
  bool optimizedForRealTime = true;
  int outputs = 0;                // host outputs it was compiled for (0: the session's channels)
};

struct SessionSwap {
  std::uint64_t frame = 0;        // a block boundary
  std::size_t patch = 0;          // index into Session::patches
  std::uint64_t generation = 0;
  std::uint32_t crossfadeFrames = 0;
  FadeCurve curve = FadeCurve::EqualPower;
  bool loaded = false;            // installed before the first block (no fade, no carry-over)
};

struct SessionSetting {
  std::uint64_t frame = 0;        // a block boundary
  std::uint32_t crossfadeFrames = 0;
  FadeCurve curve = FadeCurve::EqualPower;
  int voiceLimit = 0;
  bool muted = false;
};

struct Session {
  double sampleRate = 48000.0;
  int channels = 2;
  int inputs = 0;                 // host inputs the VM had (not recorded: such a session does not replay)
  std::uint64_t frames = 0;       // frames the VM computed while recording (whole blocks)
  std::string output = "output.wav";
  bool complete = true;
  std::uint64_t droppedFrames = 0, droppedRecords = 0, unknownPatches = 0;
  std::vector<SessionPatch> patches;
  std::vector<SessionSwap> swaps;           // in frame order
  std::vector<SessionSetting> crossfades;   // changes of the crossfade setting, in frame order
  std::vector<SessionSetting> voiceLimits;  // changes of the voice limit, in frame order
  std::vector<SessionSetting> mutes;        // changes of VM::setMuted (an overload's fallback), in frame order
  std::vector<Event> events;                // in the order applied; Event::frame = applied frame
};

namespace session_detail {

inline const char* eventTypeName(EventType t) {
  switch (t) {
  case EventType::NoteOn: return "note-on";
  case EventType::NoteOff: return "note-off";
  case EventType::ControlChange: return "cc";
  case EventType::PitchBend: return "pitch-bend";
  case EventType::ChannelPressure: return "pressure";
  case EventType::AllNotesOff: return "all-notes-off";
  case EventType::ParamSet: return "param";
  case EventType::PolyPressure: return "poly-pressure";
  }
  return "?";
}
inline bool parseEventType(const std::string& s, EventType& out) {
  for (EventType t : {EventType::NoteOn, EventType::NoteOff, EventType::ControlChange, EventType::PitchBend,
                      EventType::ChannelPressure, EventType::AllNotesOff, EventType::ParamSet, EventType::PolyPressure})
    if (s == eventTypeName(t)) {
      out = t;
      return true;
    }
  return false;
}
inline std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Field readers that name the place of a problem.
class Reader {
public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  [[noreturn]] void fail(const std::string& place, const std::string& cause) const { throw SessionError(source_, place, cause); }
  const nlohmann::json& field(const nlohmann::json& obj, const char* key, const std::string& place) const {
    if (!obj.contains(key)) fail(place, std::string("missing \"") + key + "\"");
    return obj[key];
  }
  std::uint64_t u64(const nlohmann::json& obj, const char* key, const std::string& place) const {
    const nlohmann::json& v = field(obj, key, place);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0))
      fail(at(place, key), "expected a non-negative integer, got " + jsonExcerpt(v));
    return v.get<std::uint64_t>();
  }
  // An integer within [lo, hi], checked before it is narrowed to its field's type.
  long long integer(const nlohmann::json& obj, const char* key, const std::string& place, long long lo, long long hi) const {
    const nlohmann::json& v = field(obj, key, place);
    if (const std::optional<long long> x = jsonIntegerWithin(v, lo, hi)) return *x;
    if (!v.is_number_integer()) fail(at(place, key), "expected an integer, got " + jsonExcerpt(v));
    fail(at(place, key), jsonExcerpt(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  double number(const nlohmann::json& obj, const char* key, const std::string& place) const {
    const nlohmann::json& v = field(obj, key, place);
    if (!v.is_number()) fail(at(place, key), "expected a number, got " + jsonExcerpt(v));
    return v.get<double>();
  }
  // A number that becomes a float: beyond a float's range it could not (and the cast is undefined).
  float real(const nlohmann::json& obj, const char* key, const std::string& place) const {
    const double x = number(obj, key, place);
    if (!(x >= -static_cast<double>(FLT_MAX) && x <= static_cast<double>(FLT_MAX)))
      fail(at(place, key), shortestDecimal(x) + " is beyond a 32-bit float");
    return static_cast<float>(x);
  }
  bool boolean(const nlohmann::json& obj, const char* key, const std::string& place) const {
    const nlohmann::json& v = field(obj, key, place);
    if (!v.is_boolean()) fail(at(place, key), "expected true or false, got " + jsonExcerpt(v));
    return v.get<bool>();
  }
  std::string string(const nlohmann::json& obj, const char* key, const std::string& place) const {
    const nlohmann::json& v = field(obj, key, place);
    if (!v.is_string()) fail(at(place, key), "expected a string, got " + jsonExcerpt(v));
    return v.get<std::string>();
  }
  const nlohmann::json& array(const nlohmann::json& obj, const char* key, const std::string& place) const {
    const nlohmann::json& v = field(obj, key, place);
    if (!v.is_array()) fail(at(place, key), std::string("expected an array, got ") + v.type_name());
    return v;
  }
  FadeCurve curve(const nlohmann::json& obj, const std::string& place) const {
    FadeCurve c;
    const std::string s = string(obj, "curve", place);
    if (!parseFadeCurve(s, c)) fail(at(place, "curve"), inQuotes(s) + " is not equal-power or linear");
    return c;
  }
  std::uint64_t hexKey(const nlohmann::json& obj, const char* key, const std::string& place) const {
    const std::string s = string(obj, key, place);
    if (s.empty() || s.size() > 16 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
      fail(at(place, key), inQuotes(s) + " is not a 64-bit hexadecimal key");
    return std::stoull(s, nullptr, 16);
  }
  static std::string at(const std::string& place, const char* key) { return place.empty() ? key : place + " " + key; }

private:
  std::string source_;
};

} // namespace session_detail

// control thread
inline nlohmann::json sessionToJson(const Session& s) {
  using nlohmann::json;
  using namespace session_detail;
  json root = json::object();
  root["format"] = kSessionFormat;
  root["version"] = kSessionFormatVersion;
  root["sampleRate"] = s.sampleRate;
  root["channels"] = s.channels;
  root["inputs"] = s.inputs;
  root["blockFrames"] = 64;
  root["frames"] = s.frames;
  root["output"] = s.output;
  root["complete"] = s.complete;
  root["droppedFrames"] = s.droppedFrames;
  root["droppedRecords"] = s.droppedRecords;
  root["unknownPatches"] = s.unknownPatches;
  json patches = json::array();
  for (const SessionPatch& p : s.patches)
    patches.push_back({{"optimizeForRealTime", p.optimizedForRealTime}, {"outputs", p.outputs > 0 ? p.outputs : s.channels},
                       {"patch", json::parse(p.json)}});
  root["patches"] = std::move(patches);
  json swaps = json::array();
  for (const SessionSwap& w : s.swaps)
    swaps.push_back({{"frame", w.frame}, {"patch", w.patch}, {"generation", w.generation}, {"loaded", w.loaded},
                     {"crossfadeFrames", w.crossfadeFrames}, {"curve", curveName(w.curve)}});
  root["swaps"] = std::move(swaps);
  json fades = json::array();
  for (const SessionSetting& c : s.crossfades) fades.push_back({{"frame", c.frame}, {"frames", c.crossfadeFrames}, {"curve", curveName(c.curve)}});
  root["crossfades"] = std::move(fades);
  json limits = json::array();
  for (const SessionSetting& v : s.voiceLimits) limits.push_back({{"frame", v.frame}, {"voices", v.voiceLimit}});
  root["voiceLimits"] = std::move(limits);
  json mutes = json::array();
  for (const SessionSetting& m : s.mutes) mutes.push_back({{"frame", m.frame}, {"muted", m.muted}});
  root["mutes"] = std::move(mutes);
  json events = json::array();
  for (const Event& e : s.events) {
    json je = {{"frame", e.frame}, {"type", eventTypeName(e.type)}, {"value", static_cast<double>(e.value)}};
    if (e.type == EventType::ParamSet) {
      je["module"] = hex64(e.moduleKey);
      je["param"] = hex64(e.paramKey);
      je["ramp"] = e.rampFrames;
      if (e.curve == RampCurve::Exponential) je["rampCurve"] = "exponential";
    } else {
      je["channel"] = e.channel;
      je["key"] = e.key;
    }
    events.push_back(std::move(je));
  }
  root["events"] = std::move(events);
  return root;
}

// control thread: throws SessionError naming the place and the cause.
inline Session parseSession(const std::string& text, const std::string& source) {
  using nlohmann::json;
  using namespace session_detail;
  const Reader r(source);
  const json root = parseJsonText<SessionError>(text, source);
  if (!root.is_object()) r.fail("", std::string("a session is a JSON object, got ") + root.type_name());
  if (r.string(root, "format", "") != kSessionFormat) r.fail("format", std::string("expected \"") + kSessionFormat + "\"");
  const json& version = r.field(root, "version", "");
  if (!version.is_number_integer()) r.fail("version", "expected an integer, got " + jsonExcerpt(version));
  if (!jsonIntegerWithin(version, std::numeric_limits<long long>::min(), kSessionFormatVersion))
    r.fail("version", "session format version " + jsonExcerpt(version) + " is newer than this engine's (" +
                          std::to_string(kSessionFormatVersion) + "); upgrade Madrona VM");
  if (!jsonIntegerWithin(version, 1, kSessionFormatVersion)) r.fail("version", "must be at least 1");

  Session s;
  s.sampleRate = r.number(root, "sampleRate", "");
  if (!(s.sampleRate >= 8000 && s.sampleRate <= 384000)) r.fail("sampleRate", "outside [8000, 384000]");
  s.channels = static_cast<int>(r.integer(root, "channels", "", 1, 16));
  s.inputs = static_cast<int>(r.integer(root, "inputs", "", 0, 16));
  if (!jsonIntegerWithin(r.field(root, "blockFrames", ""), 64, 64)) r.fail("blockFrames", "expected 64 (the engine's block)");
  s.frames = r.u64(root, "frames", "");
  if (s.frames % 64 != 0) r.fail("frames", "not a whole number of 64-frame blocks");
  s.output = r.string(root, "output", "");
  s.complete = r.boolean(root, "complete", "");
  s.droppedFrames = r.u64(root, "droppedFrames", "");
  s.droppedRecords = r.u64(root, "droppedRecords", "");
  s.unknownPatches = r.u64(root, "unknownPatches", "");

  const json& patches = r.array(root, "patches", "");
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const std::string place = "patches[" + std::to_string(i) + "]";
    if (!patches[i].is_object()) r.fail(place, "expected an object");
    SessionPatch p;
    p.optimizedForRealTime = r.boolean(patches[i], "optimizeForRealTime", place);
    p.outputs = static_cast<int>(r.integer(patches[i], "outputs", place, 0, 16));
    const json& patch = r.field(patches[i], "patch", place);
    if (!patch.is_object()) r.fail(place + " patch", "expected a patch object");
    p.json = patch.dump();
    s.patches.push_back(std::move(p));
  }

  auto blockFrame = [&](const json& obj, const std::string& place, std::uint64_t previous) {
    const std::uint64_t f = r.u64(obj, "frame", place);
    if (f % 64 != 0) r.fail(place + " frame", "not a block boundary (a multiple of 64)");
    if (f >= s.frames && !(f == 0 && s.frames == 0)) r.fail(place + " frame", "at or after the end of the session");
    if (f < previous) r.fail(place + " frame", "earlier than the one before (not in frame order)");
    return f;
  };
  const json& swaps = r.array(root, "swaps", "");
  for (std::size_t i = 0; i < swaps.size(); ++i) {
    const std::string place = "swaps[" + std::to_string(i) + "]";
    if (!swaps[i].is_object()) r.fail(place, "expected an object");
    SessionSwap w;
    w.frame = blockFrame(swaps[i], place, s.swaps.empty() ? 0 : s.swaps.back().frame);
    w.patch = r.u64(swaps[i], "patch", place);
    if (w.patch >= s.patches.size()) r.fail(place + " patch", "no patch " + std::to_string(w.patch) + " (there are " + std::to_string(s.patches.size()) + ")");
    w.generation = r.u64(swaps[i], "generation", place);
    w.loaded = r.boolean(swaps[i], "loaded", place);
    if (w.loaded && (i != 0 || w.frame != 0)) r.fail(place + " loaded", "only the first swap, at frame 0, can be a loaded program");
    w.crossfadeFrames = static_cast<std::uint32_t>(r.integer(swaps[i], "crossfadeFrames", place, 0, kMaxCrossfadeFrames));
    w.curve = r.curve(swaps[i], place);
    s.swaps.push_back(w);
  }
  const json& fades = r.array(root, "crossfades", "");
  for (std::size_t i = 0; i < fades.size(); ++i) {
    const std::string place = "crossfades[" + std::to_string(i) + "]";
    if (!fades[i].is_object()) r.fail(place, "expected an object");
    SessionSetting c;
    c.frame = blockFrame(fades[i], place, s.crossfades.empty() ? 0 : s.crossfades.back().frame);
    c.crossfadeFrames = static_cast<std::uint32_t>(r.integer(fades[i], "frames", place, 0, kMaxCrossfadeFrames));
    c.curve = r.curve(fades[i], place);
    s.crossfades.push_back(c);
  }
  const json& limits = r.array(root, "voiceLimits", "");
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const std::string place = "voiceLimits[" + std::to_string(i) + "]";
    if (!limits[i].is_object()) r.fail(place, "expected an object");
    SessionSetting v;
    v.frame = blockFrame(limits[i], place, s.voiceLimits.empty() ? 0 : s.voiceLimits.back().frame);
    v.voiceLimit = static_cast<int>(r.integer(limits[i], "voices", place, 0, std::numeric_limits<int>::max()));
    s.voiceLimits.push_back(v);
  }
  if (root.contains("mutes")) { // absent in sessions recorded before the overload fallback existed
    const json& mutes = r.array(root, "mutes", "");
    for (std::size_t i = 0; i < mutes.size(); ++i) {
      const std::string place = "mutes[" + std::to_string(i) + "]";
      if (!mutes[i].is_object()) r.fail(place, "expected an object");
      SessionSetting m;
      m.frame = blockFrame(mutes[i], place, s.mutes.empty() ? 0 : s.mutes.back().frame);
      m.muted = r.boolean(mutes[i], "muted", place);
      s.mutes.push_back(m);
    }
  }
  const json& events = r.array(root, "events", "");
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string place = "events[" + std::to_string(i) + "]";
    const json& je = events[i];
    if (!je.is_object()) r.fail(place, "expected an object");
    Event e;
    e.frame = r.u64(je, "frame", place);
    if (e.frame >= s.frames) r.fail(place + " frame", "at or after the end of the session");
    if (e.frame < previous) r.fail(place + " frame", "earlier than the one before (not in the order applied)");
    previous = e.frame;
    const std::string type = r.string(je, "type", place);
    if (!parseEventType(type, e.type)) r.fail(place + " type", "unknown event type " + inQuotes(type));
    e.value = r.real(je, "value", place);
    if (e.type == EventType::ParamSet) {
      e.moduleKey = r.hexKey(je, "module", place);
      e.paramKey = r.hexKey(je, "param", place);
      e.rampFrames = static_cast<std::int32_t>(r.integer(je, "ramp", place, kDefaultRamp, std::numeric_limits<std::int32_t>::max()));
      if (je.contains("rampCurve")) {
        const std::string c = r.string(je, "rampCurve", place);
        if (c == "exponential") e.curve = RampCurve::Exponential;
        else if (c != "linear") r.fail(place + " rampCurve", inQuotes(c) + " is not linear or exponential");
      }
    } else {
      e.channel = static_cast<std::uint8_t>(r.integer(je, "channel", place, 0, 16));
      e.key = static_cast<std::uint8_t>(r.integer(je, "key", place, 0, 127));
    }
    s.events.push_back(e);
  }
  return s;
}

// control thread: SESSION_DIR/session.json. Throws SessionError (bad content) or FileError
// (missing, unreadable, not a regular file, over the cap).
inline Session readSession(const std::string& dir) {
  const std::string path = dir + "/session.json";
  return parseSession(readRegularFile(path, limits::kMaxSessionBytes, "session"), path);
}

} // namespace mvm
