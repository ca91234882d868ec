#pragma once
// Registers the engine's effects, sequencing, voices and I/O.

#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/modules/audio_in.h"
#include "mvm/dsp/modules/bitcrusher.h"
#include "mvm/dsp/modules/chorus_flanger.h"
#include "mvm/dsp/modules/clock.h"
#include "mvm/dsp/modules/delay.h"
#include "mvm/dsp/modules/dynamics.h"
#include "mvm/dsp/modules/euclidean.h"
#include "mvm/dsp/modules/gate_utils.h"
#include "mvm/dsp/modules/meter.h"
#include "mvm/dsp/modules/phaser.h"
#include "mvm/dsp/modules/reverb.h"
#include "mvm/dsp/modules/step_sequencer.h"
#include "mvm/dsp/modules/waveshaper.h"

namespace mvm {

inline void registerEffectModules(ModuleRegistry& r) {
  r.add<modules::Delay>();
  r.add<modules::PingPongDelay>();
  r.add<modules::Reverb>();
  r.add<modules::Chorus>();
  r.add<modules::Flanger>();
  r.add<modules::Phaser>();
  r.add<modules::Waveshaper>();
  r.add<modules::Bitcrusher>();
  r.add<modules::Compressor>();
  r.add<modules::Limiter>();
  r.add<modules::Clock>();
  r.add<modules::ClockDivider>();
  r.add<modules::StepSequencer>();
  r.add<modules::Euclidean>();
  r.add<modules::TriggerToGate>();
  r.add<modules::Counter>();
  r.add<modules::GateDelay>();
  r.add<modules::AudioIn>();
  r.add<modules::Meter>();
}

} // namespace mvm
