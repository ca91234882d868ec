#pragma once
// A parsed, validated patch: modules with the parameter values the patch gives, and cables.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mvm/patch/midi_map.h"

namespace mvm {

struct ModuleSpec {
  std::string id;
  std::string type;
  std::map<std::string, float> params; // only those the patch sets; the rest take defaults
};

struct PortRef {
  std::string module;
  std::string port;
  std::string str() const { return module + "." + port; }
};

struct Connection {
  PortRef from;         // an output
  PortRef to;           // an input, or a parameter (modulation)
  float amount = 1.0f;  // the cable's gain
};

struct PatchGraph {
  std::string source;   // file name or "<string>", for messages
  std::string name;
  std::uint64_t seed = 0;
  std::vector<ModuleSpec> modules;
  std::vector<Connection> connections;
  MidiMap midi;         // the "midi" section (defaults when absent)

  // control thread; -1 when absent
  int findModule(const std::string& id) const noexcept {
    for (std::size_t i = 0; i < modules.size(); ++i)
      if (modules[i].id == id) return static_cast<int>(i);
    return -1;
  }
};

} // namespace mvm
