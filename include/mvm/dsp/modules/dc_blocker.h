#pragma once
// DCBlocker: y[n] = x[n] - x[n-1] + R y[n-1] with R = exp(-2 pi cutoff / rate): removes DC and
// sub-audio drift, -3 dB near cutoff, flat (< 0.01 dB) above ~20 * cutoff.

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class DCBlocker final : public DSPModule {
public:
  enum Inputs { kIn };
  enum Params { kCutoff };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "DCBlocker", "Filters", "One-pole DC blocking high-pass.",
        {{"in", true, "audio input"}},
        {{"out", true, "input without DC"}},
        {{"cutoff", "Hz", 1.0f, 200.0f, 10.0f, "corner frequency"}}};
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* cutoff = param(in, kCutoff, c);
      float* y = DSPModule::out(out, kOut, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        if (cutoff[i] != v.lastCutoff) {
          v.lastCutoff = cutoff[i];
          v.R = static_cast<float>(math::exp(-math::kTwoPi * math::clamp(static_cast<double>(cutoff[i]), 1.0, 200.0) / sampleRate()));
        }
        const float in0 = math::limit(x[i], 100.0f);
        float o = in0 - v.x1 + v.R * v.y1;
        if (!math::isFinite(o)) o = 0.0f;
        v.x1 = in0;
        v.y1 = o;
        y[i] = o;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const DCBlocker&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) {
      voices_[c].x1 = p.voices_[c].x1;
      voices_[c].y1 = p.voices_[c].y1;
    }
  }

private:
  struct Voice {
    float x1 = 0.0f, y1 = 0.0f, R = 0.999f, lastCutoff = -1.0f;
  };
  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
