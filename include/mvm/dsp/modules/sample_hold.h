#pragma once
// SampleHold: on each rising edge of `trig` (through 0.5) the output takes the value of `in` —
// or, when `in` is not connected, a fresh sample of internal white noise (uniform +-1, seeded) —
// and holds it until the next edge. The sample is taken on the edge's own frame.

#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct SampleHoldState {
  mvm::Random rng; // the internal noise
  float held = 0.0f;
  RisingEdge trig;
};

class SampleHold final : public ChannelModule<SampleHold, SampleHoldState> {
public:
  enum Inputs { kIn, kTrig };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "SampleHold", "Random", "Sample and hold; samples internal white noise when in is unconnected.",
        {{"in", true, "signal to sample (internal noise, +-1, when unconnected)"},
         {"trig", true, "a rising edge through 0.5 takes a sample"}},
        {{"out", true, "the held value"}},
        {}};
    return d;
  }

  void prepare() override {
    for (int c = 0; c < kMaxChannels; ++c) state_[c].rng.reseed(seed() + 0x632BE59BD9B4E019ull * static_cast<std::uint64_t>(c + 1));
  }

  void processChannel(const Channel& ch, SampleHoldState& v) noexcept {
    const bool internal = !isInputConnected(kIn);
    const float *x = ch.in(kIn), *trig = ch.in(kTrig);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (v.trig.rises(trig[i])) v.held = internal ? v.rng.bipolar() : math::limit(x[i], math::kMaxSignal); // held until the next trigger
      y[i] = v.held;
    }
  }
};

} // namespace mvm::modules
