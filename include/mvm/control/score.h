#pragma once
// Scores: timed events in JSON, for offline renders (docs/score-format.md). Parsed and checked
// against the patch on the control thread, then turned into engine Events in frame order.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mvm/control/osc_dispatch.h"
#include "mvm/core/event.h"
#include "mvm/core/hash.h"
#include "mvm/core/message_text.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/patch/limits.h"
#include "mvm/patch/json_document.h"
#include "mvm/patch/patch_error.h"
#include "mvm/patch/patch_graph.h"
#include "mvm/patch/patch_parser.h"

namespace mvm {

struct Score {
  std::vector<Event> events;   // sorted by frame (stable: same-frame events keep score order)
  double durationSeconds = 0;  // the score's "duration", or 0 when it gives none
  std::uint64_t lastFrame = 0; // frame of the last event
};

class ScoreParser {
public:
  explicit ScoreParser(const ModuleRegistry& registry) : registry_(registry) {}

  // control thread; throws PatchError naming the event and the cause. `patch` checks that
  // parameter events address existing modules and parameters.
  Score parseFromJson(const std::string& text, const std::string& source, const PatchGraph& patch,
                      double sampleRate) const {
    return parseFromJson(text, source, std::vector<const PatchGraph*>{&patch}, sampleRate);
  }

  // With hot swaps a parameter event may address a module of any patch that will play.
  Score parseFromJson(const std::string& text, const std::string& source, const std::vector<const PatchGraph*>& patches,
                      double sampleRate) const {
    const nlohmann::json root = parseJsonText<PatchError>(text, source);
    if (!root.is_object()) throw PatchError(source, "", "a score is a JSON object with an \"events\" array");
    for (auto it = root.begin(); it != root.end(); ++it)
      if (it.key() != "events" && it.key() != "duration" && it.key() != "format" && it.key() != "version" && it.key() != "name")
        throw PatchError(source, "key " + inQuotes(it.key()), "unknown top-level key (expected events, duration)");
    Score score;
    if (root.contains("duration")) {
      const auto& d = root["duration"];
      if (!d.is_number() || !std::isfinite(d.get<double>()) || d.get<double>() < 0 || d.get<double>() > 86400)
        throw PatchError(source, "duration", "expected seconds within [0, 86400]");
      score.durationSeconds = d.get<double>();
    }
    if (!root.contains("events") || !root["events"].is_array()) throw PatchError(source, "", "missing \"events\" array");
    const auto& events = root["events"];
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].is_object() && events[i].contains("type") && events[i]["type"] == "osc") parseOsc(events[i], i, source, patches, sampleRate, score.events);
      else score.events.push_back(parseEvent(events[i], i, source, patches, sampleRate));
    }
    std::stable_sort(score.events.begin(), score.events.end(), [](const Event& a, const Event& b) { return a.frame < b.frame; });
    score.lastFrame = score.events.empty() ? 0 : score.events.back().frame;
    return score;
  }

  Score parseFromFile(const std::string& path, const PatchGraph& patch, double sampleRate) const {
    return parseFromJson(PatchParser::readTextFile(path, limits::kMaxScoreBytes, "score"), path, patch, sampleRate);
  }
  Score parseFromFile(const std::string& path, const std::vector<const PatchGraph*>& patches, double sampleRate) const {
    return parseFromJson(PatchParser::readTextFile(path, limits::kMaxScoreBytes, "score"), path, patches, sampleRate);
  }

