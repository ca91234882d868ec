#pragma once
// Rejects patches that could not run in bounded, preallocated memory.

#include <cstddef>
#include <string>

#include "mvm/dsp/builtin_modules.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/patch/limits.h"
#include "mvm/patch/patch_error.h"
#include "mvm/patch/patch_graph.h"

namespace mvm {

// control thread; throws PatchError. Sizes are upper bounds: every cable at full polyphony.
inline void validateRealTimeConstraints(const PatchGraph& g, const ModuleRegistry& registry = builtinModules()) {
  if (g.modules.size() > limits::kMaxModules)
    throw PatchError(g.source, "modules", std::to_string(g.modules.size()) + " modules; the limit is " +
                                              std::to_string(limits::kMaxModules));
  if (g.connections.size() > limits::kMaxConnections)
    throw PatchError(g.source, "connections", std::to_string(g.connections.size()) + " connections; the limit is " +
                                                  std::to_string(limits::kMaxConnections));
  std::size_t floats = 0;
  for (const auto& m : g.modules) {
    const auto* e = registry.find(m.type);
    if (!e) throw PatchError(g.source, "module \"" + m.id + "\"", "unknown module type \"" + m.type + "\"");
    const auto& d = *e->descriptor;
    floats += (d.outputs.size() + d.params.size()) * static_cast<std::size_t>(kMaxChannels * kBlockFrames);
  }
  floats += g.connections.size() * static_cast<std::size_t>(kMaxChannels * kBlockFrames);
  if (floats * sizeof(float) > limits::kMaxArenaBytes)
    throw PatchError(g.source, "", "signal buffers could need " + std::to_string(floats * sizeof(float) >> 20) +
                                       " MiB; the limit is " + std::to_string(limits::kMaxArenaBytes >> 20) + " MiB");
}

} // namespace mvm
