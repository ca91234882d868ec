#pragma once
// Switches. Switch: routes a or b to out, chosen per sample by the gate input and the select
// param: b when gate + select >= 0.5 (so select = b forces b, and with select = a the gate
// chooses). SequentialSwitch: routes in to one of out1..out4; each rising trig moves to the next
// output, wrapping after `steps` outputs; a rising reset returns to out1 (and wins over a trig
// on the same sample). Outputs not selected carry 0.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Switch final : public ChannelModule<Switch, Stateless> {
public:
  enum Inputs { kA, kB, kGate };
  enum Params { kSelect };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Switch", "Routing", "Two-way switch: out = b when gate + select >= 0.5, else a.",
        {{"a", true, "routed when not selected"}, {"b", true, "routed when selected"},
         {"gate", true, "high (>= 0.5) selects b"}},
        {{"out", true, "a or b"}},
        {{"select", "", 0.0f, 1.0f, 0.0f, "a or b; added to gate", 0.0f, {"a", "b"}}}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    mapFrames(ch.out(kOut), kBlockFrames, [](int, auto a, auto b, auto g, auto s) { return simd::select(g + s >= 0.5f, b, a); },
              ch.in(kA), ch.in(kB), ch.in(kGate), ch.param(kSelect));
  }
};
struct SequentialSwitchState {
  int step = 0;
  RisingEdge trig, reset;
};

class SequentialSwitch final : public ChannelModule<SequentialSwitch, SequentialSwitchState> {
public:
  enum Inputs { kIn, kTrig, kReset };
  enum Params { kSteps };
  enum Outputs { kOut1, kOut2, kOut3, kOut4 };
  static constexpr int kOutputs = 4;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "SequentialSwitch", "Routing", "1-to-4 sequential switch: each trigger routes in to the next output.",
        {{"in", true, "signal to route"},
         {"trig", true, "a rising edge through 0.5 advances to the next output"},
         {"reset", true, "a rising edge through 0.5 returns to out1"}},
        {{"out1", true, "in while step 1 is selected, else 0"},
         {"out2", true, "in while step 2 is selected, else 0"},
         {"out3", true, "in while step 3 is selected, else 0"},
         {"out4", true, "in while step 4 is selected, else 0"}},
        {{"steps", "", 2.0f, 4.0f, 4.0f, "number of outputs cycled through", 0.0f, {}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, SequentialSwitchState& v) noexcept {
    const float *x = ch.in(kIn), *trig = ch.in(kTrig), *reset = ch.in(kReset), *stepsParam = ch.sharedParam(kSteps);
    float* y[kOutputs];
    for (int o = 0; o < kOutputs; ++o) y[o] = ch.out(o);
    for (int i = 0; i < kBlockFrames; ++i) {
      const int steps = math::toIndex(stepsParam[i] + 0.5f, 2, kOutputs);
      const bool advance = v.trig.rises(trig[i]);
      if (v.reset.rises(reset[i])) v.step = 0;
      else if (advance) v.step = v.step + 1;
      if (v.step >= steps) v.step = 0;
      for (int o = 0; o < kOutputs; ++o) y[o][i] = o == v.step ? x[i] : 0.0f;
    }
  }

  int step(int channel) const noexcept { return state_[static_cast<std::size_t>(channel)].step; }
};

} // namespace mvm::modules
