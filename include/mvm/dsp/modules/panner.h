#pragma once
// Panner: equal-power pan of a mono input. With theta = (pan + 1) / 8 of a turn (0..90 degrees),
// left = in cos(theta), right = in sin(theta), so left^2 + right^2 = in^2 at every pan and the
// centre gives -3 dB to each side.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Panner final : public ChannelModule<Panner, Stateless> {
public:
  enum Inputs { kIn };
  enum Params { kPan };
  enum Outputs { kLeft, kRight };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Panner", "Mixers", "Equal-power (cos/sin) panner: mono in to left and right.",
        {{"in", true, "signal"}},
        {{"left", true, "in * cos((pan + 1) pi / 4)"}, {"right", true, "in * sin((pan + 1) pi / 4)"}},
        {{"pan", "", -1.0f, 1.0f, 0.0f, "-1 = left, 0 = centre, 1 = right (clamped under modulation)"}}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *x = ch.in(kIn), *pan = ch.param(kPan);
    float *l = ch.out(kLeft), *r = ch.out(kRight);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float theta = (math::clamp(pan[i], -1.0f, 1.0f) + 1.0f) * 0.125f;
      l[i] = x[i] * math::cos2pi(theta);
      r[i] = x[i] * math::sin2pi(theta);
    }
  }
};

} // namespace mvm::modules
