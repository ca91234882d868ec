#pragma once
// Crossfader: mix 0 gives a, mix 1 gives b. Linear curve: a (1 - m) + b m. Equal-power curve:
// a cos(pi m / 2) + b sin(pi m / 2) (uncorrelated inputs keep their summed power; -3 dB each at 0.5).

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Crossfader final : public ChannelModule<Crossfader, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
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
    mapFrames(ch.out(kOut), kBlockFrames, [](int, auto curve, auto a, auto b, auto mix) {
      const auto m = math::clampLanes(mix, 0.0f, 1.0f);
      const auto linear = a * (1.0f - m) + b * m;
      if (!simd::any(curve >= 0.5f)) return linear;
      // cos as the sine a quarter turn on: the phases stay in [0, 0.5], so need no wrapping
      return simd::select(curve >= 0.5f, a * math::sin2piWrapped(0.25f * m + 0.25f) + b * math::sin2piWrapped(0.25f * m), linear);
    }, ch.sharedParam(kCurve), ch.in(kA), ch.in(kB), ch.param(kMix));
  }
};

} // namespace mvm::modules
