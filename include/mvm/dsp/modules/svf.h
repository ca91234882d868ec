#pragma once
// SVF: Andrew Simper's (Cytomic) trapezoidal state-variable filter: 12 dB/octave low-pass,
// band-pass (unity gain at cutoff), high-pass and notch at once. cutoff * 2^pitch is limited
// to [10 Hz, 0.49 * sample rate]; resonance 0..1 maps to damping k = sqrt(2) * (1 - 0.99 r),
// i.e. Q from 0.707 (Butterworth, -3 dB at cutoff) to about 70: stable for any setting and
// under audio-rate modulation. The SvfCore here is also used by Biquad and Formant.

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

// One channel of the trapezoidal SVF (Simper, "Linear Trapezoidal Integrated SVF", 2013).
struct SvfCore {
  struct Coeffs {
    float k = 1.41421356f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    // g = tan(pi * fc / fs), k = 1 / Q
    void set(double g, double k_) noexcept {
      k = static_cast<float>(k_);
      const double b1 = 1.0 / (1.0 + g * (g + k_));
      a1 = static_cast<float>(b1);
      a2 = static_cast<float>(g * b1);
      a3 = static_cast<float>(g * g * b1);
    }
  };
  float ic1 = 0.0f, ic2 = 0.0f;

  // One sample: returns low (v2) and band (v1); high = x - k*band - low.
  void tick(const Coeffs& c, float x, float& low, float& band) noexcept {
    const float v3 = x - ic2;
    const float v1 = c.a1 * ic1 + c.a2 * v3;
    const float v2 = ic2 + c.a2 * ic1 + c.a3 * v3;
    ic1 = 2.0f * v1 - ic1;
    ic2 = 2.0f * v2 - ic2;
    if (!math::isFinite(ic1) || !math::isFinite(ic2)) ic1 = ic2 = 0.0f;
    low = v2;
    band = v1;
  }
};

class SVF final : public DSPModule {
public:
  enum Inputs { kIn, kPitch };
  enum Params { kCutoff, kResonance };
  enum Outputs { kLp, kBp, kHp, kNotch };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "SVF", "Filters", "State-variable filter (Cytomic TPT): 12 dB/octave low-pass, band-pass, high-pass and notch.",
        {{"in", true, "audio input"},
         {"pitch", true, "1 V/octave offset applied to cutoff"}},
        {{"lp", true, "low-pass, 12 dB/octave"},
         {"bp", true, "band-pass, unity gain at cutoff"},
         {"hp", true, "high-pass, 12 dB/octave"},
         {"notch", true, "notch (band-reject) at cutoff"}},
        {{"cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, "cutoff frequency (at pitch 0 V)"},
         {"resonance", "", 0.0f, 1.0f, 0.0f, "0 = Butterworth (Q 0.707), 1 = Q about 70"}}};
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kLp);
    const double invRate = 1.0 / sampleRate();
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* pitch = this->in(in, kPitch, c);
      const float* cutoff = param(in, kCutoff, c);
      const float* res = param(in, kResonance, c);
      float* lp = DSPModule::out(out, kLp, c);
      float* bp = DSPModule::out(out, kBp, c);
      float* hp = DSPModule::out(out, kHp, c);
      float* notch = DSPModule::out(out, kNotch, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        if (cutoff[i] != v.lastCutoff || res[i] != v.lastRes || pitch[i] != v.lastPitch) {
          v.lastCutoff = cutoff[i];
          v.lastRes = res[i];
          v.lastPitch = pitch[i];
          const double fc = math::clamp(math::pitchedHz(cutoff[i], pitch[i], 20.0, 20000.0), 10.0, 0.49 * sampleRate());
          const double r = math::clamp(static_cast<double>(res[i]), 0.0, 1.0);
          v.coeffs.set(math::tanPi(fc * invRate), 1.4142135623730951 * (1.0 - 0.99 * r));
        }
        const float in0 = math::clamp(x[i], -100.0f, 100.0f);
        float low, band;
        v.core.tick(v.coeffs, in0, low, band);
        const float kb = v.coeffs.k * band;
        lp[i] = low;
        bp[i] = kb;
        hp[i] = in0 - kb - low;
        notch[i] = in0 - kb;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const SVF&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) voices_[c].core = p.voices_[c].core;
  }

private:
  struct Voice {
    SvfCore core;
    SvfCore::Coeffs coeffs;
    float lastCutoff = -1.0f, lastRes = -1.0f, lastPitch = -1e30f;
  };
  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
