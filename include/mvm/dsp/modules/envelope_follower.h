#pragma once
// EnvelopeFollower: a peak or RMS envelope follower with separate attack and release. Peak mode
// follows |in|, RMS mode follows in^2 and outputs its square root; either way a one-pole
// smoother uses the attack time constant while the level rises and the release one while it
// falls: y += (1 - a) * (x - y), a = exp(-1 / (time * rate)) (time 0: a = 0, instant). A step
// therefore reaches 1 - 1/e (63 %) of its height after `attack` seconds.

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

class EnvelopeFollower final : public DSPModule {
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

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kEnv);
    const double rate = sampleRate();
    const float* mode = param(in, kMode, 0);
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* attack = param(in, kAttack, c);
      const float* release = param(in, kRelease, c);
      float* y = DSPModule::out(out, kEnv, c);
      Voice& v = voices_[c];
      float s = state_[c];
      bool rmsMode = v.rms;
      for (int i = 0; i < kBlockFrames; ++i) {
        if ((mode[i] >= 0.5f) != rmsMode) { // the tracked quantity changes: convert the state
          rmsMode = !rmsMode;
          s = rmsMode ? s * s : std::sqrt(s);
        }
        if (attack[i] != v.attackTime) { v.attackTime = attack[i]; v.attackCoef = coefficient(attack[i], rate); }
        if (release[i] != v.releaseTime) { v.releaseTime = release[i]; v.releaseCoef = coefficient(release[i], rate); }
        const float xi = math::limit(x[i], 100.0f);
        const float target = rmsMode ? xi * xi : std::fabs(xi);
        const float a = target > s ? v.attackCoef : v.releaseCoef;
        s = target + a * (s - target);
        y[i] = rmsMode ? std::sqrt(s) : s;
      }
      recoverState(s);
      state_[c] = s;
      v.rms = rmsMode;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const EnvelopeFollower&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) {
      state_[c] = p.state_[c];
      voices_[c] = p.voices_[c];
    }
  }

private:
  struct Voice {
    float attackTime = -1.0f, releaseTime = -1.0f;
    float attackCoef = 0.0f, releaseCoef = 0.0f;
    bool rms = false; // which quantity the state holds
  };

  static float coefficient(float seconds, double rate) noexcept {
    const double frames = static_cast<double>(seconds) * rate;
    return frames <= 0.0 ? 0.0f : static_cast<float>(math::exp(-1.0 / frames));
  }

  float state_[kMaxChannels] = {};
  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
