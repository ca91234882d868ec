#pragma once
// Registers the engine's envelopes, modulators, VCAs, mixers and utilities.

#include "mvm/dsp/module_registry.h"

namespace mvm {

inline void registerModulationModules(ModuleRegistry& r) {
  (void)r;
}

} // namespace mvm
