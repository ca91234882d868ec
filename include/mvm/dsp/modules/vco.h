#pragma once
// VCO: band-limited analogue-style oscillator with sine, triangle, saw and pulse outputs at once.
// f = freq * 2^(pitch + fmExp * fm) + fmLin * fm, limited to [0, 0.45 * sample rate]. A rising
// edge of `sync` through 0.5 resets the phase (hard sync) at the crossing time, found to a small
// fraction of a sample (SyncEdge), SyncEdge::kLatency samples late.
// Saw, pulse and triangle (and the sync jumps) are band-limited with the BLEP /
// BLAMP of polyblep.h; outputs are delayed by blep::kLatency samples.

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

// When a rising edge of the sync input crosses 0.5, to a small fraction of a sample, the same in
// every period. A straight line between the two samples either side of 0.5 times a ramp exactly but
// misplaces the S-shaped edge of a band-limited jump (a VCO's sqr) by up to 0.15 sample, differently
// each period: an inharmonic floor at -34..-39 dB. So a jump is timed by the centroid of its first
// differences above the ramp they sit on: the centroid of a band-limited edge's differences is its
// centre wherever it falls between samples (exactly so for a kernel whose spectrum is 0 at the
// multiples of the sample rate; polyblep.h's is within 1.1e-3 sample). Anything else is timed by the
// cubic through four samples. The window is 2 kHalf + 1 differences around the crossing, so sync
// acts kLatency samples late, a constant delay.
struct SyncEdge {
  // Differences either side of the crossing's: a band-limited edge spans kTaps + 1 of them, and its
  // centre may sit 1.5 samples from the crossing (0.5 is 3/4 of the way up a square's edge).
  static constexpr int kHalf = blep::kLatency + 2;
  static constexpr int kSamples = 2 * kHalf + 2;
  static constexpr int kLatency = kHalf + 2;
  static constexpr double kNone = -2.0;
  float x[kSamples] = {}; // the input at m-kSamples+1 .. m; the crossing looked for lies between x[kHalf] and x[kHalf+1]
  double due = kNone;     // a detected reset: its time minus the end of this sample (> -1), or kNone

  // Whether pushing 0 would change nothing: no reset due and only zeros in the window. (Then an
  // unconnected input, all zeros, need not be pushed.)
  bool atRest() const noexcept {
    if (due != kNone) return false;
    for (float v : x)
      if (v != 0.0f) return false;
    return true;
  }

  // Push the input of sample m; the time within this sample at which the delayed reset falls, in
  // (0, 1], or 0.
  double push(float next) noexcept {
    for (int k = 0; k + 1 < kSamples; ++k) x[k] = x[k + 1];
    x[kSamples - 1] = next;
    if (x[kHalf] < 0.5f && x[kHalf + 1] >= 0.5f) due = crossing() + kLatency;
    if (due == kNone) return 0.0;
    if (due > 0.0) {
      due -= 1.0;
      return 0.0;
    }
    const double at = due + 1.0;
    due = kNone;
    return math::clamp(at, 1e-6, 1.0);
  }

private:
  // The crossing's time relative to sample m, in (-kHalf - 2, -kHalf + 1).
  double crossing() const noexcept {
    const double p0 = x[kHalf - 1], p1 = x[kHalf], p2 = x[kHalf + 1], p3 = x[kHalf + 2];
    const double start = -kHalf - 1.0; // the crossing's sample interval is (m + start, m + start + 1]
    double t = (0.5 - p1) / (p2 - p1);
    bool finite = true;
    for (float v : x) finite = finite && std::isfinite(v);
    if (!finite) return start + t;
    constexpr int kDiffs = 2 * kHalf + 1;
    double d[kDiffs], rise = 0.0;
    for (int k = 0; k < kDiffs; ++k) rise += (d[k] = static_cast<double>(x[k + 1]) - x[k]);
    double jump = 0.0, moment = 0.0;
    for (int k = 0; k < kDiffs; ++k) {
      const double excess = d[k] - (d[0] + (d[kDiffs - 1] - d[0]) * k / (kDiffs - 1.0));
      jump += excess;
      moment += excess * (k + 0.5 - kDiffs); // difference k sits at m - kDiffs + k + 0.5
    }
    if (jump > 0.5 * rise) {
      const double c = moment / jump;
      if (c > start - 1.0 && c < start + 2.0) return c;
    }
    return start + cubicCrossing(p0, p1, p2, p3, t);
  }

  // The root in [0, 1] of the Lagrange cubic through (-1, p0) (0, p1) (1, p2) (2, p3) minus 0.5:
  // Newton's steps kept inside a shrinking bracket (f(0) < 0 <= f(1)), from the chord's guess t.
  static double cubicCrossing(double p0, double p1, double p2, double p3, double t) noexcept {
    const double c0 = p1 - 0.5, c1 = -p0 / 3.0 - p1 / 2.0 + p2 - p3 / 6.0, c2 = (p0 + p2) / 2.0 - p1,
                 c3 = (p3 - p0) / 6.0 + (p1 - p2) / 2.0;
    double lo = 0.0, hi = 1.0;
    for (int k = 0; k < 8; ++k) {
      const double f = c0 + t * (c1 + t * (c2 + t * c3));
      if (f == 0.0) break;
      (f < 0.0 ? lo : hi) = t;
      const double slope = c1 + t * (2.0 * c2 + t * 3.0 * c3);
      const double next = t - f / slope;
      t = (slope > 0.0 && next >= lo && next <= hi) ? next : 0.5 * (lo + hi);
    }
    return t;
  }
};

struct VcoState {
  blep::Oscillator<blep::kAll> osc;
  SyncEdge sync;
};

class VCO final : public ChannelModule<VCO, VcoState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
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
         {"sync", true, "hard sync: a rising edge through 0.5 resets the phase, 6 samples later"}},
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
    // Most VCOs are not synced: their SyncEdge stays at rest, and its window need not shift each frame.
    const bool synced = isInputConnected(kSync) || !v.sync.atRest();
    for (int i = 0; i < kBlockFrames; ++i) {
      const double m = math::clamp(static_cast<double>(fm[i]), -10.0, 10.0);
      const double oct = math::clamp(static_cast<double>(pitch[i]), -10.0, 10.0) + math::clamp(static_cast<double>(fmExp[i]), 0.0, 8.0) * m;
      const double hz = math::clamp(static_cast<double>(freq[i]), 0.01, 20000.0) * math::exp2(math::clamp(oct, -30.0, 30.0)) +
                        math::clamp(static_cast<double>(fmLin[i]), 0.0, 10000.0) * m;
      const double dt = blep::phaseIncrement(hz, invRate);
      const double width = math::clamp(static_cast<double>(pw[i]), 0.01, 0.99);
      const blep::Sample y = v.osc.tick(dt, width, synced ? v.sync.push(sync[i]) : 0.0);
      ySine[i] = y.sine;
      yTri[i] = y.triangle;
      ySaw[i] = y.saw;
      ySqr[i] = y.square;
    }
  }
};

} // namespace mvm::modules
