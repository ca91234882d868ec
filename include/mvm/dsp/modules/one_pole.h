#pragma once
// OnePole: a 6 dB/octave trapezoidal (TPT) one-pole filter with low-pass and high-pass outputs
// (lp + hp = in); both are -3 dB at cutoff.

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class OnePole final : public DSPModule {
public:
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

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kLp);
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* cutoff = param(in, kCutoff, c);
      float* lp = DSPModule::out(out, kLp, c);
      float* hp = DSPModule::out(out, kHp, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        if (cutoff[i] != v.lastCutoff) {
          v.lastCutoff = cutoff[i];
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
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const OnePole&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) voices_[c].s = p.voices_[c].s;
  }

private:
  struct Voice {
    float s = 0.0f, G = 0.0f, lastCutoff = -1.0f;
  };
  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
