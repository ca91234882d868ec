#pragma once
// Pitch utilities. Octave: out = in + octave + semitone / 12 + fine / 1200 (1 V/octave).
// PitchToHz: hz = 261.6256 * 2^pitch (0 V = C4), with the pitch clamped to [-12, 5.25] V so the
// value stays within the engine's signal range (5.25 V = 9957 Hz); and the inverse,
// pitch = log2(hz / 261.6256) from the `hz` input, with hz clamped to [0.001, 1e5] Hz.

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Octave final : public ChannelModule<Octave, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kOctave, kSemitone, kFine };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Octave", "Pitch", "Transposes a 1 V/octave pitch by octaves, semitones and cents.",
        {{"in", true, "pitch, 1 V/octave"}},
        {{"out", true, "in + octave + semitone / 12 + fine / 1200"}},
        {{"octave", "octaves", -4.0f, 4.0f, 0.0f, "whole octaves", 0.0f},
         {"semitone", "semitones", -12.0f, 12.0f, 0.0f, "whole semitones", 0.0f},
         {"fine", "cents", -100.0f, 100.0f, 0.0f, "fine tuning"}}};
    return d;
  }

  static float steps(float v) noexcept { return std::floor(v + 0.5f); }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *x = ch.in(kIn), *oct = ch.param(kOctave), *semi = ch.param(kSemitone), *fine = ch.param(kFine);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i)
      y[i] = x[i] + (steps(oct[i]) + steps(semi[i]) / 12.0f + fine[i] / 1200.0f);
  }
};

class PitchToHz final : public ChannelModule<PitchToHz, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch, kHz };
  enum Outputs { kHzOut, kPitchOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "PitchToHz", "Pitch", "Converts a 1 V/octave pitch to a frequency in Hz, and a frequency back to a pitch.",
        {{"pitch", true, "pitch, 1 V/octave, 0 V = C4"}, {"hz", true, "frequency in Hz"}},
        {{"hz", true, "frequency of pitch in Hz (pitch clamped to [-12, 5.25] V)"},
         {"pitch", true, "1 V/octave pitch of the hz input (hz clamped to [0.001, 1e5])"}},
        {}};
    return d;
  }

  // log2(x) for x > 0 without libm: frexp splits the exponent exactly, and the mantissa m in
  // [sqrt(1/2), sqrt(2)) goes through log2(m) = 2/ln2 * atanh((m-1)/(m+1)) (error < 1e-15).
  static double log2(double x) noexcept {
    int e = 0;
    double m = std::frexp(x, &e); // x = m * 2^e, m in [0.5, 1)
    if (m < 0.7071067811865476) { m *= 2.0; --e; }
    const double z = (m - 1.0) / (m + 1.0), z2 = z * z; // |z| < 0.1716
    double s = 1.0 / 21.0;
    for (int k = 19; k >= 1; k -= 2) s = 1.0 / static_cast<double>(k) + z2 * s;
    return static_cast<double>(e) + 2.0 * math::kLog2e * z * s;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *p = ch.in(kPitch), *h = ch.in(kHz);
    float *hz = ch.out(kHzOut), *pitch = ch.out(kPitchOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      hz[i] = math::pitchToHz(math::clamp(p[i], -12.0f, 5.25f));
      const double f = math::clamp(static_cast<double>(h[i]), 0.001, 1e5);
      pitch[i] = static_cast<float>(log2(f / math::kC4Hz));
    }
  }
};

} // namespace mvm::modules
