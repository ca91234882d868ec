#pragma once
// VCO: band-limited analogue-style oscillator with sine, triangle, saw and pulse outputs at once.
// f = freq * 2^(pitch + fmExp * fm) + fmLin * fm, limited to [0, 0.45 * sample rate]. A rising
// edge of `sync` through 0.5 resets the phase (hard sync) at the interpolated crossing time.
// Saw, pulse and triangle (and the sync jumps) are band-limited with the 4-point PolyBLEP /
// PolyBLAMP of polyblep.h; outputs are delayed by two samples.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

struct VcoState {
  blep::Oscillator<blep::kAll> osc;
  float lastSync = 0.0f; // the sync input's last frame, for the crossing's fraction
};

class VCO final : public ChannelModule<VCO, VcoState> {
public:
  enum Inputs { kPitch, kFm, kSync };
  enum Params { kFreq, kPw, kFmLin, kFmExp };
  enum Outputs { kSine, kTri, kSaw, kSqr };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "VCO", "Oscillators",
        "Band-limited oscillator with simultaneous sine, triangle, saw and pulse outputs, PWM, linear and "
        "exponential FM and hard sync.",
        {{"pitch", true, "1 V/octave offset applied to freq"},
         {"fm", true, "frequency modulation source, scaled by fmLin and fmExp"},
         {"sync", true, "hard sync: a rising edge through 0.5 resets the phase"}},
        {{"sine", true, "sine, +-1"},
         {"tri", true, "triangle, +-1"},
         {"saw", true, "rising sawtooth, +-1"},
         {"sqr", true, "pulse, +-1, high for the first pw of each cycle"}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "base frequency (at pitch 0 V)"},
         {"pw", "", 0.01f, 0.99f, 0.5f, "pulse width of sqr (fraction of the cycle high)"},
         {"fmLin", "Hz", 0.0f, 10000.0f, 0.0f, "linear FM depth: Hz per unit of fm"},
         {"fmExp", "oct", 0.0f, 8.0f, 0.0f, "exponential FM depth: octaves per unit of fm"}}};
    return d;
  }

  void processChannel(const Channel& ch, VcoState& v) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *pitch = ch.in(kPitch), *fm = ch.in(kFm), *sync = ch.in(kSync), *freq = ch.param(kFreq), *pw = ch.param(kPw),
                *fmLin = ch.param(kFmLin), *fmExp = ch.param(kFmExp);
    float *ySine = ch.out(kSine), *yTri = ch.out(kTri), *ySaw = ch.out(kSaw), *ySqr = ch.out(kSqr);
    for (int i = 0; i < kBlockFrames; ++i) {
      const double m = math::clamp(static_cast<double>(fm[i]), -10.0, 10.0);
      const double oct = math::clamp(static_cast<double>(pitch[i]), -10.0, 10.0) + math::clamp(static_cast<double>(fmExp[i]), 0.0, 8.0) * m;
      const double hz = math::clamp(static_cast<double>(freq[i]), 0.01, 20000.0) * math::exp2(math::clamp(oct, -30.0, 30.0)) +
                        math::clamp(static_cast<double>(fmLin[i]), 0.0, 10000.0) * m;
      const double dt = blep::phaseIncrement(hz, invRate);
      const double width = math::clamp(static_cast<double>(pw[i]), 0.01, 0.99);
      double syncAt = 0.0;
      const float s = sync[i];
      if (v.lastSync < 0.5f && s >= 0.5f) syncAt = math::clamp(static_cast<double>((0.5f - v.lastSync) / (s - v.lastSync)), 1e-6, 1.0);
      v.lastSync = s;
      const blep::Sample y = v.osc.tick(dt, width, syncAt);
      ySine[i] = y.sine;
      yTri[i] = y.triangle;
      ySaw[i] = y.saw;
      ySqr[i] = y.square;
    }
  }
};

} // namespace mvm::modules
