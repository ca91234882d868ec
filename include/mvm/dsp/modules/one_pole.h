#pragma once
// OnePole: a 6 dB/octave trapezoidal (TPT) one-pole filter with low-pass and high-pass outputs
// (lp + hp = in); both are -3 dB at cutoff.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct OnePoleState {
  float s = 0.0f, G = 0.0f, lastCutoff = -1.0f; // G is worked out when the cutoff moves
};

class OnePole final : public ChannelModule<OnePole, OnePoleState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kCutoff };
  enum Outputs { kLp, kHp };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "OnePole", "Filters", "One-pole (6 dB/octave) low-pass and high-pass filter.",
        {{"in", true, "audio or CV input"}},
        {{"lp", true, "low-pass, -3 dB at cutoff"}, {"hp", true, "high-pass (in - lp), -3 dB at cutoff"}},
        {{"cutoff", "Hz", 1.0f, 20000.0f, 1000.0f, "cutoff frequency"}}};
    return d;
  }

  void processChannel(const Channel& ch, OnePoleState& v) noexcept {
    const float *x = ch.in(kIn), *cutoff = ch.param(kCutoff);
    float *lp = ch.out(kLp), *hp = ch.out(kHp);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (moved(v.lastCutoff, cutoff[i])) {
        const double fc = math::clamp(static_cast<double>(cutoff[i]), 1.0, 0.49 * sampleRate());
        const double g = math::tanPi(math::clamp(fc, 1.0, 20000.0) / sampleRate());
        v.G = static_cast<float>(g / (1.0 + g));
      }
      const float in0 = math::limit(x[i], 100.0f);
      const float u = (in0 - v.s) * v.G;
      const float y = u + v.s;
      v.s = y + u;
      lp[i] = y;
      hp[i] = in0 - y;
    }
  }
};

} // namespace mvm::modules
