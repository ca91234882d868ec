#pragma once
// ADSR: a linear envelope with exact stage lengths. Attack rises to 1 in attack seconds (from
// 0; proportionally less from a higher level), decay falls to sustain in decay seconds, release
// falls from wherever it starts to 0 in release seconds. Times are latched at each stage start.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "mvm/core/simd.h"
#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/envelope_state.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

enum class AdsrStage : std::uint8_t { Idle, Attack, Decay, Sustain, Release };

using AdsrState = EnvelopeState<AdsrStage>;

class ADSR final : public ChannelModule<ADSR, AdsrState> {
public:
  enum Inputs { kGate };
  enum Params { kAttack, kDecay, kSustain, kRelease };
  enum Outputs { kEnv };
  using Stage = AdsrStage;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "ADSR", "Envelopes", "Linear attack/decay/sustain/release envelope, retriggered by a rising gate.",
        {{"gate", true, "high (>= 0.5) holds the envelope open"}},
        {{"env", true, "envelope, 0..1"}},
        {{"attack", "s", 0.0f, 30.0f, 0.01f, "time from 0 to 1"},
         {"decay", "s", 0.0f, 30.0f, 0.1f, "time from 1 to sustain"},
         {"sustain", "", 0.0f, 1.0f, 0.7f, "level held while the gate is high"},
         {"release", "s", 0.0f, 30.0f, 0.3f, "time from the current level to 0"}}};
    return d;
  }

  void processChannel(const Channel& ch, AdsrState& state) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float *gate = ch.in(kGate), *attack = ch.param(kAttack), *decay = ch.param(kDecay), *sustain = ch.param(kSustain),
                *release = ch.param(kRelease);
    float* y = ch.out(kEnv);
    AdsrState v = state; // a local copy: y could alias the state, forcing reloads
    // In runs of frames over which the gate stays on one side: only a run's first frame can
    // start a stage from the gate, and a held or idle level is then a plain copy.
    for (int i = 0; i < kBlockFrames;) {
      const bool high = gate[i] >= 0.5f;
      if (high && !v.gateHigh) start(v, Stage::Attack, (1.0f - v.level) * attack[i] * rate);
      else if (!high && v.gateHigh && v.stage != Stage::Idle) start(v, Stage::Release, release[i] * rate);
      v.gateHigh = high;
      const int end = sameSideRunEnd(gate, i, 0.5f);
      while (i < end) {
        if (v.stage == Stage::Decay && v.length == 0) v.stage = Stage::Sustain;
        if (v.stage == Stage::Sustain) {
          std::memcpy(y + i, sustain + i, sizeof(float) * static_cast<std::size_t>(end - i));
          i = end;
          v.level = y[end - 1];
        } else if (v.stage == Stage::Idle) {
          fillFrames(y + i, end - i, 0.0f);
          i = end;
          v.level = 0.0f;
        } else if (const int run = static_cast<int>(std::min<std::int64_t>(end - i, std::int64_t{v.length} - v.n - 1)); run > 0) {
          ramp(v, sustain, y, i, run); // frames before the stage's last: the ramp alone
          i += run;
        } else {
          step(v, decay[i] * rate, sustain[i]);
          y[i++] = v.level;
        }
      }
    }
    recoverState(v.level, v.from); // a sustain signal that was NaN: the stage goes on from 0
    state = v;
  }

  Stage stage(int channel) const noexcept { return state_[static_cast<std::size_t>(channel)].stage; }

private:
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

  // Frames [i, i + run) of an attack, decay or release that does not end within them.
  static void ramp(AdsrState& v, const float* sustain, float* y, int i, int run) noexcept {
    const float length = static_cast<float>(v.length), from = v.from;
    const std::uint32_t n = v.n;
    const Stage stage = v.stage;
    mapFrames(y + i, run, [=](int k, auto s) {
      return segment(stage, from, simd::countFrom<decltype(s)>(n + 1 + static_cast<std::uint32_t>(k)) / length, s);
    }, sustain + i);
    v.n = n + static_cast<std::uint32_t>(run);
    v.level = y[i + run - 1];
  }

  // One frame of an attack, decay or release, which may end its stage.
  static void step(AdsrState& v, float decayFrames, float sustain) noexcept {
    if (++v.n < v.length) {
      v.level = segment(v.stage, v.from, static_cast<float>(v.n) / static_cast<float>(v.length), sustain);
      return;
    }
    switch (v.stage) {
    case Stage::Attack: v.level = 1.0f; start(v, Stage::Decay, decayFrames); break;
    case Stage::Decay: v.level = sustain; v.stage = Stage::Sustain; break;
    case Stage::Release: v.level = 0.0f; v.stage = Stage::Idle; break;
    case Stage::Idle: case Stage::Sustain: break;
    }
  }

  static void start(AdsrState& v, Stage stage, float frames) noexcept {
    v.stage = stage;
    v.from = v.level;
    v.n = 0;
    v.length = static_cast<std::uint32_t>(math::roundFrames(frames));
    if (stage == Stage::Attack && v.length == 0) v.length = 1; // reaches 1 on this sample
    if (stage == Stage::Release && v.length == 0) v.length = 1;
  }
};

} // namespace mvm::modules
