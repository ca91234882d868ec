#pragma once
// Formant: a vowel filter — three band-passes in parallel (SvfCore from svf.h, unity gain at
// their centres, then weighted) at the first three formants of a tenor singing a, e, i, o, u.
// `vowel` 0..4 morphs continuously between neighbouring vowels (centre frequencies,
// bandwidths and levels interpolate linearly); `shift` moves all formants in octaves.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/svf.h"

namespace mvm::modules {

struct FormantState {
  SvfCore bands[3];
  SvfCore::Coeffs coeffs[3]{}; // designed when one of `last` moves
  float gain[3] = {};
  float last[3] = {-1e30f, -1e30f, -1e30f};
};

class Formant final : public ChannelModule<Formant, FormantState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kVowel, kShift, kQ };
  enum Outputs { kOut };

  struct Vowel {
    float freq[3], bandwidth[3], levelDb[3];
  };
  // Tenor formants (Csound manual, "Formant values").
  static constexpr Vowel kVowels[5] = {
      {{650, 1080, 2650}, {80, 90, 120}, {0, -6, -7}},     // a
      {{400, 1700, 2600}, {70, 80, 100}, {0, -14, -12}},   // e
      {{290, 1870, 2800}, {40, 90, 100}, {0, -15, -18}},   // i
      {{400, 800, 2600}, {40, 80, 100}, {0, -10, -12}},    // o
      {{350, 600, 2700}, {40, 60, 100}, {0, -20, -17}}};   // u

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Formant", "Filters", "Vowel formant filter: three parallel band-passes at F1, F2, F3 of a, e, i, o, u.",
        {{"in", true, "audio input (a bright source: saw, pulse, noise)"}},
        {{"out", true, "filtered audio; unity gain at F1"}},
        {{"vowel", "", 0.0f, 4.0f, 0.0f, "0 a, 1 e, 2 i, 3 o, 4 u; fractional values morph"},
         {"shift", "oct", -1.0f, 1.0f, 0.0f, "moves every formant up or down"},
         {"q", "", 0.25f, 4.0f, 1.0f, "bandwidth divisor: 2 = formants twice as narrow"}}};
    return d;
  }

  void processChannel(const Channel& ch, FormantState& v) noexcept {
    const float *x = ch.in(kIn), *vowel = ch.param(kVowel), *shift = ch.param(kShift), *q = ch.param(kQ);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (moved(v.last, vowel[i], shift[i], q[i])) design(v, vowel[i], shift[i], q[i]);
      const float in0 = math::limit(x[i], 100.0f);
      float sum = 0.0f;
      for (int f = 0; f < 3; ++f) {
        float low, band;
        v.bands[f].tick(v.coeffs[f], in0, low, band);
        sum += v.gain[f] * band;
      }
      y[i] = sum;
    }
  }

private:
  void design(FormantState& v, float vowelIn, float shiftIn, float qIn) const noexcept {
    const float pos = math::clamp(vowelIn, 0.0f, 4.0f);
    const int a = math::clamp(static_cast<int>(pos), 0, 4);
    const int b = a < 4 ? a + 1 : 4;
    const double t = static_cast<double>(pos - static_cast<float>(a));
    const double scale = math::exp2(static_cast<double>(math::clamp(shiftIn, -1.0f, 1.0f)));
    const double qs = static_cast<double>(math::clamp(qIn, 0.25f, 4.0f));
    for (int f = 0; f < 3; ++f) {
      const auto lerp = [t](float p, float q) { return static_cast<double>(p) + t * (static_cast<double>(q) - p); };
      const double fc = math::clamp(lerp(kVowels[a].freq[f], kVowels[b].freq[f]) * scale, 20.0, 0.45 * sampleRate());
      const double bw = lerp(kVowels[a].bandwidth[f], kVowels[b].bandwidth[f]) * scale / qs;
      const double k = math::clamp(bw / fc, 0.005, 2.0); // 1/Q
      v.coeffs[f].set(math::tanPi(fc / sampleRate()), k);
      const double gain = lerp(static_cast<float>(math::dbToGain(kVowels[a].levelDb[f])), static_cast<float>(math::dbToGain(kVowels[b].levelDb[f])));
      v.gain[f] = static_cast<float>(gain * k); // k * band = unity-peak band-pass
    }
  }
};

} // namespace mvm::modules
