#pragma once
// What the overload tests share: a patch whose cost is chosen to overload this machine by a
// known factor, measured rather than guessed, so that the same test means the same on a fast and
// a slow machine.

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "mvm/core/clock.h"
#include "mvm/mvm.h"

namespace mvm::test::overload {

// 16 voices, each a saw through `ladders` Ladder filters in series. Gated: then an amplifier
// opened by a short ADSR, so a released voice falls silent 50 ms after its note-off and the
// compiler's voice gates pause its chain. Ungated: the chain goes straight to the mixer, heavy
// with or without notes.
inline std::string heavyPatch(int ladders, bool gated) {
  std::string m = R"({"id": "keys", "type": "VoiceController", "params": {"voices": 16}},
    {"id": "saw", "type": "SawOsc"},
    {"id": "env", "type": "ADSR", "params": {"attack": 0.001, "decay": 0.1, "sustain": 0.8, "release": 0.05}},
    {"id": "vca", "type": "VCA"},
    {"id": "mix", "type": "Mixer", "params": {"g1": 0.05}},
    {"id": "out", "type": "AudioOut"})";
  std::string c = R"({"from": "keys.pitch", "to": "saw.pitch"}, {"from": "keys.gate", "to": "env.gate"}, {"from": "saw.out", "to": "f0.in"})";
  for (int k = 0; k < ladders; ++k) {
    m += R"(, {"id": "f)" + std::to_string(k) + R"(", "type": "Ladder", "params": {"cutoff": 3000, "resonance": 0.5}})";
    if (k > 0) c += R"(, {"from": "f)" + std::to_string(k - 1) + R"(.lp", "to": "f)" + std::to_string(k) + R"(.in"})";
  }
  const std::string last = "f" + std::to_string(ladders - 1) + ".lp";
  if (gated) c += R"(, {"from": ")" + last + R"(", "to": "vca.in"}, {"from": "env.env", "to": "vca.cv"}, {"from": "vca.out", "to": "mix.in1"})";
  else c += R"(, {"from": ")" + last + R"(", "to": "mix.in1"}, {"from": "env.env", "to": "vca.cv"})";
  c += R"(, {"from": "mix.out", "to": "out.left"})";
  return R"({"format": "mvm-patch", "version": 1, "name": "overload test", "seed": 3, "modules": [)" + m + R"(], "connections": [)" + c + "]}";
}

inline std::unique_ptr<Program> compileText(const std::string& text) {
  CompileOptions co;
  return Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(text), co);
}

inline void holdNotes(VM& vm, int count) {
  for (int k = 0; k < count; ++k) {
    Event e;
    e.frame = kFrameNow;
    e.type = EventType::NoteOn;
    e.key = static_cast<std::uint8_t>(40 + 2 * k);
    e.value = 0.8f;
    vm.postEvent(e);
  }
}

// The median wall time of `callbacks` host buffers of `frames`, in ns.
inline double medianBlockNs(VM& vm, int callbacks, int frames) {
  std::vector<float> l(static_cast<std::size_t>(frames)), r(static_cast<std::size_t>(frames));
  float* out[2] = {l.data(), r.data()};
  std::vector<double> ns;
  for (int i = 0; i < callbacks; ++i) {
    const std::uint64_t t0 = steadyNowNs();
    vm.process(nullptr, out, frames);
    ns.push_back(static_cast<double>(steadyNowNs() - t0));
  }
  std::nth_element(ns.begin(), ns.begin() + static_cast<long>(ns.size() / 2), ns.end());
  return ns[ns.size() / 2];
}

// A VM playing heavyPatch(ladders, gated) with 16 notes held, past their attack.
inline std::unique_ptr<VM> playing(int ladders, bool gated, int frames) {
  auto vm = std::make_unique<VM>(VMConfig{});
  vm->loadProgram(compileText(heavyPatch(ladders, gated)));
  holdNotes(*vm, 16);
  medianBlockNs(*vm, 16, frames); // the attack, and warm caches
  return vm;
}

// The ladders per voice that make heavyPatch need `percent` of the budget of `frames` at `rate`
// with 16 notes held, from two measurements (the ladders' cost and what the rest costs).
inline int laddersFor(double percent, int frames, double rate, bool gated) {
  const double budgetNs = 1e9 * frames / rate;
  const double t8 = medianBlockNs(*playing(8, gated, frames), 40, frames);
  const double t24 = medianBlockNs(*playing(24, gated, frames), 40, frames);
  const double perLadder = std::max((t24 - t8) / 16.0, 1.0), rest = std::max(t8 - 8 * perLadder, 0.0);
  return std::clamp(static_cast<int>(std::lround((percent / 100.0 * budgetNs - rest) / perLadder)), 1, 1000);
}

} // namespace mvm::test::overload
