#pragma once
// Slew: a linear slew limiter. The output moves toward the input by at most 1 / (rise * rate)
// per sample upward and 1 / (fall * rate) downward, so a step of height h takes exactly
// ceil(h * time * rate) samples; a time of 0 follows the input immediately.

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Slew final : public ChannelModule<Slew, float> {
public:
  enum Inputs { kIn };
  enum Params { kRise, kFall };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Slew", "Modulators", "Linear slew limiter with separate rise and fall times.",
        {{"in", true, "signal to follow"}},
        {{"out", true, "in, with its rate of change limited"}},
        {{"rise", "s/unit", 0.0f, 10.0f, 0.1f, "time to rise by 1 unit"},
         {"fall", "s/unit", 0.0f, 10.0f, 0.1f, "time to fall by 1 unit"}}};
    return d;
  }

  // state: the output's last value
  void processChannel(const Channel& ch, float& state) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float *x = ch.in(kIn), *rise = ch.param(kRise), *fall = ch.param(kFall);
    float* y = ch.out(kOut);
    float v = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const float target = x[i];
      if (target > v) {
        const float t = rise[i] * rate;
        v = t <= 1.0f ? target : std::fmin(target, v + 1.0f / t);
      } else if (target < v) {
        const float t = fall[i] * rate;
        v = t <= 1.0f ? target : std::fmax(target, v - 1.0f / t);
      }
      if (!math::isFinite(v)) v = 0.0f;
      y[i] = v;
    }
    state = v;
  }
};

} // namespace mvm::modules
