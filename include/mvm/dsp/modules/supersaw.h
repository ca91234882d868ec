#pragma once
// Supersaw: seven band-limited saws (polyblep.h) detuned around freq * 2^pitch with the spread
// of the classic JP-8000 (relative offsets up to about +-11 % at detune 1). mix balances the
// centre saw against the six side saws; the sum is normalised for uncorrelated saws. Initial
// phases are random but deterministic (from the module seed).

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

class Supersaw final : public DSPModule {
public:
  enum Inputs { kPitch };
  enum Params { kFreq, kDetune, kMix };
  enum Outputs { kOut };
  static constexpr int kSaws = 7;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Supersaw", "Oscillators", "Seven detuned band-limited saws (JP-8000 style supersaw).",
        {{"pitch", true, "1 V/octave offset applied to freq"}},
        {{"out", true, "sum of the saws, about +-1"}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "centre frequency (at pitch 0 V)"},
         {"detune", "", 0.0f, 1.0f, 0.5f, "spread of the side saws: 1 = +-11 % of the centre frequency"},
         {"mix", "", 0.0f, 1.0f, 0.5f, "0 = centre saw only, 1 = side saws loudest"}}};
    return d;
  }

  // Relative frequency offsets at detune = 1 (centre saw at index 3).
  static constexpr double kOffsets[kSaws] = {-0.11002313, -0.06288439, -0.01952356, 0.0, 0.01991221, 0.06216538, 0.10745242};

  void prepare() override {
    mvm::Random rng(seed());
    for (int c = 0; c < kMaxChannels; ++c)
      for (int s = 0; s < kSaws; ++s) saws_[c][s].phase = static_cast<double>(rng.uniform());
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const double invRate = 1.0 / sampleRate();
    for (int c = 0; c < channels; ++c) {
      const float* pitch = this->in(in, kPitch, c);
      const float* freq = param(in, kFreq, c);
      const float* detune = param(in, kDetune, c);
      const float* mix = param(in, kMix, c);
      float* y = DSPModule::out(out, kOut, c);
      for (int i = 0; i < kBlockFrames; ++i) {
        const double hz = math::pitchedHz(freq[i], pitch[i]);
        const double det = math::clamp(static_cast<double>(detune[i]), 0.0, 1.0);
        const float m = math::clamp(mix[i], 0.0f, 1.0f);
        const float centre = 1.0f - 0.5f * m, side = m;
        const float norm = 1.0f / std::sqrt(centre * centre + 6.0f * side * side);
        float sum = 0.0f;
        for (int s = 0; s < kSaws; ++s) {
          float v[4];
          saws_[c][s].tick(blep::phaseIncrement(hz * (1.0 + kOffsets[s] * det), invRate), 0.5, 0.0, v);
          sum += (s == 3 ? centre : side) * v[2];
        }
        y[i] = sum * norm;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Supersaw&>(previous);
    for (int c = 0; c < kMaxChannels; ++c)
      for (int s = 0; s < kSaws; ++s) saws_[c][s] = p.saws_[c][s];
  }

private:
  blep::Oscillator<blep::kSaw> saws_[kMaxChannels][kSaws];
};

} // namespace mvm::modules
