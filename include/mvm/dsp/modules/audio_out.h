#pragma once
// AudioOut: adds its inputs (each summed to mono) into the VM's output bus. With only `left`
// connected, the signal goes to both sides.

#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class AudioOut final : public DSPModule {
public:
  enum Inputs { kLeft, kRight };
  enum Params { kLevel };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "AudioOut", "I/O", "Writes to the host output; polyphonic inputs are summed to mono.",
        {{"left", true, "left channel (both channels when right is unconnected)"},
         {"right", true, "right channel"}},
        {},
        {{"level", "x", 0.0f, 4.0f, 1.0f, "output gain", 5.0f, {}, false}},
        false, HostBusUse::Writes};
    return d;
  }

  void process(const float** in, float** /*out*/) override {
    HostBus& bus = *hostBus();
    const float* level = param(in, kLevel, 0);
    const bool rightConnected = isInputConnected(kRight);
    for (int side = 0; side < 2 && side < bus.numOutputs; ++side) {
      const int port = (side == 1 && rightConnected) ? kRight : kLeft;
      if (side == 1 && !rightConnected && !isInputConnected(kLeft)) break;
      const int channels = inputChannels(port);
      float* y = bus.outputs[side];
      for (int c = 0; c < channels; ++c)
        mapFrames(y, kBlockFrames, [](int, auto sum, auto x, auto l) { return sum + x * l; }, y, this->in(in, port, c), level);
    }
  }
};

} // namespace mvm::modules
