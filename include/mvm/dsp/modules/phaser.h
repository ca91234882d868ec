#pragma once
// Phaser: a cascade of first-order allpasses whose break frequency is swept by an internal sine
// LFO, f = centre * 2^(3 * depth * lfo) (+-3 octaves at depth 1), mixed with the dry signal, with
// tanh-saturated feedback from the cascade's output to its input. The LFO starts at phase 0.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

struct PhaserState {
  static constexpr int kMaxStages = 12;
  double phase = 0.0; // of the sweep, in cycles
  float a = 0.0f;     // the allpasses' coefficient, worked out when the sweep or the centre moves
  float lastSweep[2] = {-1e9f, -1.0f}; // the octaves and centre `a` was worked out for
  float last = 0.0f;  // the output fed back
  float z[kMaxStages] = {};
};

class Phaser final : public ChannelModule<Phaser, PhaserState> {
public:
  enum Inputs { kIn };
  enum Params { kRate, kDepth, kCenter, kFeedback, kMix, kStages };
  enum Outputs { kOut };
  static constexpr int kMaxStages = PhaserState::kMaxStages;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Phaser", "Effects", "Phaser: swept first-order allpass cascade mixed with the dry signal.",
        {{"in", true, "signal"}},
        {{"out", true, "dry * (1 - mix) + allpassed * mix"}},
        {{"rate", "Hz", 0.01f, 20.0f, 0.3f, "LFO rate"},
         {"depth", "", 0.0f, 1.0f, 0.5f, "sweep depth: +-3 octaves at 1"},
         {"center", "Hz", 50.0f, 5000.0f, 800.0f, "allpass break frequency at the sweep's centre"},
         {"feedback", "", -0.95f, 0.95f, 0.0f, "feedback gain, tanh-saturated"},
         {"mix", "", 0.0f, 1.0f, 0.5f, "wet proportion (0.5 gives the deepest notches)"},
         {"stages", "", 1.0f, 12.0f, 4.0f, "number of allpass stages", 0.0f, {}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, PhaserState& s) noexcept {
    const double sr = sampleRate();
    const double invRate = 1.0 / sr;
    const float *x = ch.in(kIn), *rate = ch.param(kRate), *depth = ch.param(kDepth), *center = ch.param(kCenter), *fb = ch.param(kFeedback),
                *mix = ch.param(kMix), *stagesP = ch.sharedParam(kStages);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float lfo = math::sin2pi(static_cast<float>(s.phase));
      s.phase = math::wrap01(s.phase + static_cast<double>(math::clamp(rate[i], 0.0f, 20.0f)) * invRate);
      const float octaves = 3.0f * math::clamp(depth[i], 0.0f, 1.0f) * lfo;
      if (moved(s.lastSweep, octaves, center[i])) {
        const double f = math::clamp(static_cast<double>(math::clamp(center[i], 50.0f, 5000.0f)) *
                                         math::exp2(static_cast<double>(octaves)),
                                     5.0, 0.45 * sr);
        const double t = math::tanPi(f * invRate);
        s.a = static_cast<float>((t - 1.0) / (t + 1.0));
      }
      const int stages = math::toIndex(stagesP[i] + 0.5f, 1, kMaxStages);
      const float f = math::clamp(fb[i], -0.95f, 0.95f);
      float v = x[i] + math::tanh(f * s.last);
      for (int k = 0; k < stages; ++k) {
        // H(z) = (a + z^-1) / (1 + a z^-1): phase -2 atan(f / fc). Transposed direct form II:
        // its state stays within (1 + |a|) x the input even when a changes every sample.
        const float o = s.a * v + s.z[k];
        s.z[k] = v - s.a * o;
        v = o;
      }
      s.last = v;
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      y[i] = x[i] * (1.0f - m) + v * m;
    }
    if (recoverStates(s.z, kMaxStages)) s.last = 0.0f;
    recoverState(s.last);
  }
};

} // namespace mvm::modules
