#pragma once
// Gain: out = in * gain, exactly.

#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Gain final : public ChannelModule<Gain, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
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

  void processChannel(const Channel& ch, Stateless&) noexcept {
    mapFrames(ch.out(kOut), kBlockFrames, [](int, auto x, auto g) { return x * g; }, ch.in(kIn), ch.param(kGain));
  }
};

} // namespace mvm::modules
