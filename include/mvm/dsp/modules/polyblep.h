#pragma once
// Band-limiting for the oscillators (VCO, SawOsc, PulseOsc, TriangleOsc, Supersaw, SubOsc).
//
// 4-point PolyBLEP / PolyBLAMP: each discontinuity of a naive waveform is replaced by the step
// (or ramp) filtered with a cubic B-spline kernel spanning 4 samples (Välimäki et al.,
// "Perceptually informed synthesis of bandlimited classical waveforms using integrated
// polynomial interpolation", 2012). Its magnitude response is sinc^4, so aliases that fold back
// from above Nyquist are attenuated roughly twice as much (in dB) as with the common 2-point BLEP.
//
// Corrections are applied event-wise: a discontinuity at fractional time d before sample n
// (0 < d <= 1) touches samples n-2 .. n+1, so the corrected output is delayed by two samples.
// This also handles discontinuities whose position is known only when they happen (hard sync).

#include "mvm/core/math.h"

namespace mvm::modules::blep {

// Residual of a unit upward step at distance d (0 < d <= 1) before sample n, for samples n-2 .. n+1.
inline void stepResidual(float d, float r[4]) noexcept {
  const float d2 = d * d, d3 = d2 * d, d4 = d2 * d2;
  const float e = 1.0f - d, e2 = e * e;
  r[0] = d4 * (1.0f / 24.0f);
  r[1] = -d4 * (1.0f / 8.0f) + d3 * (1.0f / 6.0f) + d2 * 0.25f + d * (1.0f / 6.0f) + 1.0f / 24.0f;
  r[2] = d4 * (1.0f / 8.0f) - d3 * (1.0f / 3.0f) + d * (2.0f / 3.0f) - 0.5f;
  r[3] = -e2 * e2 * (1.0f / 24.0f);
}

// Residual of a unit slope change (1 per sample) at distance d before sample n, samples n-2 .. n+1.
inline void rampResidual(float d, float r[4]) noexcept {
  const float d2 = d * d, d3 = d2 * d, d4 = d2 * d2, d5 = d4 * d;
  r[0] = d5 * (1.0f / 120.0f);
  r[1] = -d5 * (1.0f / 40.0f) + d4 * (1.0f / 24.0f) + d3 * (1.0f / 12.0f) + d2 * (1.0f / 12.0f) + d * (1.0f / 24.0f) + 1.0f / 120.0f;
  r[2] = d5 * (1.0f / 40.0f) - d4 * (1.0f / 12.0f) + d2 * (1.0f / 3.0f) - d * 0.5f + 7.0f / 30.0f;
  r[3] = -d5 * (1.0f / 120.0f) + d4 * (1.0f / 24.0f) - d3 * (1.0f / 12.0f) + d2 * (1.0f / 12.0f) - d * (1.0f / 24.0f) + 1.0f / 120.0f;
}

// Two-sample delay line that collects the corrections of one waveform: one channel's (V = float)
// or four lanes' (SawOsc, which adds its corrections to the taps lane by lane).
template <class V = float>
struct Corrector {
  V prev2{}; // sample n-2, next out
  V prev1{}; // sample n-1
  V cur{};   // corrections for sample n
  V next{};  // corrections for sample n+1

  void step(float height, float d) noexcept {
    float r[4];
    stepResidual(d, r);
    add(height, r);
  }
  void ramp(float slopeChange, float d) noexcept {
    float r[4];
    rampResidual(d, r);
    add(slopeChange, r);
  }
  // Push the naive value of sample n, return the corrected sample n-2.
  V push(V naive) noexcept {
    const V y = prev2;
    prev2 = prev1;
    prev1 = cur + naive;
    cur = next;
    next = V{};
    return y;
  }

private:
  void add(float a, const float r[4]) noexcept {
    prev2 += a * r[0];
    prev1 += a * r[1];
    cur += a * r[2];
    next += a * r[3];
  }
};

// Naive waveforms of a phase in [0, 1). The sine and triangle start at 0 rising.
inline float naiveSaw(double p) noexcept { return static_cast<float>(2.0 * p - 1.0); }
inline float naiveSquare(double p, double pw) noexcept { return p < pw ? 1.0f : -1.0f; }
inline float naiveTriangle(double p) noexcept {
  return static_cast<float>(p < 0.25 ? 4.0 * p : (p < 0.75 ? 2.0 - 4.0 * p : 4.0 * p - 4.0));
}

enum Wave : unsigned { kSine = 1u, kTriangle = 2u, kSaw = 4u, kSquare = 8u, kAll = 15u };

// One output sample of each wave; a wave the Oscillator does not compute stays 0.
struct Sample { float sine = 0.0f, triangle = 0.0f, saw = 0.0f, square = 0.0f; };

// A phase accumulator with band-limited sine (unchanged except at sync), triangle, saw and
// variable-width square outputs, delayed by two samples. `Waves` selects what is computed.
template <unsigned Waves = kAll>
struct Oscillator {
  double phase = 0.0;
  Corrector<> sine, tri, saw, sqr;

