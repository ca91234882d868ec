#pragma once
// Supersaw: seven band-limited saws (polyblep.h) detuned around freq * 2^pitch with the spread
// of the classic JP-8000 (relative offsets up to about +-11 % at detune 1). mix balances the
// centre saw against the six side saws; the sum is normalised for uncorrelated saws. Initial
// phases are random but deterministic (from the module seed).

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

struct SupersawState {
  blep::Oscillator<blep::kSaw> saws[7]; // the centre saw is saws[3]
};

class Supersaw final : public ChannelModule<Supersaw, SupersawState> {
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
      for (int s = 0; s < kSaws; ++s) state_[c].saws[s].phase = static_cast<double>(rng.uniform());
  }

  void processChannel(const Channel& ch, SupersawState& st) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *pitch = ch.in(kPitch), *freq = ch.param(kFreq), *detune = ch.param(kDetune), *mix = ch.param(kMix);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const double hz = math::pitchedHz(freq[i], pitch[i]);
      const double det = math::clamp(static_cast<double>(detune[i]), 0.0, 1.0);
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      const float centre = 1.0f - 0.5f * m, side = m;
      const float norm = 1.0f / std::sqrt(centre * centre + 6.0f * side * side);
      float sum = 0.0f;
      for (int s = 0; s < kSaws; ++s) {
        const float saw = st.saws[s].tick(blep::phaseIncrement(hz * (1.0 + kOffsets[s] * det), invRate)).saw;
        sum += (s == 3 ? centre : side) * saw;
      }
      y[i] = sum * norm;
    }
  }
};

} // namespace mvm::modules
