#pragma once
// Ladder: a 4-pole (24 dB/octave) Moog-style ladder low-pass. Four trapezoidal one-poles in
// series with global feedback k = 4.444 * resonance, solved without a unit delay (zero-delay
// feedback, Zavalishin); the solved ladder input passes through tanh(drive * ...), which
// bounds the loop, so resonance above ~0.9 self-oscillates at the cutoff with a stable
// amplitude. Like the original, the pass-band gain drops as 1 / (1 + k) with resonance.

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Ladder final : public DSPModule {
public:
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

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kLp);
    const double invRate = 1.0 / sampleRate();
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* pitch = this->in(in, kPitch, c);
      const float* cutoff = param(in, kCutoff, c);
      const float* res = param(in, kResonance, c);
      const float* drive = param(in, kDrive, c);
      float* y = DSPModule::out(out, kLp, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        if (cutoff[i] != v.lastCutoff || pitch[i] != v.lastPitch) {
          v.lastCutoff = cutoff[i];
          v.lastPitch = pitch[i];
          const double fc = math::clamp(math::pitchedHz(cutoff[i], pitch[i], 20.0, 20000.0), 10.0, 0.49 * sampleRate());
          const double g = math::tanPi(fc * invRate);
          v.G = static_cast<float>(g / (1.0 + g));
        }
        const float G = v.G;
        const float k = 4.4444444f * math::clamp(res[i], 0.0f, 1.0f);
        const float dr = math::clamp(drive[i], 0.1f, 10.0f);
        // y4 = G^4 u + S, with S collecting the stage states
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
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Ladder&>(previous);
    for (int c = 0; c < kMaxChannels; ++c)
      for (int s = 0; s < 4; ++s) voices_[c].s[s] = p.voices_[c].s[s];
  }

private:
  struct Voice {
    float s[4] = {};
    float G = 0.0f, lastCutoff = -1.0f, lastPitch = -1e30f;
  };
  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
