#pragma once
// The benchmark patches shared by the Google Benchmark suites and the fixed-work driver of the
// regression gate: (a) bench/patches/sines64.json, (b) bench/patches/subtractive16.json with its
// score, widened to any voice count, and the synthetic patches for compile and dispatch costs.
// The numbers come from bench/patches/definitions.py (the peers use the same file).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "mvm/mvm.h"

namespace mvm::bench {

inline std::string benchPatchPath(const std::string& name) { return std::string(MVM_SOURCE_DIR) + "/bench/patches/" + name; }

inline PatchGraph sinesPatch() { return PatchParser(builtinModules()).parseFromFile(benchPatchPath("sines64.json")); }

// Patch (b) with `voices` voices: groups of up to 16 (one VoiceController each, following MIDI
// channel g + 1) copied from subtractive16.json, all summed into its one delay and output.
// `base` "ladder16.json": the same for patch (c).
inline PatchGraph subtractivePatch(int voices, const std::string& base = "subtractive16.json") {
  const PatchGraph one = PatchParser(builtinModules()).parseFromFile(benchPatchPath(base));
  auto shared = [](const std::string& id) { return id == "delay" || id == "out"; };
  PatchGraph g = one;
  g.modules.clear();
  g.connections.clear();
  const int groups = (voices + 15) / 16;
  for (const ModuleSpec& m : one.modules)
    if (shared(m.id)) g.modules.push_back(m);
  for (int grp = 0; grp < groups; ++grp) {
    const std::string suffix = grp == 0 ? "" : "_" + std::to_string(grp);
    for (ModuleSpec m : one.modules) {
      if (shared(m.id)) continue;
      m.id += suffix;
      if (m.type == "VoiceController") {
        m.params["voices"] = static_cast<float>(std::min(16, voices - 16 * grp));
        m.params["channel"] = static_cast<float>(grp + 1);
      }
      g.modules.push_back(m);
    }
    for (Connection c : one.connections) {
      if (!shared(c.from.module)) c.from.module += suffix;
      if (!shared(c.to.module)) c.to.module += suffix;
      if (grp > 0 && shared(c.from.module) && shared(c.to.module)) continue;
      g.connections.push_back(c);
    }
  }
  return g;
}

// The score of (b) for `voices` voices, the rule of definitions.py's voice_events: voice k plays
// note 36 + 3 (k % 16) on MIDI channel k / 16 + 1, retriggered every 0.5 s, staggered by
// 0.5 / 16 s, held 0.375 s. For 16 voices it equals subtractive16.score.json.
inline Score subtractiveScore(int voices, double seconds, double rate = 48000.0) {
  Score s;
  const int periods = static_cast<int>(seconds / 0.5 + 0.5);
  for (int p = 0; p < periods; ++p)
    for (int k = 0; k < voices; ++k) {
      const double t = p * 0.5 + (k % 16) * (0.5 / 16);
      Event on, off;
      on.type = EventType::NoteOn;
      off.type = EventType::NoteOff;
      on.channel = off.channel = static_cast<std::uint8_t>(k / 16 + 1);
      on.key = off.key = static_cast<std::uint8_t>(36 + 3 * (k % 16));
      on.value = 1.0f;
      on.frame = static_cast<std::uint64_t>(std::llround(t * rate));
      off.frame = static_cast<std::uint64_t>(std::llround((t + 0.375) * rate));
      s.events.push_back(on);
      s.events.push_back(off);
    }
  // Same-frame order as the generated score file: offs before ons.
  std::stable_sort(s.events.begin(), s.events.end(), [](const Event& a, const Event& b) {
    return a.frame != b.frame ? a.frame < b.frame : (a.type == EventType::NoteOff && b.type == EventType::NoteOn);
  });
  s.durationSeconds = seconds;
  s.lastFrame = s.events.empty() ? 0 : s.events.back().frame;
  return s;
}

// A patch of n modules for compile-time runs: oscillators into chains of gains, like a real
// patch's mix of sources and processing.
inline std::string compilePatchJson(int n, float freq = 100.0f) {
  std::string modules = R"({"id": "out", "type": "AudioOut"})", cables;
  const int sources = std::max(1, n / 4);
  for (int i = 0; i < sources; ++i)
    modules += R"(, {"id": "s)" + std::to_string(i) + R"(", "type": "SineGen", "params": {"freq": )" +
               std::to_string(freq + static_cast<float>(i)) + R"(, "amp": 0.01}})";
  for (int i = 0; i + sources + 1 < n; ++i) {
    modules += R"(, {"id": "g)" + std::to_string(i) + R"(", "type": "Gain", "params": {"gain": 0.99}})";
    cables += std::string(cables.empty() ? "" : ", ") + R"({"from": ")" + (i == 0 ? "s0" : "g" + std::to_string(i - 1)) +
              R"(.out", "to": "g)" + std::to_string(i) + R"(.in"})";
  }
  return R"({"modules": [)" + modules + R"(], "connections": [)" + cables + "]}";
}

// n Constant modules at their defaults: each costs two PARAM and one PROCESS instruction whose
// work is a few stores, so the time per instruction is mostly the VM's dispatch.
inline std::string dispatchPatchJson(int n) {
  std::string modules = R"({"id": "out", "type": "AudioOut"})";
  for (int i = 0; i < n; ++i) modules += R"(, {"id": "c)" + std::to_string(i) + R"(", "type": "Constant"})";
  return R"({"modules": [)" + modules + R"(], "connections": []})";
}

// Instructions a program executes per block (its bytecode has no branches).
inline std::size_t instructionCount(const Program& p) {
  std::size_t n = 0;
  for (std::size_t pc = 0; pc < p.code.size(); pc += 1 + kOperandCount[p.code[pc]]) ++n;
  return n;
}

} // namespace mvm::bench
