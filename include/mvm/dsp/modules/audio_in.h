#pragma once
// AudioIn: reads the host input bus. left = input 0, right = input 1; with one host input both
// carry it; with none (or no bus) both are silent.

#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class AudioIn final : public DSPModule {
public:
  enum Params { kGain };
  enum Outputs { kLeft, kRight };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "AudioIn", "I/O", "Reads the host input: left and right (a mono host input feeds both).",
        {},
        {{"left", false, "host input 0, times gain"}, {"right", false, "host input 1 (input 0 when mono), times gain"}},
        {{"gain", "x", 0.0f, 4.0f, 1.0f, "input gain", 5.0f, {}, false}},
        false, HostBusUse::Reads};
    return d;
  }

  void process(const float** in, float** out) override {
    const HostBus* bus = hostBus();
    const int n = bus ? bus->numInputs : 0;
    const float* gain = param(in, kGain, 0);
    for (int side = 0; side < 2; ++side) {
      float* y = DSPModule::out(out, side == 0 ? kLeft : kRight, 0);
      const int source = n >= 2 ? side : 0;
      const float* x = n >= 1 ? bus->inputs[source] : nullptr;
      if (x) mapFrames(y, kBlockFrames, [](int, auto v, auto g) { return v * g; }, x, gain);
      else fillFrames(y, kBlockFrames, 0.0f);
    }
  }
};

} // namespace mvm::modules
