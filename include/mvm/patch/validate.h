#pragma once
// Rejects patches that could not run in bounded, preallocated memory.

#include <cstddef>
#include <string>
#include <vector>

#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/patch/limits.h"
#include "mvm/patch/module_type.h"
#include "mvm/patch/patch_error.h"
#include "mvm/patch/patch_graph.h"

namespace mvm {

// control thread; throws PatchError. Sizes are upper bounds: every cable at full polyphony.
inline void validateRealTimeConstraints(const PatchGraph& g, const ModuleRegistry& registry) {
  if (g.modules.size() > limits::kMaxModules)
    throw PatchError(g.source, "modules", std::to_string(g.modules.size()) + " modules; the limit is " +
                                              std::to_string(limits::kMaxModules));
  if (g.connections.size() > limits::kMaxConnections)
    throw PatchError(g.source, "connections", std::to_string(g.connections.size()) + " connections; the limit is " +
                                                  std::to_string(limits::kMaxConnections));
  std::size_t floats = 0;
  for (const auto& m : g.modules) {
    const auto& d = *findModuleType(registry, m.type, g.source, m.id).descriptor;
    floats += (d.outputs.size() + d.params.size()) * static_cast<std::size_t>(kMaxChannels * kBlockFrames);
  }
  floats += g.connections.size() * static_cast<std::size_t>(kMaxChannels * kBlockFrames);
  if (floats * sizeof(float) > limits::kMaxArenaBytes)
    throw PatchError(g.source, "", "signal buffers could need " + std::to_string(floats * sizeof(float) >> 20) +
                                       " MiB; the limit is " + std::to_string(limits::kMaxArenaBytes >> 20) + " MiB");
}

// control thread, once channel counts are resolved and before any module is prepared: the memory
// the modules will allocate (DSPModule::preparedMemory), summed in patch order; throws PatchError
// naming the module with which the program passes limits::kMaxModuleBytes. modules[m] is the
// instance of g.modules[m].
inline void validateModuleMemory(const PatchGraph& g, const std::vector<const DSPModule*>& modules) {
  const auto mib = [](std::size_t bytes) { return std::to_string((bytes + (std::size_t{1} << 20) - 1) >> 20); };
  std::size_t total = 0;
  for (std::size_t m = 0; m < modules.size(); ++m) {
    const PreparedMemory need = modules[m]->preparedMemory();
    total += need.bytes;
    if (total > limits::kMaxModuleBytes)
      throw PatchError(g.source, "module \"" + g.modules[m].id + "\" (" + g.modules[m].type + ")",
                       std::string(need.what) + " need " + mib(need.bytes) + " MiB; the program would need " + mib(total) +
                           " MiB of module memory, the limit is " + mib(limits::kMaxModuleBytes) + " MiB");
  }
}

} // namespace mvm
