#pragma once
// Bitcrusher: sample-and-hold decimation to `rate` Hz (a new input sample is taken whenever a
// phase accumulating rate / sampleRate per sample passes 1; at rate >= the sample rate every
// sample) followed by quantisation to steps of 2^(1 - bits) (bits continuous, 1..24).

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct BitcrusherState {
  double phase = 1.0; // of the sample clock; 1: the first sample is taken at once
  float held = 0.0f;
};

class Bitcrusher final : public ChannelModule<Bitcrusher, BitcrusherState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kBits, kRate, kMix };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Bitcrusher", "Effects", "Bit-depth reduction and sample-and-hold decimation.",
        {{"in", true, "signal"}},
        {{"out", true, "dry * (1 - mix) + crushed * mix"}},
        {{"bits", "bits", 1.0f, 24.0f, 8.0f, "resolution: quantisation step 2^(1 - bits) (continuous)"},
         {"rate", "Hz", 20.0f, 192000.0f, 48000.0f, "sample-and-hold rate"},
         {"mix", "", 0.0f, 1.0f, 1.0f, "wet proportion"}}};
    return d;
  }

  void processChannel(const Channel& ch, BitcrusherState& st) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *x = ch.in(kIn), *bits = ch.param(kBits), *rate = ch.param(kRate), *mix = ch.param(kMix);
    float* y = ch.out(kOut);
    double phase = st.phase;
    float held = st.held;
    for (int i = 0; i < kBlockFrames; ++i) {
      if (phase >= 1.0) {
        phase -= std::floor(phase);
        held = math::limit(x[i], math::kMaxSignal); // held for many samples: no NaN, nothing to overflow the steps
      }
      phase += static_cast<double>(math::clamp(rate[i], 20.0f, 192000.0f)) * invRate;
      if (moved(lastBits_, bits[i])) {
        step_ = math::exp2(1.0f - math::clamp(bits[i], 1.0f, 24.0f));
        invStep_ = 1.0f / step_;
      }
      const float crushed = step_ * std::floor(held * invStep_ + 0.5f);
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      y[i] = x[i] * (1.0f - m) + crushed * m;
    }
    st.phase = phase;
    st.held = held;
  }

private:
  float lastBits_ = -1.0f;
  float step_ = 1.0f;
  float invStep_ = 1.0f;
};

} // namespace mvm::modules
