#pragma once
// EnvelopeFollower: a peak or RMS envelope follower with separate attack and release. Peak mode
// follows |in|, RMS mode follows in^2 and outputs its square root; either way a one-pole
// smoother uses the attack time constant while the level rises and the release one while it
// falls: y += (1 - a) * (x - y), a = exp(-1 / (time * rate)) (time 0: a = 0, instant). A step
// therefore reaches 1 - 1/e (63 %) of its height after `attack` seconds.

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

struct EnvelopeFollowerState {
  float s = 0.0f;   // the tracked level: |x| (peak) or x^2 (rms)
  bool rms = false; // which quantity s holds
  float attackTime = -1.0f, releaseTime = -1.0f; // the coefficients are worked out when these move
  float attackCoef = 0.0f, releaseCoef = 0.0f;
};

class EnvelopeFollower final : public ChannelModule<EnvelopeFollower, EnvelopeFollowerState> {
public:
  enum Inputs { kIn };
  enum Params { kAttack, kRelease, kMode };
  enum Outputs { kEnv };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "EnvelopeFollower", "Modulators", "Peak or RMS envelope follower with attack and release time constants.",
        {{"in", true, "signal to follow"}},
        {{"env", true, "envelope of in (peak: follows |in|; rms: sqrt of the smoothed in^2)"}},
        {{"attack", "s", 0.0f, 10.0f, 0.01f, "time constant while the level rises"},
         {"release", "s", 0.0f, 10.0f, 0.1f, "time constant while the level falls"},
         {"mode", "", 0.0f, 1.0f, 0.0f, "peak or rms", 0.0f, {"peak", "rms"}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, EnvelopeFollowerState& v) noexcept {
    const double rate = sampleRate();
    const float *x = ch.in(kIn), *attack = ch.param(kAttack), *release = ch.param(kRelease), *mode = ch.sharedParam(kMode);
    float* y = ch.out(kEnv);
    float s = v.s;
    bool rmsMode = v.rms;
    for (int i = 0; i < kBlockFrames; ++i) {
      if ((mode[i] >= 0.5f) != rmsMode) { // the tracked quantity changes: convert the state
        rmsMode = !rmsMode;
        s = rmsMode ? s * s : std::sqrt(s);
      }
      if (moved(v.attackTime, attack[i])) v.attackCoef = coefficient(attack[i], rate);
      if (moved(v.releaseTime, release[i])) v.releaseCoef = coefficient(release[i], rate);
      const float xi = math::limit(x[i], 100.0f);
      const float target = rmsMode ? xi * xi : std::fabs(xi);
      const float a = target > s ? v.attackCoef : v.releaseCoef;
      s = target + a * (s - target);
      y[i] = rmsMode ? std::sqrt(s) : s;
    }
    recoverState(s);
    v.s = s;
    v.rms = rmsMode;
  }

private:
  static float coefficient(float seconds, double rate) noexcept {
    const double frames = static_cast<double>(seconds) * rate;
    return frames <= 0.0 ? 0.0f : static_cast<float>(math::exp(-1.0 / frames));
  }
};

} // namespace mvm::modules
