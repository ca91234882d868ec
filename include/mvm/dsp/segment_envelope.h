#pragma once
// The segment engine under ADSR, AR and AD: stages of exact lengths, linear or exponential. A
// stage `frames` long (rounded, and at least one frame: a stage of 0 s lasts one frame, the one
// behaviour of every zero-length stage) that starts on frame t ends on frame t + length - 1 at
// its target. An attack rises from the level it starts at to 1, a decay falls from 1 to the
// sustain level (a signal, read every frame), a release falls from the level it starts at to 0.
// A stage's length and curve are latched when it starts.
//
// On frame n of a stage of length L (n = 1 .. L - 1; frame L sets the target exactly), with
// t = n / L (float) and `from` the level the stage started at:
//   linear:       level = from + (target - from) * t
//   exponential:  level = from + (target - from) * s(t),  s(t) = (1 - b^-t) / (1 - 1/b)
// with b = 3 for an attack and b = 1024 for a decay or release. s rises from 0 to 1 as an RC
// charge does, with time constant L / ln b:
// - an attack charges toward from + 1.5 * (1 - from) (from 0: toward 1.5, the classic analog
//   attack that a comparator stops at 2/3 of its target) and reaches 1 at its end;
// - a decay or release discharges toward target - (from - target) / 1023 (time constant
//   L / 6.93: the distance to that point falls by 1024, 60 dB, over the stage) and lands on
//   the target itself at its end.
// s is worked out in double with math::exp2 (no libm: the same bits everywhere), rounded to
// float and kept within [0, 1]; the level is then the linear formula's arithmetic with s for t,
// so the exponential stages are monotonic and the linear ones are the bits they always were.

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "mvm/core/block.h"
#include "mvm/core/math.h"
#include "mvm/core/simd.h"
#include "mvm/dsp/recovery.h"

namespace mvm {

// The per-channel state of an envelope; a plain struct, carried over a hot swap as it is.
struct SegmentEnvelope {
  enum class Stage : std::uint8_t { Idle, Attack, Decay, Sustain, Release };
  enum class Curve : std::uint8_t { Linear, Exponential };

  Stage stage = Stage::Idle;
  Curve curve = Curve::Linear; // of the current stage
  bool gateHigh = false;       // the gate (AD: the trigger) at the last frame
  float level = 0.0f;
  float from = 0.0f;               // the level the stage started at
  std::uint32_t n = 0, length = 0; // frames into the stage, and its length

  // A curve parameter's value: exponential from 0.5 up (its choices are linear, exponential).
  static Curve curveOf(float param) noexcept { return param >= 0.5f ? Curve::Exponential : Curve::Linear; }

  // Starts `next` from the current level.
  void start(Stage next, float frames, Curve shape) noexcept {
    stage = next;
    curve = shape;
    from = level;
    n = 0;
    const long f = math::roundFrames(frames);
    length = f < 1 ? 1u : static_cast<std::uint32_t>(f);
  }

  // One frame of an attack, decay or release, which may end its stage: an attack ends at 1 and
  // starts the decay (with `decayCurve`), a decay ends at the sustain level, a release ends at
  // 0, idle.
  void step(float decayFrames, float sustain, Curve decayCurve) noexcept {
    if (++n < length) {
      const float t = static_cast<float>(n) / static_cast<float>(length);
      level = segment(stage, from, curve == Curve::Linear ? t : warp(stage, t), sustain);
      return;
    }
    switch (stage) {
    case Stage::Attack: level = 1.0f; start(Stage::Decay, decayFrames, decayCurve); break;
    case Stage::Decay: level = sustain; stage = Stage::Sustain; break;
    case Stage::Release: level = 0.0f; stage = Stage::Idle; break;
    case Stage::Idle: case Stage::Sustain: break;
    }
  }

  // The level of an attack, decay or release at t = n / length of the way (linear; for the
  // exponential curve, t = warp(stage, n / length)), for one frame (T = float) or four
  // (T = simd::f32x4, the same bits frame by frame).
  template <class T>
  static T segment(Stage stage, float from, T t, T sustain) noexcept {
    switch (stage) {
    case Stage::Attack: return from + (1.0f - from) * t;
    case Stage::Decay: return 1.0f + (sustain - 1.0f) * t;
    case Stage::Release: return from * (1.0f - t);
    case Stage::Idle: case Stage::Sustain: break;
    }
    return sustain; // not reached: idle and sustain have no ramp
  }

