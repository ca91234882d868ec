#pragma once
// Ladder: a 4-pole (24 dB/octave) Moog-style ladder low-pass. Four trapezoidal one-poles in
// series with global feedback k = 4.444 * resonance, solved without a unit delay (zero-delay
// feedback, Zavalishin); the solved ladder input passes through tanh(drive * ...), which
// bounds the loop, so resonance above ~0.9 self-oscillates at the cutoff with a stable
// amplitude. Like the original, the pass-band gain drops as 1 / (1 + k) with resonance.
// Written once for a channel or four (LaneModule): the pole gain G = g / (1 + g), g = tan(pi fc /
// fs), comes from math::tanPiFraction every frame the cutoff moves, as SVF's does.

#include "mvm/core/math.h"
#include "mvm/dsp/filter_cutoff.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

template <class V>
struct LadderState {
  V s0{}, s1{}, s2{}, s3{}; // the poles
};

class Ladder final : public LaneModule<Ladder, LadderState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn, kPitch };
  enum Params { kCutoff, kResonance, kDrive };
  enum Outputs { kLp };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Ladder", "Filters", "4-pole (24 dB/octave) ladder low-pass with drive and self-oscillating resonance.",
        {{"in", true, "audio input"},
         {"pitch", true, "1 V/octave offset applied to cutoff"}},
        {{"lp", true, "low-pass, 24 dB/octave; each pole is -3 dB at cutoff (-12 dB in total at resonance 0)"}},
        {{"cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, "pole frequency (at pitch 0 V)"},
         {"resonance", "", 0.0f, 1.0f, 0.0f, "feedback; self-oscillates above about 0.9"},
         {"drive", "", 0.1f, 10.0f, 1.0f, "input gain into the tanh saturation"}}};
    return d;
  }

  template <class V>
  void processLanes(const Lanes<V>& ch, LadderState<V>& state) noexcept {
    const float maxHz = static_cast<float>(0.49 * sampleRate());
    const float invRate = static_cast<float>(1.0 / sampleRate());
    const bool steady = ch.steadyParam(kCutoff) && ch.steadyIn(kPitch); // one G serves the block
    alignas(16) V G[kBlockFrames];
    if (steady) {
      G[0] = poleGain(filterCutoffHz(ch.firstParam(kCutoff), ch.firstIn(kPitch), maxHz) * invRate);
    } else {
      alignas(16) V hz[kBlockFrames];
      filterCutoffs(ch, kCutoff, kPitch, false, maxHz, hz);
      for (int i = 0; i < kBlockFrames; ++i) G[i] = poleGain(hz[i] * invRate);
    }
    const V *x = ch.in(kIn), *res = ch.param(kResonance), *drive = ch.param(kDrive);
    V* y = ch.out(kLp);
    LadderState<V> s = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const V g = G[steady ? 0 : i];
      const V k = 4.4444444f * math::clampLanes(res[i], 0.0f, 1.0f);
      const V dr = math::clampLanes(drive[i], 0.1f, 10.0f);
      const V b = 1.0f - g;
      const V S = g * g * g * b * s.s0 + g * g * b * s.s1 + g * b * s.s2 + b * s.s3;
      const V g4 = g * g * g * g;
      V stage = math::tanh((dr * math::limitLanes(x[i], 100.0f) - k * S) / (1.0f + k * g4));
      pole(s.s0, stage, g);
      pole(s.s1, stage, g);
      pole(s.s2, stage, g);
      pole(s.s3, stage, g);
      const auto ok = simd::finite(stage); // a ladder that blew up starts again from rest
      s.s0 = simd::select(ok, s.s0, V{});
      s.s1 = simd::select(ok, s.s1, V{});
      s.s2 = simd::select(ok, s.s2, V{});
      s.s3 = simd::select(ok, s.s3, V{});
      y[i] = simd::select(ok, stage, V{});
    }
    state = s;
  }

private:
  // G = g / (1 + g) with g = tan(pi f) = num / den: num / (den + num).
  template <class V>
  static V poleGain(V f) noexcept {
    const math::FractionOf<V> g = math::tanPiFraction(f);
    return g.num / (g.den + g.num);
  }
  // One trapezoidal one-pole: its input is `stage`, its output becomes the next stage's input.
  template <class V>
  static void pole(V& s, V& stage, V g) noexcept {
    const V w = (stage - s) * g;
    const V o = w + s;
    s = o + w;
    stage = o;
  }
};

} // namespace mvm::modules
