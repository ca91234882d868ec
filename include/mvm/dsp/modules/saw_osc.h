#pragma once
// SawOsc: band-limited rising sawtooth oscillator, f = freq * 2^pitch.

#include "mvm/dsp/modules/single_shape_osc.h"

namespace mvm::modules {

struct SawOscTraits {
  static constexpr const char* kType = "SawOsc";
  static constexpr const char* kDoc = "Band-limited sawtooth oscillator; frequency = freq * 2^pitch.";
  static constexpr const char* kOutDoc = "rising sawtooth, +-1";
  static constexpr auto kShape = blep::kSaw;
  static constexpr int kOutput = 2; // blep::Oscillator's saw output
};
using SawOsc = SingleShapeOsc<SawOscTraits>;

} // namespace mvm::modules
