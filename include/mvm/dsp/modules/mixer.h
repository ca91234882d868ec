#pragma once
// Mixer: out = master * sum(g_k * in_k) over eight polyphonic inputs (unconnected inputs are 0).

#include <string>

#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Mixer final : public ChannelModule<Mixer, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
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

  void processChannel(const Channel& ch, Stateless&) noexcept {
    float* y = ch.out(kOut);
    fillFrames(y, kBlockFrames, 0.0f);
    for (int k = 0; k < kInputs; ++k)
      if (isInputConnected(k)) mapFrames(y, kBlockFrames, [](int, auto sum, auto g, auto x) { return sum + g * x; }, y, ch.param(k), ch.in(k));
    mapFrames(y, kBlockFrames, [](int, auto sum, auto master) { return sum * master; }, y, ch.param(kMaster));
  }
};

} // namespace mvm::modules
