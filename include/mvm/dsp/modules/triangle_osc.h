#pragma once
// TriangleOsc: band-limited triangle oscillator, f = freq * 2^pitch.

#include "mvm/dsp/modules/single_shape_osc.h"

namespace mvm::modules {

struct TriangleOscTraits {
  static constexpr const char* kType = "TriangleOsc";
  static constexpr const char* kDoc = "Band-limited triangle oscillator; frequency = freq * 2^pitch.";
  static constexpr const char* kOutDoc = "triangle, +-1, starting at 0 rising";
  static constexpr auto kShape = blep::kTriangle;
  static constexpr int kOutput = 1; // blep::Oscillator's triangle output
};
using TriangleOsc = SingleShapeOsc<TriangleOscTraits>;

} // namespace mvm::modules
