#pragma once
// Panner: equal-power pan of a mono input (math::panGain). With theta = (pan + 1) / 8 of a turn
// (0..90 degrees), left = in cos(theta), right = in sin(theta), so left^2 + right^2 = in^2 at
// every pan and the centre gives -3 dB to each side.

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
    // theta + turn, for the sine (turn 0) and the cosine (a quarter turn on): in [0, 0.5], no wrapping needed
    const auto side = [&](int port, float turn) {
      mapFrames(ch.out(port), kBlockFrames, [turn](int, auto x, auto pan) {
        return x * math::panGain(math::clampLanes(pan, -1.0f, 1.0f), turn);
      }, ch.in(kIn), ch.param(kPan));
    };
    side(kLeft, math::kPanLeft);
    side(kRight, math::kPanRight);
  }
};

} // namespace mvm::modules
