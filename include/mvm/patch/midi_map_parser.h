#pragma once
// The "midi" section of a patch → MidiMap, checked against the patch's modules (every target
// parameter must exist and the mapped range must lie within it). Control thread; throws PatchError.

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "mvm/core/message_text.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/patch/json_document.h"
#include "mvm/patch/midi_map.h"
#include "mvm/patch/patch_error.h"
#include "mvm/patch/patch_graph.h"

namespace mvm {

// `g` holds the parsed modules; a "bendRange" is written into each VoiceController's params.
inline MidiMap parseMidiMap(const nlohmann::json& j, PatchGraph& g, const ModuleRegistry& registry, const std::string& source) {
  using json = nlohmann::json;
  MidiMap map;
  if (!j.is_object()) throw PatchError(source, "midi", std::string("expected an object, got ") + j.type_name());
  auto integer = [&](const json& o, const char* key, const std::string& place, int lo, int hi) {
    const json& v = o[key];
    const std::optional<long long> x = jsonIntegerWithin(v, lo, hi);
    if (!x) throw PatchError(source, place + " " + key, "expected an integer within [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + jsonExcerpt(v));
    return static_cast<int>(*x);
  };
  auto number = [&](const json& o, const char* key, const std::string& place) {
    const json& v = o[key];
    if (!v.is_number() || !std::isfinite(v.get<double>())) throw PatchError(source, place + " " + key, "expected a number, got " + jsonExcerpt(v));
    return v.get<double>();
  };
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "channel" && it.key() != "notes" && it.key() != "bendRange" && it.key() != "controls")
      throw PatchError(source, "midi key " + inQuotes(it.key()), "unknown key (expected channel, notes, bendRange, controls)");
  if (j.contains("channel")) map.channel = integer(j, "channel", "midi", 0, 16);
  if (j.contains("notes")) {
    if (!j["notes"].is_boolean()) throw PatchError(source, "midi notes", "expected true or false");
    map.notes = j["notes"].get<bool>();
  }
  if (j.contains("bendRange")) {
    const double r = number(j, "bendRange", "midi");
    if (r < 0 || r > 48) throw PatchError(source, "midi bendRange", "expected semitones within [0, 48]");
    map.bendRange = static_cast<float>(r);
    for (ModuleSpec& m : g.modules)
      if (m.type == "VoiceController") m.params["bendRange"] = *map.bendRange;
  }
  if (!j.contains("controls")) return map;
  const json& controls = j["controls"];
  if (!controls.is_array()) throw PatchError(source, "midi controls", "expected an array");
  for (std::size_t i = 0; i < controls.size(); ++i) {
    const json& c = controls[i];
    std::string place = "midi controls[" + std::to_string(i) + "]";
    if (!c.is_object()) throw PatchError(source, place, "expected an object");
    for (auto it = c.begin(); it != c.end(); ++it)
      if (it.key() != "cc" && it.key() != "source" && it.key() != "to" && it.key() != "min" && it.key() != "max" &&
          it.key() != "curve" && it.key() != "channel" && it.key() != "ramp")
        throw PatchError(source, place + " key " + inQuotes(it.key()), "unknown key (expected cc or source, to, min, max, curve, channel, ramp)");
    MidiControlMap m;
    if (c.contains("cc") == c.contains("source")) throw PatchError(source, place, "give exactly one of \"cc\" (0..127) or \"source\" (pressure, bend)");
    if (c.contains("cc")) {
      m.controller = integer(c, "cc", place, 0, 127);
      place += " (cc " + std::to_string(m.controller) + ")";
    } else {
      const json& s = c["source"];
      if (s == "pressure") m.source = MidiControlMap::Source::ChannelPressure;
      else if (s == "bend") m.source = MidiControlMap::Source::PitchBend;
      else throw PatchError(source, place + " source", "expected \"pressure\" or \"bend\", got " + jsonExcerpt(s));
      place += " (" + s.get<std::string>() + ")";
    }
    if (c.contains("channel")) m.channel = integer(c, "channel", place, 0, 16);
    if (!c.contains("to") || !c["to"].is_string()) throw PatchError(source, place, "missing \"to\": \"MODULE.PARAM\"");
    const std::string to = c["to"].get<std::string>();
    const auto dot = to.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == to.size())
      throw PatchError(source, place + " to", inQuotes(to) + " is not of the form \"module.param\"");
    m.module = to.substr(0, dot);
    m.param = to.substr(dot + 1);
    const int mi = g.findModule(m.module);
    if (mi < 0) throw PatchError(source, place + " to", "no module " + inQuotes(m.module));
    const ModuleDescriptor& d = *registry.find(g.modules[static_cast<std::size_t>(mi)].type)->descriptor;
    const int pi = d.findParam(m.param);
    if (pi < 0) throw PatchError(source, place + " to", d.type + " " + inQuotes(m.module) + " has no parameter " + inQuotes(m.param));
    const ParamDescriptor& pd = d.params[static_cast<std::size_t>(pi)];
    if (pd.fixedAtLoad) throw PatchError(source, place + " to", pd.fixedAtLoadCause(m.module));
    // Checked as given, before it becomes a float (a double beyond a float's range cannot).
    auto bound = [&](const char* key, float fallback) {
      if (!c.contains(key)) return fallback;
      const double v = number(c, key, place);
      if (!pd.accepts(v))
        throw PatchError(source, place + " " + key, shortestDecimal(v) + " is out of range " + pd.rangeText() + " of " + messageExcerpt(to));
      return static_cast<float>(v);
    };
    m.min = bound("min", pd.min);
    m.max = bound("max", pd.max);
    if (c.contains("curve")) {
      const json& cv = c["curve"];
      if (cv == "linear") m.curve = RampCurve::Linear;
      else if (cv == "exponential") m.curve = RampCurve::Exponential;
      else throw PatchError(source, place + " curve", "expected \"linear\" or \"exponential\", got " + jsonExcerpt(cv));
      if (m.curve == RampCurve::Exponential && (m.min == 0.0f || m.max == 0.0f || (m.min > 0.0f) != (m.max > 0.0f)))
        throw PatchError(source, place + " curve", "an exponential curve needs min and max non-zero and of the same sign");
    }
    if (c.contains("ramp")) {
      m.rampSeconds = number(c, "ramp", place);
      if (m.rampSeconds < 0 || m.rampSeconds > 60) throw PatchError(source, place + " ramp", "expected seconds within [0, 60]");
    }
    map.controls.push_back(std::move(m));
  }
  return map;
}

} // namespace mvm
