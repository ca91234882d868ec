#pragma once
// Gain: out = in * gain, exactly.

#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Gain final : public DSPModule {
public:
  enum Inputs { kIn };
  enum Params { kGain };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Gain", "Utilities", "Multiplies the input by gain.",
        {{"in", true, "signal"}},
        {{"out", true, "in * gain"}},
        {{"gain", "x", -16.0f, 16.0f, 1.0f, "linear gain factor"}}};
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* g = param(in, kGain, c);
      float* y = DSPModule::out(out, kOut, c);
      for (int i = 0; i < kBlockFrames; ++i) y[i] = x[i] * g[i];
    }
  }
};

} // namespace mvm::modules
