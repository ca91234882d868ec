#pragma once
// SineGen: a sine oscillator, f = freq * 2^pitch.

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class SineGen final : public DSPModule {
public:
  enum Inputs { kPitch };
  enum Params { kFreq, kAmp };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "SineGen", "Oscillators", "Sine oscillator; frequency = freq * 2^pitch.",
        {{"pitch", true, "1 V/octave offset applied to freq"}},
        {{"out", true, "sine, amplitude amp"}},
        {{"freq", "Hz", 0.01f, 20000.0f, 440.0f, "base frequency"},
         {"amp", "", 0.0f, 10.0f, 1.0f, "peak amplitude"}}};
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const double invRate = 1.0 / sampleRate();
    const bool hasPitch = isInputConnected(kPitch);
    for (int c = 0; c < channels; ++c) {
      const float* pitch = this->in(in, kPitch, c);
      const float* freq = param(in, kFreq, c);
      const float* amp = param(in, kAmp, c);
      float* y = DSPModule::out(out, kOut, c);
      // The phase recursion first, then the sines of the block in one loop that vectorises.
      alignas(16) float phases[kBlockFrames];
      double phase = phase_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        double f = freq[i];
        if (hasPitch) f *= math::exp2(static_cast<double>(pitch[i]));
        phases[i] = static_cast<float>(phase);
        phase = math::wrap01(phase + f * invRate);
      }
      phase_[c] = phase;
      sines(phases, amp, y);
    }
  }

  static void sines(const float* __restrict phases, const float* __restrict amp, float* __restrict y) noexcept {
    for (int i = 0; i < kBlockFrames; i += simd::kLanes)
      simd::store(y + i, simd::load(amp + i) * math::sin2piWrapped(simd::load(phases + i)));
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const SineGen&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) phase_[c] = p.phase_[c];
  }

private:
  double phase_[kMaxChannels] = {};
};

} // namespace mvm::modules
