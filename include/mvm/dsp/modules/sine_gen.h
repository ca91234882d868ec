#pragma once
// SineGen: a sine oscillator, f = freq * 2^pitch. freq defaults to C4, as every oscillator's
// does: 0 V on pitch (a VoiceController's C4) plays C4.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class SineGen final : public ChannelModule<SineGen, double> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch };
  enum Params { kFreq, kAmp };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "SineGen", "Oscillators", "Sine oscillator; frequency = freq * 2^pitch.",
        {{"pitch", true, "1 V/octave offset applied to freq"}},
        {{"out", true, "sine, amplitude amp"}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "base frequency (at pitch 0 V)"},
         {"amp", "", 0.0f, 10.0f, 1.0f, "peak amplitude"}}};
    return d;
  }

  // phase: of the next frame, in cycles
  void processChannel(const Channel& ch, double& phase) noexcept {
    const double invRate = 1.0 / sampleRate();
    const bool hasPitch = isInputConnected(kPitch);
    const float *pitch = ch.in(kPitch), *freq = ch.param(kFreq), *amp = ch.param(kAmp);
    alignas(16) float phases[kBlockFrames];
    for (int i = 0; i < kBlockFrames; ++i) {
      double f = freq[i];
      if (hasPitch) f *= math::exp2(static_cast<double>(pitch[i]));
      phases[i] = static_cast<float>(phase);
      phase = math::wrap01(phase + f * invRate);
    }
    mapFrames(ch.out(kOut), kBlockFrames, [](int, auto a, auto p) { return a * math::sin2piWrapped(p); }, amp, phases);
  }
};

} // namespace mvm::modules
