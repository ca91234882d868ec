#pragma once
// SVF: Andrew Simper's (Cytomic) trapezoidal state-variable filter: 12 dB/octave low-pass,
// band-pass (unity gain at cutoff), high-pass and notch at once. cutoff * 2^pitch is limited
// to [10 Hz, 0.49 * sample rate]; resonance 0..1 maps to damping k = sqrt(2) * (1 - 0.99 r),
// i.e. Q from 0.707 (Butterworth, -3 dB at cutoff) to about 70: stable for any setting and
// under audio-rate modulation. The SvfCore here is also used by Biquad and Formant.

#include <cstring>

#include "mvm/core/math.h"
#include "mvm/core/simd.h"
#include "mvm/dsp/dsp_module.h"

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
    int c = 0;
    for (; c + simd::kLanes <= channels; c += simd::kLanes) filter<simd::f32x4>(in, out, c);
    for (; c < channels; ++c) filter<float>(in, out, c);
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const SVF&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) state_[c] = p.state_[c];
  }

private:
  static constexpr int lanes(float) { return 1; }
  static constexpr int lanes(simd::f32x4) { return simd::kLanes; }

  // One channel (T = float) or four at once (T = simd::f32x4, lane j = channel c0 + j): the
  // cutoff of each frame is worked out per channel, then coefficients and the filter run over
  // frames with the channels side by side, then the connected outputs are written back.
  template <class T>
  void filter(const float** in, float** out, int c0) noexcept {
    constexpr int N = lanes(T{});
    const float maxHz = static_cast<float>(0.49 * sampleRate());
    const float invRate = static_cast<float>(1.0 / sampleRate());
    const float* x[N];
    const float* res[N];
    alignas(16) float hzOf[N][kBlockFrames];
    bool steadyCutoff = true, steadyRes = true;
    for (int j = 0; j < N; ++j) {
      const int c = c0 + j;
      x[j] = this->in(in, kIn, c);
      res[j] = param(in, kResonance, c);
      steadyCutoff = cutoffBlock(param(in, kCutoff, c), this->in(in, kPitch, c), maxHz, hzOf[j]) && steadyCutoff;
      steadyRes = isSteadyBlock(res[j]) && steadyRes;
    }
    const bool steady = steadyCutoff && steadyRes;
    alignas(16) T xs[kBlockFrames];
    alignas(16) T hz[kBlockFrames];
    alignas(16) T rs[kBlockFrames];
    interleave(x, xs);
    const int designed = steady ? 1 : kBlockFrames; // steady: one set of coefficients serves the block
    if (steady) {
      for (int j = 0; j < N; ++j) lane(hz[0], j) = hzOf[j][0], lane(rs[0], j) = res[j][0];
    } else {
      const float* h[N];
      for (int j = 0; j < N; ++j) h[j] = hzOf[j];
      interleave(h, hz);
      interleave(res, rs);
    }
    alignas(16) SvfCoeffs<T> coeffs[kBlockFrames];
    const auto damping = [&](int i) { return 1.41421356f * (1.0f - 0.99f * simd::clamp(rs[i], 0.0f, 1.0f)); };
    const T k0 = damping(0);
    for (int i = 0; i < designed; ++i) coeffs[i].set(math::tanPiFraction(hz[i] * invRate), steadyRes ? k0 : damping(i));
    SvfState<T> s = load(c0, T{});
    alignas(16) T y[4][kBlockFrames];
    // The filter; with only the low-pass read (the usual patch), the other outputs are not formed.
    const auto run = [&]<bool kAllOutputs>() {
      for (int i = 0; i < kBlockFrames; ++i) {
        const SvfCoeffs<T>& k = coeffs[steady ? 0 : i];
        const T in0 = simd::clamp(xs[i], -100.0f, 100.0f);
        T low, band;
        s.tick(k, in0, low, band);
        y[kLp][i] = low;
        if constexpr (kAllOutputs) {
          const T kb = k.k * band;
          y[kBp][i] = kb;
          y[kHp][i] = in0 - kb - low;
          y[kNotch][i] = in0 - kb;
        }
      }
    };
    if (isOutputConnected(kBp) || isOutputConnected(kHp) || isOutputConnected(kNotch)) run.template operator()<true>();
    else run.template operator()<false>();
    save(c0, s);
    for (int o = kLp; o <= kNotch; ++o) {
      if (!isOutputConnected(o)) continue; // nobody reads it: skip the writing
      float* dst[N];
      for (int j = 0; j < N; ++j) dst[j] = DSPModule::out(out, o, c0 + j);
      deinterleave(y[o], dst);
    }
  }

  // hz[i] = cutoff * 2^pitch limited to [20 Hz, 20 kHz] then to [10 Hz, maxHz]; true when the
  // block holds one value (worked out once).
  static bool cutoffBlock(const float* cutoff, const float* pitch, float maxHz, float* hz) noexcept {
    const bool steadyPitch = isSteadyBlock(pitch);
    if (steadyPitch && isSteadyBlock(cutoff)) {
      fillFrames(hz, kBlockFrames, cutoffHz(cutoff[0], pitch[0], maxHz));
      return true;
    }
    if (steadyPitch && pitch[0] == 0.0f) // the usual case: a plain clamp, four frames at a time
      for (int i = 0; i < kBlockFrames; i += simd::kLanes)
        simd::store(hz + i, simd::clamp(simd::clamp(simd::load(cutoff + i), 20.0f, 20000.0f), 10.0f, maxHz));
    else
      for (int i = 0; i < kBlockFrames; ++i) hz[i] = cutoffHz(cutoff[i], pitch[i], maxHz);
    return false;
  }
  static float cutoffHz(float cutoff, float pitch, float maxHz) noexcept {
    const float hz = pitch == 0.0f ? math::clamp(cutoff, 20.0f, 20000.0f)
                                   : static_cast<float>(math::pitchedHz(cutoff, pitch, 20.0, 20000.0));
    return math::clamp(hz, 10.0f, maxHz);
  }

  // Channel blocks ↔ frames of lanes.
  static float& lane(float& v, int) noexcept { return v; }
  static float& lane(simd::f32x4& v, int j) noexcept { return reinterpret_cast<float*>(&v)[j]; }
  static void interleave(const float* const* ch, float* out) noexcept { std::memcpy(out, ch[0], sizeof(float) * kBlockFrames); }
  static void interleave(const float* const* ch, simd::f32x4* out) noexcept { simd::interleave(ch, out, kBlockFrames); }
  static void deinterleave(const float* y, float* const* dst) noexcept { std::memcpy(dst[0], y, sizeof(float) * kBlockFrames); }
  static void deinterleave(const simd::f32x4* y, float* const* dst) noexcept { simd::deinterleave(y, dst, kBlockFrames); }
  SvfState<float> load(int c, float) const noexcept { return state_[c]; }
  SvfState<simd::f32x4> load(int c0, simd::f32x4) const noexcept {
    SvfState<simd::f32x4> s;
    for (int j = 0; j < simd::kLanes; ++j) s.ic1[j] = state_[c0 + j].ic1, s.ic2[j] = state_[c0 + j].ic2;
    return s;
  }
  void save(int c, const SvfState<float>& s) noexcept { state_[c] = s; }
  void save(int c0, const SvfState<simd::f32x4>& s) noexcept {
    for (int j = 0; j < simd::kLanes; ++j) state_[c0 + j] = {s.ic1[j], s.ic2[j]};
  }

  SvfState<float> state_[kMaxChannels];
};

} // namespace mvm::modules