  // s(t) of the exponential curve (see the top of this file) for an attack (b = 3) or a decay
  // or release (b = 1024), frame by frame for one frame or four.
  template <class T>
  static T warp(Stage stage, T t) noexcept {
    const bool attack = stage == Stage::Attack;
    const double log2b = attack ? kLog2Of3 : 10.0, gain = attack ? 1.5 : 1024.0 / 1023.0; // gain: 1 / (1 - 1/b)
    return simd::perLane([=](float x) {
      const double s = (1.0 - math::exp2(-log2b * static_cast<double>(x))) * gain;
      return static_cast<float>(s < 1.0 ? s : 1.0); // 1 at t = 1 up to a rounding; t > 0 keeps s >= 0
    }, t);
  }

  static constexpr double kLog2Of3 = 1.58496250072115618145;
};

// Whether the envelope rests through this block (idle, its gate low on every frame, as
// surelyBelow sees it): if so the block is written, silence, and followGate has nothing left to do.
inline bool restingBlock(SegmentEnvelope& state, const float* gate, float* y) noexcept {
  if (state.stage != SegmentEnvelope::Stage::Idle || state.gateHigh || !surelyBelow(gate, 0.5f)) return false;
  fillFrames(y, kBlockFrames, 0.0f);
  state.level = 0.0f;
  recoverState(state.level, state.from);
  return true;
}

// One block of an envelope that follows a gate (ADSR; AR is the same with no decay and sustain
// 1): a rising gate starts the attack, a falling gate the release, from the current level. Each
// stage takes the curve `curve` gives (SegmentEnvelope::curveOf) on the frame it starts.
// A module calls restingBlock first: a silent voice's block, what followGate comes to for it, at
// the cost of one scan of the gate and with no parameter looked up.
inline void followGate(SegmentEnvelope& state, const float* gate, const float* attack, const float* decay, const float* sustain,
                       const float* release, const float* curve, float rate, float* y) noexcept {
  using Stage = SegmentEnvelope::Stage;
  using Curve = SegmentEnvelope::Curve;
  SegmentEnvelope v = state; // a local copy: y could alias the state, forcing reloads
  // In runs of frames over which the gate stays on one side: only a run's first frame can
  // start a stage from the gate, and a held or idle level is then a plain copy.
  for (int i = 0; i < kBlockFrames;) {
    const bool high = gate[i] >= 0.5f;
    if (high && !v.gateHigh) v.start(Stage::Attack, (1.0f - v.level) * attack[i] * rate, SegmentEnvelope::curveOf(curve[i]));
    else if (!high && v.gateHigh && v.stage != Stage::Idle) v.start(Stage::Release, release[i] * rate, SegmentEnvelope::curveOf(curve[i]));
    v.gateHigh = high;
    const int end = sameSideRunEnd(gate, i, 0.5f);
    while (i < end) {
      if (v.stage == Stage::Sustain) {
        std::memcpy(y + i, sustain + i, sizeof(float) * static_cast<std::size_t>(end - i));
        i = end;
        v.level = y[end - 1];
      } else if (v.stage == Stage::Idle) {
        fillFrames(y + i, end - i, 0.0f);
        i = end;
        v.level = 0.0f;
      } else if (const int run = static_cast<int>(std::min<std::int64_t>(end - i, std::int64_t{v.length} - v.n - 1)); run > 0) {
        // the frames before the stage's last: the ramp alone
        const float length = static_cast<float>(v.length), from = v.from;
        const std::uint32_t n = v.n;
        const Stage stage = v.stage;
        const auto t = [=](int k, auto s) { return simd::countFrom<decltype(s)>(n + 1 + static_cast<std::uint32_t>(k)) / length; };
        if (v.curve == Curve::Linear)
          mapFrames(y + i, run, [=](int k, auto s) { return SegmentEnvelope::segment(stage, from, t(k, s), s); }, sustain + i);
        else
          mapFrames(y + i, run, [=](int k, auto s) {
            return SegmentEnvelope::segment(stage, from, SegmentEnvelope::warp(stage, t(k, s)), s);
          }, sustain + i);
        v.n = n + static_cast<std::uint32_t>(run);
        i += run;
        v.level = y[i - 1];
      } else {
        v.step(decay[i] * rate, sustain[i], SegmentEnvelope::curveOf(curve[i]));
        y[i++] = v.level;
      }
    }
  }
  recoverState(v.level, v.from); // a sustain signal that was NaN: the stage goes on from 0
  state = v;
}

} // namespace mvm
