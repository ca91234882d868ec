#pragma once
// Crossfader: mix 0 gives a, mix 1 gives b. Linear curve: a (1 - m) + b m. Equal-power curve:
// a cos(pi m / 2) + b sin(pi m / 2) (uncorrelated inputs keep their summed power; -3 dB each at 0.5).

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Crossfader final : public ChannelModule<Crossfader, Stateless> {
public:
  enum Inputs { kA, kB };
  enum Params { kMix, kCurve };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Crossfader", "Mixers", "Crossfades from a to b with a linear or equal-power curve.",
        {{"a", true, "heard at mix 0"}, {"b", true, "heard at mix 1"}},
        {{"out", true, "blend of a and b"}},
        {{"mix", "", 0.0f, 1.0f, 0.5f, "0 = a, 1 = b (clamped to 0..1 under modulation)"},
         {"curve", "", 0.0f, 1.0f, 0.0f, "linear or equal power (cos/sin)", 0.0f, {"linear", "equal_power"}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *curve = ch.sharedParam(kCurve), *a = ch.in(kA), *b = ch.in(kB), *mix = ch.param(kMix);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      if (curve[i] >= 0.5f) y[i] = a[i] * math::cos2pi(0.25f * m) + b[i] * math::sin2pi(0.25f * m);
      else y[i] = a[i] * (1.0f - m) + b[i] * m;
    }
  }
};

} // namespace mvm::modules
