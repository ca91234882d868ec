#pragma once
// SubOsc: square and sine waves one and two octaves below freq * 2^pitch (band-limited squares
// from polyblep.h, blep::kLatency samples of latency). `out` is the chosen octave, crossfaded from square
// (shape 0) to sine (shape 1). Both octaves start in phase and stay locked.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

struct SubOscState {
  blep::Oscillator<blep::kSine | blep::kSquare> one, two; // an octave and two below
};

class SubOsc final : public ChannelModule<SubOsc, SubOscState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch };
  enum Params { kFreq, kOctave, kShape };
  enum Outputs { kOut, kSqr1, kSqr2, kSine1, kSine2 };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "SubOsc", "Oscillators", "Sub-oscillator: square and sine one and two octaves below freq * 2^pitch.",
        {{"pitch", true, "1 V/octave offset applied to freq (the pitch the sub sits under)"}},
        {{"out", true, "chosen octave, square to sine by shape, +-1"},
         {"sqr1", true, "square one octave below, +-1"},
         {"sqr2", true, "square two octaves below, +-1"},
         {"sine1", true, "sine one octave below, +-1"},
         {"sine2", true, "sine two octaves below, +-1"}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "frequency the sub sits under (at pitch 0 V)"},
         {"octave", "oct", 1.0f, 2.0f, 1.0f, "octaves below for out: 1 or 2", 0.0f},
         {"shape", "", 0.0f, 1.0f, 0.0f, "out: 0 = square, 1 = sine, crossfade between"}}};
    return d;
  }

  void processChannel(const Channel& ch, SubOscState& st) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *pitch = ch.in(kPitch), *freq = ch.param(kFreq), *octave = ch.param(kOctave), *shape = ch.param(kShape);
    float *y = ch.out(kOut), *s1 = ch.out(kSqr1), *s2 = ch.out(kSqr2), *n1 = ch.out(kSine1), *n2 = ch.out(kSine2);
    for (int i = 0; i < kBlockFrames; ++i) {
      const double hz = math::pitchedHz(freq[i], pitch[i]);
      const blep::Sample one = st.one.tick(blep::phaseIncrement(0.5 * hz, invRate));
      const blep::Sample two = st.two.tick(blep::phaseIncrement(0.25 * hz, invRate));
      s1[i] = one.square;
      n1[i] = one.sine;
      s2[i] = two.square;
      n2[i] = two.sine;
      const bool second = octave[i] + 0.5f >= 2.0f;
      const float k = math::clamp(shape[i], 0.0f, 1.0f);
      y[i] = second ? two.square + k * (two.sine - two.square) : one.square + k * (one.sine - one.square);
    }
  }
};

} // namespace mvm::modules