  // One sample. dt = frequency / sample rate, in [0, 0.5]; pw in (0, 1), the square's width; syncAt
  // in (0, 1] is the fractional time within this sample at which the phase resets to 0 (<= 0: no sync).
  Sample tick(double dt, double pw = 0.5, double syncAt = 0.0) noexcept {
    if (syncAt > 0.0) {
      segment(0.0, syncAt, dt, pw);
      reset(syncAt, dt, pw);
      segment(syncAt, 1.0, dt, pw);
    } else {
      segment(0.0, 1.0, dt, pw);
    }
    Sample out;
    if constexpr ((Waves & kSine) != 0) out.sine = sine.push(math::sin2pi(static_cast<float>(phase)));
    if constexpr ((Waves & kTriangle) != 0) out.triangle = tri.push(naiveTriangle(phase));
    if constexpr ((Waves & kSaw) != 0) out.saw = saw.push(naiveSaw(phase));
    if constexpr ((Waves & kSquare) != 0) out.square = sqr.push(naiveSquare(phase, pw));
    return out;
  }

private:
  // Advance the phase from time t0 to t1 (fractions of this sample), correcting crossed discontinuities.
  void segment(double t0, double t1, double dt, double pw) noexcept {
    const double pa = phase, pb = phase + dt * (t1 - t0);
    if (dt > 0.0) {
      auto crossed = [&](double threshold, float& d) {
        if (pa < threshold && pb >= threshold) {
          d = static_cast<float>(1.0 - (t0 + (threshold - pa) / dt));
          d = math::clamp(d, 1e-7f, 1.0f);
          return true;
        }
        return false;
      };
      float d;
      if constexpr ((Waves & kSaw) != 0)
        if (crossed(1.0, d)) saw.step(-2.0f, d);
      if constexpr ((Waves & kSquare) != 0) {
        if (crossed(pw, d)) sqr.step(-2.0f, d);
        if (crossed(1.0, d)) sqr.step(2.0f, d);
        if (crossed(1.0 + pw, d)) sqr.step(-2.0f, d);
      }
      if constexpr ((Waves & kTriangle) != 0) {
        const float s = static_cast<float>(8.0 * dt);
        if (crossed(0.25, d)) tri.ramp(-s, d);
        if (crossed(0.75, d)) tri.ramp(s, d);
        if (crossed(1.25, d)) tri.ramp(-s, d);
      }
    }
    phase = math::wrap01(pb);
  }

  // Hard sync at time t: every waveform jumps to its value at phase 0.
  void reset(double t, double dt, double pw) noexcept {
    const float d = math::clamp(static_cast<float>(1.0 - t), 1e-7f, 1.0f);
    const double p = phase;
    if constexpr ((Waves & kSine) != 0) {
      sine.step(-math::sin2pi(static_cast<float>(p)), d);
      sine.ramp(static_cast<float>(math::kTwoPi * dt * (1.0 - math::cos2pi(p))), d);
    }
    if constexpr ((Waves & kTriangle) != 0) {
      tri.step(-naiveTriangle(p), d);
      const double slope = (p >= 0.25 && p < 0.75) ? -4.0 * dt : 4.0 * dt;
      tri.ramp(static_cast<float>(4.0 * dt - slope), d);
    }
    if constexpr ((Waves & kSaw) != 0) saw.step(static_cast<float>(-2.0 * p), d);
    if constexpr ((Waves & kSquare) != 0) sqr.step(naiveSquare(0.0, pw) - naiveSquare(p, pw), d);
    phase = 0.0;
  }
};

// Phase increment of a frequency in Hz, limited to [0, 0.45] (no through-zero, no runaway FM).
inline double phaseIncrement(double hz, double invRate) noexcept {
  const double dt = hz * invRate;
  return dt > 0.0 ? (dt < 0.45 ? dt : 0.45) : 0.0;
}

} // namespace mvm::modules::blep
