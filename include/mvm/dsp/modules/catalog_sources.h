#pragma once
// Registers the engine's oscillators, noise, random sources and filters.

#include "mvm/dsp/module_registry.h"

namespace mvm {

inline void registerSourceModules(ModuleRegistry& r) {
  (void)r;
}

} // namespace mvm
