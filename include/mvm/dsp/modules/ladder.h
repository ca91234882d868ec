#pragma once
// Ladder: a 4-pole (24 dB/octave) Moog-style ladder low-pass. Four trapezoidal one-poles in
// series with global feedback k = 4.444 * resonance, solved without a unit delay (zero-delay
// feedback, Zavalishin); the solved ladder input passes through tanh(drive * ...), which
// bounds the loop, so resonance above ~0.9 self-oscillates at the cutoff with a stable
// amplitude. Like the original, the pass-band gain drops as 1 / (1 + k) with resonance.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct LadderState {
  float s[4] = {}; // the poles
  float G = 0.0f;
  float last[2] = {-1.0f, -1e30f}; // the cutoff and pitch G was worked out for
};

class Ladder final : public ChannelModule<Ladder, LadderState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn, kPitch };
  enum Params { kCutoff, kResonance, kDrive };
  enum Outputs { kLp };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Ladder", "Filters", "4-pole (24 dB/octave) ladder low-pass with drive and self-oscillating resonance.",
        {{"in", true, "audio input"},
         {"pitch", true, "1 V/octave offset applied to cutoff"}},
        {{"lp", true, "low-pass, 24 dB/octave; each pole is -3 dB at cutoff (-12 dB in total at resonance 0)"}},
        {{"cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, "pole frequency (at pitch 0 V)"},
         {"resonance", "", 0.0f, 1.0f, 0.0f, "feedback; self-oscillates above about 0.9"},
         {"drive", "", 0.1f, 10.0f, 1.0f, "input gain into the tanh saturation"}}};
    return d;
  }

  void processChannel(const Channel& ch, LadderState& v) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *x = ch.in(kIn), *pitch = ch.in(kPitch), *cutoff = ch.param(kCutoff), *res = ch.param(kResonance), *drive = ch.param(kDrive);
    float* y = ch.out(kLp);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (moved(v.last, cutoff[i], pitch[i])) {
        const double fc = math::clamp(math::pitchedHz(cutoff[i], pitch[i], 20.0, 20000.0), 10.0, 0.49 * sampleRate());
        const double g = math::tanPi(fc * invRate);
        v.G = static_cast<float>(g / (1.0 + g));
      }
      const float G = v.G;
      const float k = 4.4444444f * math::clamp(res[i], 0.0f, 1.0f);
      const float dr = math::clamp(drive[i], 0.1f, 10.0f);
      const float b = 1.0f - G;
      const float S = G * G * G * b * v.s[0] + G * G * b * v.s[1] + G * b * v.s[2] + b * v.s[3];
      const float G4 = G * G * G * G;
      const float in0 = math::limit(x[i], 100.0f);
      const float u = math::tanh((dr * in0 - k * S) / (1.0f + k * G4));
      float stage = u;
      for (int s = 0; s < 4; ++s) {
        const float w = (stage - v.s[s]) * G;
        const float o = w + v.s[s];
        v.s[s] = o + w;
        stage = o;
      }
      if (!math::isFinite(stage)) {
        for (float& s : v.s) s = 0.0f;
        stage = 0.0f;
      }
      y[i] = stage;
    }
  }
};

} // namespace mvm::modules
