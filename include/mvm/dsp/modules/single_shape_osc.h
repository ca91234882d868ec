#pragma once
// What the modules of one band-limited waveform (SawOsc, TriangleOsc) share: their descriptor
// (f = freq * 2^pitch) and the cache of their phase increment.

#include <limits>

#include "mvm/core/math.h"
#include "mvm/core/simd.h"
#include "mvm/dsp/module_descriptor.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

inline ModuleDescriptor singleShapeOscDescriptor(const char* type, const char* doc, const char* outDoc) {
  return {type, "Oscillators", doc,
          {{"pitch", true, "1 V/octave offset applied to freq"}},
          {{"out", true, outDoc}},
          {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "base frequency (at pitch 0 V)"}}};
}

// The phase increment of the last (freq, pitch) of a channel (V = float) or four lanes: a held note
// gives the same freq and pitch sample after sample, and the exp2 is skipped. freq starts as NaN,
// which compares unequal, so the first sample works the increment out.
template <class V>
struct PhaseIncrement {
  V freq = V{} + std::numeric_limits<float>::quiet_NaN(), pitch{};
  simd::DoubleOf<V> dt{};

  // The increment of (f, p), worked out again only in the lanes where they changed.
  void update(V f, V p, double invRate) noexcept {
    const auto changed = simd::either(f != freq, p != pitch);
    if (simd::any(changed))
      for (int j = 0; j < simd::kWidth<V>; ++j)
        if (simd::lane(changed, j))
          simd::setLane(dt, j, blep::phaseIncrement(math::pitchedHz(simd::lane(f, j), simd::lane(p, j)), invRate));
    freq = f;
    pitch = p;
  }
};

} // namespace mvm::modules
