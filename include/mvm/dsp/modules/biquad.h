#pragma once
// Biquad: the RBJ "Audio EQ Cookbook" responses — low-pass, high-pass, band-pass (0 dB peak),
// notch, peaking, low shelf, high shelf and all-pass — with cutoff, Q and gain (dB). They are
// realised as Simper's trapezoidal SVF with output mixing, which has exactly the cookbook's
// (bilinear, prewarped) transfer functions but stays stable when cutoff, Q or gain are modulated
// at audio rate, unlike a direct-form biquad.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/svf.h"

namespace mvm::modules {

struct BiquadState {
  SvfCore core;
  SvfCore::Coeffs coeffs{}; // designed when one of `last` moves
  float m0 = 0.0f, m1 = 0.0f, m2 = 0.0f;
  float last[4] = {-1e30f, -1e30f, -1e30f, -1e30f};
};

class Biquad final : public ChannelModule<Biquad, BiquadState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kMode, kCutoff, kQ, kGain };
  enum Outputs { kOut };
  enum Mode { kLowpass, kHighpass, kBandpass, kNotch, kPeak, kLowshelf, kHighshelf, kAllpass };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Biquad", "Filters", "RBJ cookbook biquad: low/high/band-pass, notch, peak, low/high shelf, all-pass.",
        {{"in", true, "audio input"}},
        {{"out", true, "filtered audio"}},
        {{"mode", "", 0.0f, 7.0f, 4.0f, "response", 0.0f,
          {"lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass"}, false},
         {"cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, "cutoff, centre or shelf-midpoint frequency"},
         {"q", "", 0.1f, 20.0f, 0.70710678f, "quality factor (shelves: 0.707 = steepest without overshoot)"},
         {"gain", "dB", -24.0f, 24.0f, 0.0f, "gain of peak and shelves"}}};
    return d;
  }

  void processChannel(const Channel& ch, BiquadState& v) noexcept {
    const float *x = ch.in(kIn), *mode = ch.param(kMode), *cutoff = ch.param(kCutoff), *q = ch.param(kQ), *gain = ch.param(kGain);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (moved(v.last, mode[i], cutoff[i], q[i], gain[i])) design(v, math::toIndex(mode[i] + 0.5f, 0, 7), cutoff[i], q[i], gain[i]);
      const float in0 = math::limit(x[i], 100.0f);
      float low, band;
      v.core.tick(v.coeffs, in0, low, band);
      y[i] = v.m0 * in0 + v.m1 * band + v.m2 * low;
    }
  }

private:
  void design(BiquadState& v, int mode, float cutoff, float qIn, float gainDb) const noexcept {
    const double fc = math::clamp(static_cast<double>(cutoff), 20.0, math::clamp(0.49 * sampleRate(), 20.0, 20000.0));
    const double q = math::clamp(static_cast<double>(qIn), 0.1, 20.0);
    const double db = math::clamp(static_cast<double>(gainDb), -24.0, 24.0);
    double g = math::tanPi(fc / sampleRate());
    double k = 1.0 / q;
    const double A = math::dbToGain(db * 0.5); // 10^(dB/40)
    double m0 = 0, m1 = 0, m2 = 0;
    switch (mode) {
    case kLowpass: m2 = 1; break;
    case kHighpass: m0 = 1; m1 = -k; m2 = -1; break;
    case kBandpass: m1 = k; break;
    case kNotch: m0 = 1; m1 = -k; break;
    case kPeak: k = 1.0 / (q * A); m0 = 1; m1 = k * (A * A - 1.0); break;
    case kLowshelf: g /= math::dbToGain(db * 0.25); m0 = 1; m1 = k * (A - 1.0); m2 = A * A - 1.0; break;
    case kHighshelf: g *= math::dbToGain(db * 0.25); m0 = A * A; m1 = k * (1.0 - A) * A; m2 = 1.0 - A * A; break;
    default: m0 = 1; m1 = -2.0 * k; break; // allpass
    }
    v.coeffs.set(g, k);
    v.m0 = static_cast<float>(m0);
    v.m1 = static_cast<float>(m1);
    v.m2 = static_cast<float>(m2);
  }
};

} // namespace mvm::modules
