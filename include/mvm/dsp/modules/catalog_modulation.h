#pragma once
// Registers the engine's envelopes, modulators, VCAs, mixers and utilities.

#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/modules/ad.h"
#include "mvm/dsp/modules/ar.h"
#include "mvm/dsp/modules/arithmetic.h"
#include "mvm/dsp/modules/comparator.h"
#include "mvm/dsp/modules/crossfader.h"
#include "mvm/dsp/modules/envelope_follower.h"
#include "mvm/dsp/modules/lfo.h"
#include "mvm/dsp/modules/logic.h"
#include "mvm/dsp/modules/mixer.h"
#include "mvm/dsp/modules/panner.h"
#include "mvm/dsp/modules/pitch.h"
#include "mvm/dsp/modules/polyphony.h"
#include "mvm/dsp/modules/quantizer.h"
#include "mvm/dsp/modules/slew.h"
#include "mvm/dsp/modules/switches.h"
#include "mvm/dsp/modules/vca.h"

namespace mvm {

inline void registerModulationModules(ModuleRegistry& r) {
  // envelopes and modulators
  r.add<modules::AD>();
  r.add<modules::AR>();
  r.add<modules::LFO>();
  r.add<modules::Slew>();
  r.add<modules::EnvelopeFollower>();
  // VCAs and mixers
  r.add<modules::VCA>();
  r.add<modules::Mixer>();
  r.add<modules::Crossfader>();
  r.add<modules::Panner>();
  // utilities
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
}

} // namespace mvm
