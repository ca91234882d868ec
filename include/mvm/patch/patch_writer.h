#pragma once
// PatchGraph → canonical patch JSON (docs/patch-format.md): what PatchParser reads back into an
// equal graph, whatever the original text looked like. Session recordings store every program's
// patch this way, so that a rollback (which recompiles a graph, not a file) can be replayed too.
// Values are written as the floats the graph holds, exactly (JSON numbers round-trip doubles).
// The "midi" section is not written: MIDI reaches a recording as the events it was mapped to.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "mvm/patch/patch_graph.h"

namespace mvm {

// control thread. `seed` replaces the graph's (the seed a program was actually compiled with).
inline nlohmann::json patchToJson(const PatchGraph& g, std::uint64_t seed) {
  nlohmann::json root = nlohmann::json::object();
  root["format"] = "mvm-patch";
  root["version"] = 1;
  if (!g.name.empty()) root["name"] = g.name;
  root["seed"] = seed;
  nlohmann::json modules = nlohmann::json::array();
  for (const ModuleSpec& m : g.modules) {
    nlohmann::json jm = {{"id", m.id}, {"type", m.type}};
    if (!m.params.empty()) {
      nlohmann::json params = nlohmann::json::object();
      for (const auto& [name, value] : m.params) params[name] = static_cast<double>(value);
      jm["params"] = std::move(params);
    }
    modules.push_back(std::move(jm));
  }
  root["modules"] = std::move(modules);
  nlohmann::json cables = nlohmann::json::array();
  for (const Connection& c : g.connections) {
    nlohmann::json jc = {{"from", c.from.str()}, {"to", c.to.str()}};
    if (c.amount != 1.0f) jc["amount"] = static_cast<double>(c.amount);
    cables.push_back(std::move(jc));
  }
  root["connections"] = std::move(cables);
  return root;
}

inline nlohmann::json patchToJson(const PatchGraph& g) { return patchToJson(g, g.seed); }

} // namespace mvm
