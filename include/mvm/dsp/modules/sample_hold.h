#pragma once
// SampleHold: on each rising edge of `trig` (through 0.5) the output takes the value of `in` —
// or, when `in` is not connected, a fresh sample of internal white noise (uniform +-1, seeded) —
// and holds it until the next edge. The sample is taken on the edge's own frame.

#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class SampleHold final : public DSPModule {
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
    for (int c = 0; c < kMaxChannels; ++c) voices_[c].rng.reseed(seed() + 0x632BE59BD9B4E019ull * static_cast<std::uint64_t>(c + 1));
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const bool internal = !isInputConnected(kIn);
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* trig = this->in(in, kTrig, c);
      float* y = DSPModule::out(out, kOut, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const bool high = trig[i] >= 0.5f;
        if (high && !v.high) v.held = internal ? v.rng.bipolar() : math::limit(x[i], math::kMaxSignal); // held until the next trigger
        v.high = high;
        y[i] = v.held;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const SampleHold&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) voices_[c] = p.voices_[c];
  }

private:
  struct Voice {
    mvm::Random rng;
    float held = 0.0f;
    bool high = false;
  };
  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