private:
  using json = nlohmann::json;

  Event parseEvent(const json& j, std::size_t i, const std::string& source, const std::vector<const PatchGraph*>& patches,
                   double rate) const {
    std::string place = "events[" + std::to_string(i) + "]";
    if (!j.is_object()) throw PatchError(source, place, "expected an object");
    if (!j.contains("type") || !j["type"].is_string()) throw PatchError(source, place, "missing string \"type\"");
    const std::string type = j["type"].get<std::string>();
    place += " (" + messageExcerpt(type, kMessageExcerptBytes / 2) + ")";
    Event e;
    if (j.contains("frame") == j.contains("time")) throw PatchError(source, place, "give exactly one of \"time\" (seconds) or \"frame\"");
    if (j.contains("frame")) {
      const auto& f = j["frame"];
      if (!f.is_number_integer() || f.get<long long>() < 0) throw PatchError(source, place + " frame", "expected a non-negative integer");
      e.frame = f.get<std::uint64_t>();
    } else {
      const double t = number(j, "time", place, source, 0.0, 86400.0);
      e.frame = static_cast<std::uint64_t>(std::llround(t * rate));
    }
    if (j.contains("channel")) e.channel = static_cast<std::uint8_t>(integer(j, "channel", place, source, 0, 16));
    auto allow = [&](std::initializer_list<const char*> keys) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "type" || it.key() == "time" || it.key() == "frame" || it.key() == "channel") continue;
        if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return it.key() == k; }))
          throw PatchError(source, place + " key " + inQuotes(it.key()), "not a field of a " + type + " event");
      }
    };
    if (type == "noteOn" || type == "noteOff") {
      allow({"note", "velocity"});
      e.type = type == "noteOn" ? EventType::NoteOn : EventType::NoteOff;
      e.key = static_cast<std::uint8_t>(integer(j, "note", place, source, 0, 127));
      e.value = j.contains("velocity") ? static_cast<float>(number(j, "velocity", place, source, 0.0, 1.0))
                                       : (type == "noteOn" ? 1.0f : 0.0f);
    } else if (type == "cc") {
      allow({"controller", "value"});
      e.type = EventType::ControlChange;
      e.key = static_cast<std::uint8_t>(integer(j, "controller", place, source, 0, 127));
      e.value = static_cast<float>(number(j, "value", place, source, 0.0, 1.0));
    } else if (type == "pitchBend") {
      allow({"value"});
      e.type = EventType::PitchBend;
      e.value = static_cast<float>(number(j, "value", place, source, -1.0, 1.0));
    } else if (type == "pressure") {
      allow({"value"});
      e.type = EventType::ChannelPressure;
      e.value = static_cast<float>(number(j, "value", place, source, 0.0, 1.0));
    } else if (type == "allNotesOff") {
      allow({});
      e.type = EventType::AllNotesOff;
    } else if (type == "param") {
      allow({"module", "param", "value", "ramp", "curve"});
      e.type = EventType::ParamSet;
      const std::string module = string(j, "module", place, source), param = string(j, "param", place, source);
      const ModuleDescriptor* d = nullptr;
      for (const PatchGraph* patch : patches)
        if (const int m = patch->findModule(module); m >= 0) {
          d = registry_.find(patch->modules[static_cast<std::size_t>(m)].type)->descriptor;
          if (d->findParam(param) >= 0) break;
        }
      if (!d) throw PatchError(source, place, "the patch has no module " + inQuotes(module));
      const int p = d->findParam(param);
      if (p < 0) throw PatchError(source, place, d->type + " " + inQuotes(module) + " has no parameter " + inQuotes(param));
      const ParamDescriptor& pd = d->params[static_cast<std::size_t>(p)];
      if (pd.fixedAtLoad) throw PatchError(source, place, pd.fixedAtLoadCause(module));
      e.value = paramValue(j, place, source, pd);
      e.moduleKey = fnv1a64(module);
      e.paramKey = fnv1a64(param);
      if (j.contains("ramp")) e.rampFrames = static_cast<std::int32_t>(std::llround(number(j, "ramp", place, source, 0.0, 3600.0) * rate));
      if (j.contains("curve")) {
        const std::string curve = string(j, "curve", place, source);
        if (curve == "exponential") {
          e.curve = RampCurve::Exponential;
        } else if (curve != "linear") {
          throw PatchError(source, place + " curve", inQuotes(curve) + ": expected linear or exponential");
        }
      }
    } else if (type == "polyPressure") {
      allow({"note", "value"});
      e.type = EventType::PolyPressure;
      e.key = static_cast<std::uint8_t>(integer(j, "note", place, source, 0, 127));
      e.value = static_cast<float>(number(j, "value", place, source, 0.0, 1.0));
    } else {
      throw PatchError(source, place, "unknown event type (expected noteOn, noteOff, cc, pitchBend, pressure, polyPressure, allNotesOff, param, osc)");
    }
    return e;
  }

  // An OSC message at a time: the same address space as mvm-live's OSC port (osc_dispatch.h),
  // rendered deterministically. Parameters are checked against every patch that may play.
  class ScoreOscTarget final : public OscTarget {
  public:
    ScoreOscTarget(const ModuleRegistry& registry, const std::vector<const PatchGraph*>& patches, std::vector<Event>& out)
        : registry_(registry), patches_(patches), out_(out) {}
    bool post(const Event& e) override {
      out_.push_back(e);
      return true;
    }
    const ParamDescriptor* findParam(std::string_view module, std::string_view param) override {
      for (const PatchGraph* patch : patches_)
        if (const int m = patch->findModule(std::string(module)); m >= 0) {
          const ModuleDescriptor* d = registry_.find(patch->modules[static_cast<std::size_t>(m)].type)->descriptor;
          if (const int p = d->findParam(std::string(param)); p >= 0) return &d->params[static_cast<std::size_t>(p)];
        }
      return nullptr;
    }
    OscLoad loadPatch(const std::string&) override { return {"not in a score (use mvm-render --swap TIME=PATCH)", {}}; }
    OscLoad rollback() override { return {"not in a score", {}}; }
    std::optional<OscStatus> status() override { return std::nullopt; }

  private:
    const ModuleRegistry& registry_;
    const std::vector<const PatchGraph*>& patches_;
    std::vector<Event>& out_;
  };

  void parseOsc(const json& j, std::size_t i, const std::string& source, const std::vector<const PatchGraph*>& patches, double rate,
                std::vector<Event>& out) const {
    const std::string place = "events[" + std::to_string(i) + "] (osc)";
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "type" && it.key() != "time" && it.key() != "frame" && it.key() != "address" && it.key() != "args")
        throw PatchError(source, place + " key " + inQuotes(it.key()), "not a field of an osc event (time or frame, address, args)");
    if (j.contains("frame") == j.contains("time")) throw PatchError(source, place, "give exactly one of \"time\" (seconds) or \"frame\"");
    std::uint64_t frame;
    if (j.contains("frame")) {
      const auto& f = j["frame"];
      if (!f.is_number_integer() || f.get<long long>() < 0) throw PatchError(source, place + " frame", "expected a non-negative integer");
      frame = f.get<std::uint64_t>();
    } else {
      frame = static_cast<std::uint64_t>(std::llround(number(j, "time", place, source, 0.0, 86400.0) * rate));
    }
    const std::string address = string(j, "address", place, source);
    std::vector<OscArg> args;
    if (j.contains("args")) {
      if (!j["args"].is_array()) throw PatchError(source, place + " args", "expected an array of numbers and strings");
      for (const auto& a : j["args"]) {
        if (a.is_number_integer()) args.push_back(OscArg::integer(a.get<std::int64_t>()));
        else if (a.is_number()) args.push_back(OscArg::real(a.get<double>()));
        else if (a.is_string()) args.push_back(OscArg::string(a.get<std::string>()));
        else throw PatchError(source, place + " args", "expected numbers and strings, got " + jsonExcerpt(a));
      }
    }
    ScoreOscTarget target(registry_, patches, out);
    OscDispatcher dispatcher(target, rate);
    const OscReply reply = dispatcher.handle(address, args, frame);
    if (reply.address == "/mvm/error") throw PatchError(source, place + " " + messageExcerpt(address), reply.args.at(1).s);
  }

  static double number(const json& j, const char* key, const std::string& place, const std::string& source, double lo, double hi) {
    if (!j.contains(key)) throw PatchError(source, place, std::string("missing \"") + key + "\"");
    const auto& v = j[key];
    if (!v.is_number()) throw PatchError(source, place + " " + key, std::string("expected a number, got ") + v.type_name());
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi)
      throw PatchError(source, place + " " + key, jsonExcerpt(v) + " is out of range [" + fmt(lo) + ", " + fmt(hi) + "]");
    return x;
  }
  // A param event's value, within the parameter's range as the docs print it (ParamDescriptor::accepts).
  static float paramValue(const json& j, const std::string& place, const std::string& source, const ParamDescriptor& pd) {
    if (!j.contains("value")) throw PatchError(source, place, "missing \"value\"");
    const auto& v = j["value"];
    if (!v.is_number()) throw PatchError(source, place + " value", std::string("expected a number, got ") + v.type_name());
    if (!pd.accepts(v.get<double>()))
      throw PatchError(source, place + " value", jsonExcerpt(v) + " is out of range " + pd.rangeText());
    return static_cast<float>(v.get<double>());
  }
  static long long integer(const json& j, const char* key, const std::string& place, const std::string& source, long long lo, long long hi) {
    if (!j.contains(key)) throw PatchError(source, place, std::string("missing \"") + key + "\"");
    const auto& v = j[key];
    if (!v.is_number_integer()) throw PatchError(source, place + " " + key, "expected an integer, got " + jsonExcerpt(v));
    const std::optional<long long> x = jsonIntegerWithin(v, lo, hi);
    if (!x) throw PatchError(source, place + " " + key, jsonExcerpt(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return *x;
  }
  static std::string string(const json& j, const char* key, const std::string& place, const std::string& source) {
    if (!j.contains(key) || !j[key].is_string()) throw PatchError(source, place, std::string("missing string \"") + key + "\"");
    return j[key].get<std::string>();
  }
  static std::string fmt(double x) {
    std::string s = std::to_string(x);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  const ModuleRegistry& registry_;
};

} // namespace mvm
