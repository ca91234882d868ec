#pragma once
// Supersaw: seven band-limited saws (polyblep.h) detuned around freq * 2^pitch with the spread
// of the classic JP-8000 (relative offsets up to about +-11 % at detune 1). mix balances the
// centre saw (gain c = 1 - mix / 2) against the six side saws (gain s = mix each). The sum is
// scaled by 1 / sqrt(7 (c^2 + 6 s^2)):
// - the level is steady: for uncorrelated (detuned) saws the RMS is 1 / sqrt(21) = 0.218 at every
//   mix and detune (a lone saw's 1 / sqrt(3), over sqrt(7)); at detune 0 the saws are coherent
//   and the level depends on their seeded phases;
// - the output never leaves [-1, 1]: each band-limited saw stays within +-1, and by
//   Cauchy-Schwarz (c + 6 s) <= sqrt(7 (c^2 + 6 s^2)), equal only when all seven gains are equal
//   (mix 2/3) and then only if all seven saws peak together. Measured over 1 s (freq 55 to
//   2000 Hz, detune 0.1 to 1, four seeds): peaks 0.46 to 0.85 for mix 0.25 to 1; 0.38 (1 / sqrt 7)
//   for the centre saw alone (mix 0).
// Initial phases are random but deterministic (from the module seed).

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
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch };
  enum Params { kFreq, kDetune, kMix };
  enum Outputs { kOut };
  static constexpr int kSaws = 7;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Supersaw", "Oscillators", "Seven detuned band-limited saws (JP-8000 style supersaw).",
        {{"pitch", true, "1 V/octave offset applied to freq"}},
        {{"out", true, "sum of the saws, within +-1 (RMS 0.218 at any mix when detuned)"}},
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
      const float norm = 1.0f / std::sqrt(7.0f * (centre * centre + 6.0f * side * side));
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
