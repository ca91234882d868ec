#pragma once
// The registry of every module type that ships with the engine: one list. A new module is one
// header in modules/ and one line here (the order is the order of --list-modules and
// docs/modules.md).

#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/modules/ad.h"
#include "mvm/dsp/modules/adsr.h"
#include "mvm/dsp/modules/allpass.h"
#include "mvm/dsp/modules/ar.h"
#include "mvm/dsp/modules/arithmetic.h"
#include "mvm/dsp/modules/audio_in.h"
#include "mvm/dsp/modules/audio_out.h"
#include "mvm/dsp/modules/bernoulli.h"
#include "mvm/dsp/modules/biquad.h"
#include "mvm/dsp/modules/bitcrusher.h"
#include "mvm/dsp/modules/chorus_flanger.h"
#include "mvm/dsp/modules/clock.h"
#include "mvm/dsp/modules/comb.h"
#include "mvm/dsp/modules/comparator.h"
#include "mvm/dsp/modules/crossfader.h"
#include "mvm/dsp/modules/dc_blocker.h"
#include "mvm/dsp/modules/delay.h"
#include "mvm/dsp/modules/dynamics.h"
#include "mvm/dsp/modules/envelope_follower.h"
#include "mvm/dsp/modules/euclidean.h"
#include "mvm/dsp/modules/fm_operator.h"
#include "mvm/dsp/modules/formant.h"
#include "mvm/dsp/modules/gain.h"
#include "mvm/dsp/modules/gate_utils.h"
#include "mvm/dsp/modules/ladder.h"
#include "mvm/dsp/modules/lfo.h"
#include "mvm/dsp/modules/logic.h"
#include "mvm/dsp/modules/meter.h"
#include "mvm/dsp/modules/mixer.h"
#include "mvm/dsp/modules/noise.h"
#include "mvm/dsp/modules/one_pole.h"
#include "mvm/dsp/modules/panner.h"
#include "mvm/dsp/modules/phaser.h"
#include "mvm/dsp/modules/pitch.h"
#include "mvm/dsp/modules/polyphony.h"
#include "mvm/dsp/modules/pulse_osc.h"
#include "mvm/dsp/modules/quantizer.h"
#include "mvm/dsp/modules/random.h"
#include "mvm/dsp/modules/reverb.h"
#include "mvm/dsp/modules/plate.h"
#include "mvm/dsp/modules/sample_hold.h"
#include "mvm/dsp/modules/saw_osc.h"
#include "mvm/dsp/modules/sine_gen.h"
#include "mvm/dsp/modules/slew.h"
#include "mvm/dsp/modules/step_sequencer.h"
#include "mvm/dsp/modules/sub_osc.h"
#include "mvm/dsp/modules/supersaw.h"
#include "mvm/dsp/modules/svf.h"
#include "mvm/dsp/modules/switches.h"
#include "mvm/dsp/modules/triangle_osc.h"
#include "mvm/dsp/modules/vca.h"
#include "mvm/dsp/modules/vco.h"
#include "mvm/dsp/modules/voice_controller.h"
#include "mvm/dsp/modules/waveshaper.h"
#include "mvm/dsp/modules/wavetable.h"

namespace mvm {

inline ModuleRegistry makeBuiltinModules() {
  ModuleRegistry r;
  r.add<modules::ADSR>();
  r.add<modules::AudioOut>();
  r.add<modules::Gain>();
  r.add<modules::SineGen>();
  r.add<modules::VoiceController>();
  r.add<modules::VCO>();
  r.add<modules::SawOsc>();
  r.add<modules::PulseOsc>();
  r.add<modules::TriangleOsc>();
  r.add<modules::Supersaw>();
  r.add<modules::FMOperator>();
  r.add<modules::Wavetable>();
  r.add<modules::SubOsc>();
  r.add<modules::Noise>();
  r.add<modules::SampleHold>();
  r.add<modules::RandomSource>();
  r.add<modules::Bernoulli>();
  r.add<modules::SVF>();
  r.add<modules::Ladder>();
  r.add<modules::OnePole>();
  r.add<modules::Biquad>();
  r.add<modules::Comb>();
  r.add<modules::Allpass>();
  r.add<modules::DCBlocker>();
  r.add<modules::Formant>();
  r.add<modules::AD>();
  r.add<modules::AR>();
  r.add<modules::LFO>();
  r.add<modules::Slew>();
  r.add<modules::EnvelopeFollower>();
  r.add<modules::VCA>();
  r.add<modules::Mixer>();
  r.add<modules::Crossfader>();
  r.add<modules::Panner>();
  r.add<modules::Attenuverter>();
  r.add<modules::Constant>();
  r.add<modules::Add>();
  r.add<modules::Multiply>();
  r.add<modules::Abs>();
  r.add<modules::MinMax>();
  r.add<modules::Clamp>();
  r.add<modules::Quantizer>();
  r.add<modules::Comparator>();
  r.add<modules::Logic>();
  r.add<modules::Switch>();
  r.add<modules::SequentialSwitch>();
  r.add<modules::Merge>();
  r.add<modules::Split>();
  r.add<modules::Sum>();
  r.add<modules::Octave>();
  r.add<modules::PitchToHz>();
  r.add<modules::Delay>();
  r.add<modules::PingPongDelay>();
  r.add<modules::Reverb>();
  r.add<modules::Plate>();
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
