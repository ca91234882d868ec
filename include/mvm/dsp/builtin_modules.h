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

inline ModuleRegistry makeBuiltinModules() {
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
}

// any thread (built once, then read-only).
// A build of many small programs (the project's tests) defines MVM_BUILTIN_MODULES_COMPILED_ONCE and
// defines builtinModules() in one source file: every other file then does without the code of all
// seventy modules, which creating the registry pulls in (a test file compiles in a third of the time).
#if defined(MVM_BUILTIN_MODULES_COMPILED_ONCE)
const ModuleRegistry& builtinModules();
#else
inline const ModuleRegistry& builtinModules() {
  static const ModuleRegistry registry = makeBuiltinModules();
  return registry;
}
#endif

} // namespace mvm
