#pragma once
// The registry of every module type that ships with the engine.

#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/modules/adsr.h"
#include "mvm/dsp/modules/audio_out.h"
#include "mvm/dsp/modules/catalog_effects.h"
#include "mvm/dsp/modules/catalog_modulation.h"
#include "mvm/dsp/modules/catalog_sources.h"
#include "mvm/dsp/modules/gain.h"
#include "mvm/dsp/modules/sine_gen.h"
#include "mvm/dsp/modules/voice_controller.h"

namespace mvm {

// any thread (built once, then read-only)
inline const ModuleRegistry& builtinModules() {
  static const ModuleRegistry registry = [] {
    ModuleRegistry r;
    r.add<modules::ADSR>();
    r.add<modules::AudioOut>();
    r.add<modules::Gain>();
    r.add<modules::SineGen>();
    r.add<modules::VoiceController>();
    registerSourceModules(r);
    registerModulationModules(r);
    registerEffectModules(r);
    return r;
  }();
  return registry;
}

} // namespace mvm
