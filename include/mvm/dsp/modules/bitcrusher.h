#pragma once
// Bitcrusher: sample-and-hold decimation to `rate` Hz (a new input sample is taken whenever a
// phase accumulating rate / sampleRate per sample passes 1; at rate >= the sample rate every
// sample) followed by quantisation to steps of 2^(1 - bits) (bits continuous, 1..24).

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Bitcrusher final : public DSPModule {
public:
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

  Bitcrusher() {
    for (double& p : phase_) p = 1.0; // the first sample is taken at once
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const double invRate = 1.0 / sampleRate();
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* bits = param(in, kBits, c);
      const float* rate = param(in, kRate, c);
      const float* mix = param(in, kMix, c);
      float* y = DSPModule::out(out, kOut, c);
      double phase = phase_[c];
      float held = held_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        if (phase >= 1.0) {
          phase -= std::floor(phase);
          held = math::limit(x[i], math::kMaxSignal); // held for many samples: no NaN, nothing to overflow the steps
        }
        phase += static_cast<double>(math::clamp(rate[i], 20.0f, 192000.0f)) * invRate;
        if (bits[i] != lastBits_) {
          lastBits_ = bits[i];
          step_ = math::exp2(1.0f - math::clamp(bits[i], 1.0f, 24.0f));
          invStep_ = 1.0f / step_;
        }
        const float crushed = step_ * std::floor(held * invStep_ + 0.5f);
        const float m = math::clamp(mix[i], 0.0f, 1.0f);
        y[i] = x[i] * (1.0f - m) + crushed * m;
      }
      phase_[c] = phase;
      held_[c] = held;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Bitcrusher&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) {
      phase_[c] = p.phase_[c];
      held_[c] = p.held_[c];
    }
  }

private:
  double phase_[kMaxChannels] = {};
  float held_[kMaxChannels] = {};
  float lastBits_ = -1.0f;
  float step_ = 1.0f;
  float invStep_ = 1.0f;
};

} // namespace mvm::modules
