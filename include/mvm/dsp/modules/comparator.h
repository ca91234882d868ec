#pragma once
// Comparator: out = 1 when a > b, else 0, with hysteresis h: the output turns on when
// a > b + h/2 and off when a < b - h/2 (h = 0: on exactly when a > b). b reads as the
// `threshold` param when unconnected. `inv` is 1 - out. Outputs are exactly 0 or 1.

#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Comparator final : public DSPModule {
public:
  enum Inputs { kA, kB };
  enum Params { kThreshold, kHysteresis };
  enum Outputs { kOut, kInv };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Comparator", "Logic", "Compares a with b (or threshold), with hysteresis; gate and inverted gate.",
        {{"a", true, "signal"}, {"b", true, "reference; the threshold param when unconnected"}},
        {{"out", true, "1 when a > b, else 0"}, {"inv", true, "0 when a > b, else 1"}},
        {{"threshold", "V", -10.0f, 10.0f, 0.0f, "reference used when b is unconnected"},
         {"hysteresis", "V", 0.0f, 5.0f, 0.0f, "width of the dead band centred on the reference"}}};
    return d;
  }

  void process(const float** in, float** out) override {
    const bool hasB = isInputConnected(kB);
    for (int c = 0; c < outputChannels(kOut); ++c) {
      const float* a = this->in(in, kA, c);
      const float* b = hasB ? this->in(in, kB, c) : param(in, kThreshold, c);
      const float* h = param(in, kHysteresis, c);
      float* y = DSPModule::out(out, kOut, c);
      float* inv = DSPModule::out(out, kInv, c);
      bool state = state_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const float half = h[i] > 0.0f ? 0.5f * h[i] : 0.0f;
        if (half == 0.0f) state = a[i] > b[i];
        else if (state) state = !(a[i] < b[i] - half);
        else state = a[i] > b[i] + half;
        y[i] = state ? 1.0f : 0.0f;
        inv[i] = state ? 0.0f : 1.0f;
      }
      state_[c] = state;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Comparator&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) state_[c] = p.state_[c];
  }

private:
  bool state_[kMaxChannels] = {};
};

} // namespace mvm::modules
