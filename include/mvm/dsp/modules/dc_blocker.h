#pragma once
// DCBlocker: y[n] = x[n] - x[n-1] + R y[n-1] with R = exp(-2 pi cutoff / rate): removes DC and
// sub-audio drift, -3 dB near cutoff, flat (< 0.01 dB) above ~20 * cutoff.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct DCBlockerState {
  float x1 = 0.0f, y1 = 0.0f, R = 0.999f, lastCutoff = -1.0f; // R is worked out when the cutoff moves
};

class DCBlocker final : public ChannelModule<DCBlocker, DCBlockerState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kCutoff };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "DCBlocker", "Filters", "One-pole DC blocking high-pass.",
        {{"in", true, "audio input"}},
        {{"out", true, "input without DC"}},
        {{"cutoff", "Hz", 1.0f, 200.0f, 10.0f, "corner frequency"}}};
    return d;
  }

  void processChannel(const Channel& ch, DCBlockerState& v) noexcept {
    const float *x = ch.in(kIn), *cutoff = ch.param(kCutoff);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (moved(v.lastCutoff, cutoff[i])) {
        v.R = static_cast<float>(math::exp(-math::kTwoPi * math::clamp(static_cast<double>(cutoff[i]), 1.0, 200.0) / sampleRate()));
      }
      const float in0 = math::limit(x[i], 100.0f);
      float o = in0 - v.x1 + v.R * v.y1;
      if (!math::isFinite(o)) o = 0.0f;
      v.x1 = in0;
      v.y1 = o;
      y[i] = o;
    }
  }
};

} // namespace mvm::modules
