#pragma once
// PulseOsc: band-limited pulse oscillator with pulse-width modulation.
// f = freq * 2^pitch; band-limited with the BLEP of polyblep.h (blep::kLatency samples of latency).

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

class PulseOsc final : public ChannelModule<PulseOsc, blep::Oscillator<blep::kSquare>> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch };
  enum Params { kFreq, kPw };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "PulseOsc", "Oscillators", "Band-limited pulse oscillator with pulse width (PWM at audio rate); frequency = freq * 2^pitch.",
        {{"pitch", true, "1 V/octave offset applied to freq"}},
        {{"out", true, "pulse, +-1, high for the first pw of each cycle"}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "base frequency (at pitch 0 V)"},
         {"pw", "", 0.01f, 0.99f, 0.5f, "pulse width (fraction of the cycle high)"}}};
    return d;
  }

  void processChannel(const Channel& ch, blep::Oscillator<blep::kSquare>& osc) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *pitch = ch.in(kPitch), *freq = ch.param(kFreq), *pw = ch.param(kPw);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const double hz = math::pitchedHz(freq[i], pitch[i]);
      y[i] = osc.tick(blep::phaseIncrement(hz, invRate), math::clamp(static_cast<double>(pw[i]), 0.01, 0.99)).square;
    }
  }
};

} // namespace mvm::modules
