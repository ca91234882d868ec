#pragma once
// Mixer: out = master * sum(g_k * in_k) over eight polyphonic inputs (unconnected inputs are 0).

#include <string>

#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Mixer final : public DSPModule {
public:
  static constexpr int kInputs = 8;
  enum Outputs { kOut };
  static constexpr int kMaster = kInputs; // params: g1..g8, then master

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d = [] {
      ModuleDescriptor m{"Mixer", "Mixers", "Eight-input polyphonic mixer with a gain per input and a master level.", {}, {{"out", true, "master * sum of g_k * in_k"}}, {}};
      for (int k = 1; k <= kInputs; ++k) m.inputs.push_back({"in" + std::to_string(k), true, "input " + std::to_string(k)});
      for (int k = 1; k <= kInputs; ++k)
        m.params.push_back({"g" + std::to_string(k), "x", 0.0f, 2.0f, 1.0f, "gain of in" + std::to_string(k)});
      m.params.push_back({"master", "x", 0.0f, 2.0f, 1.0f, "gain of the sum"});
      return m;
    }();
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    bool connected[kInputs];
    for (int k = 0; k < kInputs; ++k) connected[k] = isInputConnected(k);
    for (int c = 0; c < channels; ++c) {
      float* y = DSPModule::out(out, kOut, c);
      for (int i = 0; i < kBlockFrames; ++i) y[i] = 0.0f;
      for (int k = 0; k < kInputs; ++k) {
        if (!connected[k]) continue;
        const float* x = this->in(in, k, c);
        const float* g = param(in, k, c);
        for (int i = 0; i < kBlockFrames; ++i) y[i] += g[i] * x[i];
      }
      const float* master = param(in, kMaster, c);
      for (int i = 0; i < kBlockFrames; ++i) y[i] *= master[i];
    }
  }
};

} // namespace mvm::modules
