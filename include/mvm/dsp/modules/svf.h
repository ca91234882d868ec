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
    // The same in float from g = num / den, for coefficients recomputed every sample: scaling
    // b1 by den^2 leaves one division.
    void set(math::Fraction g, float k_) noexcept {
      k = k_;
      const float n = g.num, d = g.den;
      const float inv = 1.0f / (d * d + n * (n + k_ * d));
      a1 = d * d * inv;
      a2 = n * d * inv;
      a3 = n * n * inv;
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
    int c = 0;
    for (; c + kGroup <= channels; c += kGroup) filterChannels<kGroup>(in, out, c);
    for (; c < channels; ++c) filterChannels<1>(in, out, c);
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const SVF&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) core_[c] = p.core_[c];
  }

private:
  // Channels filtered together, interleaved sample by sample: their recursions are independent,
  // so the CPU overlaps them instead of waiting on one channel's chain of dependent operations.
  static constexpr int kGroup = 4;

  template <int N>
  void filterChannels(const float** in, float** out, int c0) noexcept {
    const float* x[N];
    float *lp[N], *bp[N], *hp[N], *notch[N];
    SvfCore core[N]; // local copies: the outputs could alias the members, forcing reloads every sample
    for (int j = 0; j < N; ++j) {
      const int c = c0 + j;
      x[j] = this->in(in, kIn, c);
      lp[j] = DSPModule::out(out, kLp, c);
      bp[j] = DSPModule::out(out, kBp, c);
      hp[j] = DSPModule::out(out, kHp, c);
      notch[j] = DSPModule::out(out, kNotch, c);
      designBlock(block_[j], param(in, kCutoff, c), this->in(in, kPitch, c), param(in, kResonance, c));
      core[j] = core_[c];
    }
    for (int i = 0; i < kBlockFrames; ++i) {
      for (int j = 0; j < N; ++j) {
        const BlockCoeffs& b = block_[j];
        const SvfCore::Coeffs k{b.k[i], b.a1[i], b.a2[i], b.a3[i]};
        const float in0 = math::clamp(x[j][i], -100.0f, 100.0f);
        float low, band;
        core[j].tick(k, in0, low, band);
        const float kb = k.k * band;
        lp[j][i] = low;
        bp[j][i] = kb;
        hp[j][i] = in0 - kb - low;
        notch[j][i] = in0 - kb;
      }
    }
    for (int j = 0; j < N; ++j) core_[c0 + j] = core[j];
  }

  // One block's coefficients, computed before the filter runs: with an envelope on the cutoff
  // they change every sample, and apart from the recursion they vectorise.
  struct BlockCoeffs {
    alignas(16) float hz[kBlockFrames];
    alignas(16) float k[kBlockFrames];
    alignas(16) float a1[kBlockFrames];
    alignas(16) float a2[kBlockFrames];
    alignas(16) float a3[kBlockFrames];
  };

  void designBlock(BlockCoeffs& b, const float* cutoff, const float* pitch, const float* res) const noexcept {
    const float maxHz = static_cast<float>(0.49 * sampleRate());
    const float invRate = static_cast<float>(1.0 / sampleRate());
    if (isSteadyBlock(cutoff) && isSteadyBlock(pitch) && isSteadyBlock(res)) {
      b.hz[0] = cutoffHz(cutoff[0], pitch[0], maxHz);
      design(b.hz, res, invRate, 1, b.k, b.a1, b.a2, b.a3);
      for (int i = 1; i < kBlockFrames; ++i) {
        b.k[i] = b.k[0];
        b.a1[i] = b.a1[0];
        b.a2[i] = b.a2[0];
        b.a3[i] = b.a3[0];
      }
      return;
    }
    if (isSteadyBlock(pitch) && pitch[0] == 0.0f) // the usual case: a plain clamp, vectorised
      for (int i = 0; i < kBlockFrames; ++i) b.hz[i] = math::clamp(math::clamp(cutoff[i], 20.0f, 20000.0f), 10.0f, maxHz);
    else
      for (int i = 0; i < kBlockFrames; ++i) b.hz[i] = cutoffHz(cutoff[i], pitch[i], maxHz);
    design(b.hz, res, invRate, kBlockFrames, b.k, b.a1, b.a2, b.a3);
  }

  // cutoff (limited to [20 Hz, 20 kHz]) * 2^pitch, limited to [10 Hz, 0.49 * the sample rate].
  static float cutoffHz(float cutoff, float pitch, float maxHz) noexcept {
    const float hz = pitch == 0.0f ? math::clamp(cutoff, 20.0f, 20000.0f)
                                   : static_cast<float>(math::pitchedHz(cutoff, pitch, 20.0, 20000.0));
    return math::clamp(hz, 10.0f, maxHz);
  }

  // Coefficients of frames [0, n) from cutoff in Hz and resonance 0..1; one loop without
  // branches over separate arrays, so that the compiler vectorises it.
  static void design(const float* __restrict hz, const float* __restrict res, float invRate, int n, float* __restrict k,
                     float* __restrict a1, float* __restrict a2, float* __restrict a3) noexcept {
    for (int i = 0; i < n; ++i) {
      SvfCore::Coeffs c;
      c.set(math::tanPiFraction(hz[i] * invRate), 1.41421356f * (1.0f - 0.99f * math::clamp(res[i], 0.0f, 1.0f)));
      k[i] = c.k;
      a1[i] = c.a1;
      a2[i] = c.a2;
      a3[i] = c.a3;
    }
  }

  SvfCore core_[kMaxChannels];
  BlockCoeffs block_[kGroup]; // scratch, rewritten every block
};

} // namespace mvm::modules
