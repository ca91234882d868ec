#pragma once
// SVF: Andrew Simper's (Cytomic) trapezoidal state-variable filter: 12 dB/octave low-pass,
// band-pass (unity gain at cutoff), high-pass and notch at once. cutoff * 2^pitch is limited
// to [10 Hz, 0.49 * sample rate]; resonance 0..1 maps to damping k = sqrt(2) * (1 - 0.99 r),
// i.e. Q from 0.707 (Butterworth, -3 dB at cutoff) to about 70: stable for any setting and
// under audio-rate modulation. The SvfCore here is also used by Biquad and Formant.

#include "mvm/core/math.h"
#include "mvm/core/simd.h"
#include "mvm/dsp/filter_cutoff.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

// The trapezoidal SVF's coefficients and one sample of it (Simper, "Linear Trapezoidal Integrated
// SVF", 2013), for one channel (T = float) or four lanes (T = simd::f32x4), with the same bits.
template <class T>
struct SvfCoeffs {
  T k, a1, a2, a3; // no initialisers: a block's worth of them is scratch, written before it is read
  // From g = tan(pi fc / fs) = num / den and damping k = 1 / Q: scaling b1 = 1 / (1 + g (g + k))
  // by den^2 leaves one division, for coefficients recomputed every sample.
  void set(math::FractionOf<T> g, T k_) noexcept {
    k = k_;
    const T n = g.num, d = g.den;
    const T inv = 1.0f / (d * d + n * (n + k_ * d));
    a1 = d * d * inv;
    a2 = n * d * inv;
    a3 = n * n * inv;
  }
  // The same from g and k in double (coefficients designed once, T = float).
  void set(double g, double k_) noexcept {
    k = static_cast<float>(k_);
    const double b1 = 1.0 / (1.0 + g * (g + k_));
    a1 = static_cast<float>(b1);
    a2 = static_cast<float>(g * b1);
    a3 = static_cast<float>(g * g * b1);
  }
};

template <class T>
struct SvfState {
  T ic1{}, ic2{};

  // One sample: low (v2) and band (v1); high = x - k*band - low. A state that overflowed to
  // Inf or NaN starts again from rest.
  void tick(const SvfCoeffs<T>& c, T x, T& low, T& band) noexcept {
    const T v3 = x - ic2;
    const T v1 = c.a1 * ic1 + c.a2 * v3;
    const T v2 = ic2 + c.a2 * ic1 + c.a3 * v3;
    ic1 = 2.0f * v1 - ic1;
    ic2 = 2.0f * v2 - ic2;
    const auto ok = simd::both(simd::finite(ic1), simd::finite(ic2));
    ic1 = simd::select(ok, ic1, T{});
    ic2 = simd::select(ok, ic2, T{});
    low = v2;
    band = v1;
  }
};

// One channel, as Biquad and Formant use it.
struct SvfCore : SvfState<float> {
  using Coeffs = SvfCoeffs<float>;
};

class SVF final : public LaneModule<SVF, SvfState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
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

  template <class V>
  void processLanes(const Lanes<V>& ch, SvfState<V>& state) noexcept {
    const float maxHz = static_cast<float>(0.49 * sampleRate());
    const float invRate = static_cast<float>(1.0 / sampleRate());
    const auto damping = [](V r) { return 1.41421356f * (1.0f - 0.99f * simd::clamp(r, 0.0f, 1.0f)); };
    const bool steadyCutoff = ch.steadyParam(kCutoff) && ch.steadyIn(kPitch);
    const bool steadyRes = ch.steadyParam(kResonance);
    const bool steady = steadyCutoff && steadyRes; // one set of coefficients serves the block
    alignas(16) SvfCoeffs<V> coeffs[kBlockFrames];
    const V k0 = damping(ch.firstParam(kResonance));
    if (steady) {
      coeffs[0].set(math::tanPiFraction(filterCutoffHz(ch.firstParam(kCutoff), ch.firstIn(kPitch), maxHz) * invRate), k0);
    } else {
      alignas(16) V hz[kBlockFrames];
      filterCutoffs(ch, kCutoff, kPitch, steadyCutoff, maxHz, hz);
      const V* res = steadyRes ? nullptr : ch.param(kResonance);
      for (int i = 0; i < kBlockFrames; ++i) coeffs[i].set(math::tanPiFraction(hz[i] * invRate), steadyRes ? k0 : damping(res[i]));
    }
    const V* x = ch.in(kIn);
    SvfState<V> s = state;
    V* lp = ch.out(kLp);
    // With only the low-pass read (the usual patch), the other outputs are not formed.
    if (isOutputConnected(kBp) || isOutputConnected(kHp) || isOutputConnected(kNotch)) {
      V *bp = ch.out(kBp), *hp = ch.out(kHp), *notch = ch.out(kNotch);
      for (int i = 0; i < kBlockFrames; ++i) {
        const SvfCoeffs<V>& k = coeffs[steady ? 0 : i];
        const V in = simd::clamp(x[i], -100.0f, 100.0f);
        V low, band;
        s.tick(k, in, low, band);
        const V kb = k.k * band;
        lp[i] = low, bp[i] = kb, hp[i] = in - kb - low, notch[i] = in - kb;
      }
    } else {
      for (int i = 0; i < kBlockFrames; ++i) {
        V band;
        s.tick(coeffs[steady ? 0 : i], simd::clamp(x[i], -100.0f, 100.0f), lp[i], band);
      }
    }
    state = s;
  }
};

} // namespace mvm::modules
