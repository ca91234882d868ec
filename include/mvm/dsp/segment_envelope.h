#pragma once
// The segment engine under ADSR, AR and AD: linear stages of exact lengths. A stage `frames`
// long (rounded, at least one frame) that starts on frame t ends on frame t + length - 1. An
// attack rises from the level it starts at to 1, a decay falls from 1 to the sustain level (a
// signal, read every frame), a release falls from the level it starts at to 0. A stage's length
// is latched when it starts.

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

  Stage stage = Stage::Idle;
  bool gateHigh = false; // the gate (AD: the trigger) at the last frame
  float level = 0.0f;
  float from = 0.0f;               // the level the stage started at
  std::uint32_t n = 0, length = 0; // frames into the stage, and its length

  // Starts `next` from the current level.
  void start(Stage next, float frames) noexcept {
    stage = next;
    from = level;
    n = 0;
    const long f = math::roundFrames(frames);
    length = f < 1 ? 1u : static_cast<std::uint32_t>(f);
  }

  // One frame of an attack, decay or release, which may end its stage: an attack ends at 1 and
  // starts the decay, a decay ends at the sustain level, a release ends at 0, idle.
  void step(float decayFrames, float sustain) noexcept {
    if (++n < length) {
      level = segment(stage, from, static_cast<float>(n) / static_cast<float>(length), sustain);
      return;
    }
    switch (stage) {
    case Stage::Attack: level = 1.0f; start(Stage::Decay, decayFrames); break;
    case Stage::Decay: level = sustain; stage = Stage::Sustain; break;
    case Stage::Release: level = 0.0f; stage = Stage::Idle; break;
    case Stage::Idle: case Stage::Sustain: break;
    }
  }

  // The level of an attack, decay or release at t = n / length of the way, for one frame
  // (T = float) or four (T = simd::f32x4, the same bits frame by frame).
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
};

// One block of an envelope that follows a gate (ADSR; AR is the same with no decay and sustain
// 1): a rising gate starts the attack, a falling gate the release, from the current level.
inline void followGate(SegmentEnvelope& state, const float* gate, const float* attack, const float* decay, const float* sustain,
                       const float* release, float rate, float* y) noexcept {
  using Stage = SegmentEnvelope::Stage;
  SegmentEnvelope v = state; // a local copy: y could alias the state, forcing reloads
  // In runs of frames over which the gate stays on one side: only a run's first frame can
  // start a stage from the gate, and a held or idle level is then a plain copy.
  for (int i = 0; i < kBlockFrames;) {
    const bool high = gate[i] >= 0.5f;
    if (high && !v.gateHigh) v.start(Stage::Attack, (1.0f - v.level) * attack[i] * rate);
    else if (!high && v.gateHigh && v.stage != Stage::Idle) v.start(Stage::Release, release[i] * rate);
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
        mapFrames(y + i, run, [=](int k, auto s) {
          return SegmentEnvelope::segment(stage, from, simd::countFrom<decltype(s)>(n + 1 + static_cast<std::uint32_t>(k)) / length, s);
        }, sustain + i);
        v.n = n + static_cast<std::uint32_t>(run);
        i += run;
        v.level = y[i - 1];
      } else {
        v.step(decay[i] * rate, sustain[i]);
        y[i++] = v.level;
      }
    }
  }
  recoverState(v.level, v.from); // a sustain signal that was NaN: the stage goes on from 0
  state = v;
}

} // namespace mvm
