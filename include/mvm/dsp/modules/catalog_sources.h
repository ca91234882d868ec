#pragma once
// Registers the engine's oscillators, noise, random sources and filters.

#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/modules/allpass.h"
#include "mvm/dsp/modules/bernoulli.h"
#include "mvm/dsp/modules/biquad.h"
#include "mvm/dsp/modules/comb.h"
#include "mvm/dsp/modules/dc_blocker.h"
#include "mvm/dsp/modules/fm_operator.h"
#include "mvm/dsp/modules/formant.h"
#include "mvm/dsp/modules/ladder.h"
#include "mvm/dsp/modules/noise.h"
#include "mvm/dsp/modules/one_pole.h"
#include "mvm/dsp/modules/pulse_osc.h"
#include "mvm/dsp/modules/random.h"
#include "mvm/dsp/modules/sample_hold.h"
#include "mvm/dsp/modules/saw_osc.h"
#include "mvm/dsp/modules/sub_osc.h"
#include "mvm/dsp/modules/supersaw.h"
#include "mvm/dsp/modules/svf.h"
#include "mvm/dsp/modules/triangle_osc.h"
#include "mvm/dsp/modules/vco.h"
#include "mvm/dsp/modules/wavetable.h"

namespace mvm {

inline void registerSourceModules(ModuleRegistry& r) {
  // oscillators
  r.add<modules::VCO>();
  r.add<modules::SawOsc>();
  r.add<modules::PulseOsc>();
  r.add<modules::TriangleOsc>();
  r.add<modules::Supersaw>();
  r.add<modules::FMOperator>();
  r.add<modules::Wavetable>();
  r.add<modules::SubOsc>();
  r.add<modules::Noise>();
  // random
  r.add<modules::SampleHold>();
  r.add<modules::RandomSource>();
  r.add<modules::Bernoulli>();
  // filters
  r.add<modules::SVF>();
  r.add<modules::Ladder>();
  r.add<modules::OnePole>();
  r.add<modules::Biquad>();
  r.add<modules::Comb>();
  r.add<modules::Allpass>();
  r.add<modules::DCBlocker>();
  r.add<modules::Formant>();
}

} // namespace mvm
