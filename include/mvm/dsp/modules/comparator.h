#pragma once
// Comparator: out = 1 when a > b, else 0, with hysteresis h: the output turns on when
// a > b + h/2 and off when a < b - h/2 (h = 0: on exactly when a > b). b reads as the
// `threshold` param when unconnected. `inv` is 1 - out. Outputs are exactly 0 or 1.

#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Comparator final : public ChannelModule<Comparator, bool> {
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

  // on: the output is high
  void processChannel(const Channel& ch, bool& on) noexcept {
    const float *a = ch.in(kA), *b = isInputConnected(kB) ? ch.in(kB) : ch.param(kThreshold), *h = ch.param(kHysteresis);
    float *y = ch.out(kOut), *inv = ch.out(kInv);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float half = h[i] > 0.0f ? 0.5f * h[i] : 0.0f;
      if (half == 0.0f) on = a[i] > b[i];
      else if (on) on = !(a[i] < b[i] - half);
      else on = a[i] > b[i] + half;
      y[i] = on ? 1.0f : 0.0f;
      inv[i] = on ? 0.0f : 1.0f;
    }
  }
};

} // namespace mvm::modules
