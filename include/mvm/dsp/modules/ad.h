#pragma once
// AD: an attack/decay envelope started by a rising trigger, with exact stage lengths: an
// ADSR's segments (dsp/segment_envelope.h) with sustain 0. A trigger at frame t starts the attack
// on that frame: with A = round((1 - level) * attack * rate) (at least 1) and D = round(decay *
// rate) (at least 1) samples, the envelope reaches 1 on frame t + A - 1 and 0 on frame
// t + A + D - 1, where `eoc` goes high for 1 ms (at least one sample; half the cycle for looping
// cycles under 2 ms, so it still rises each cycle). With loop on the next attack starts on the
// following frame, so a cycle lasts exactly A + D samples. A retrigger restarts the attack from
// the current level. Every stage lasts at least one frame (a time of 0 included). Each stage is
// linear or exponential (an RC charge and discharge, formula in segment_envelope.h), as `curve`
// is when it starts.

#include <cmath>
#include <cstdint>

#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/segment_envelope.h"

namespace mvm::modules {

struct AdState : SegmentEnvelope {
  std::uint32_t eocLeft = 0;      // frames of the end-of-cycle pulse still to give
  std::uint32_t attackLength = 0; // of the current cycle
};

class AD final : public ChannelModule<AD, AdState> {
public:
  enum Inputs { kTrig };
  enum Params { kAttack, kDecay, kLoop, kCurve };
  enum Outputs { kEnv, kEoc };
  using Stage = SegmentEnvelope::Stage;
  using Curve = SegmentEnvelope::Curve;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "AD", "Envelopes", "Attack/decay envelope, linear or exponential, started by a trigger; end-of-cycle trigger; optional looping.",
        {{"trig", true, "a rising edge through 0.5 starts the attack"}},
        {{"env", true, "envelope, 0..1"},
         {"eoc", true, "1 ms trigger (0/1) when the decay reaches 0"}},
        {{"attack", "s", 0.0f, 30.0f, 0.01f, "time from 0 to 1 (at least one frame)"},
         {"decay", "s", 0.0f, 30.0f, 0.3f, "time from 1 to 0 (at least one frame)"},
         {"loop", "", 0.0f, 1.0f, 0.0f, "on: restart the attack as soon as the decay ends", 0.0f, {"off", "on"}, false},
         {"curve", "", 0.0f, 1.0f, 0.0f,
          "stage shape: linear, or exponential (analog RC: the attack charges toward 1.5, the decay discharges to land on 0; "
          "the same stage times)", 0.0f, {"linear", "exponential"}, false}}};
    return d;
  }

  void prepare() override { pulseLength_ = pulseFrames(sampleRate()); }

  void processChannel(const Channel& ch, AdState& v) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float *trig = ch.in(kTrig), *attack = ch.param(kAttack), *decay = ch.param(kDecay), *loopParam = ch.sharedParam(kLoop);
    const float* curveParam = ch.sharedParam(kCurve);
    float *y = ch.out(kEnv), *eoc = ch.out(kEoc);
    for (int i = 0; i < kBlockFrames; ++i) {
      const bool high = trig[i] >= 0.5f;
      const bool loop = loopParam[i] >= 0.5f;
      const Curve curve = SegmentEnvelope::curveOf(curveParam[i]);
      // looping also starts a resting envelope
      if ((high && !v.gateHigh) || (loop && v.stage == Stage::Idle)) v.start(Stage::Attack, (1.0f - v.level) * (attack[i] * rate), curve);
      v.gateHigh = high;
      if (v.eocLeft > 0) --v.eocLeft;
      if (v.stage == Stage::Attack) v.attackLength = v.length;
      if (v.stage == Stage::Idle) v.level = 0.0f;
      else v.step(decay[i] * rate, 0.0f, curve);
      if (v.stage == Stage::Sustain) { // the decay has reached 0
        // a looping cycle shorter than 2 ms gets a pulse of half the cycle, so eoc still rises each cycle
        const std::uint32_t half = (v.attackLength + v.length) / 2;
        v.eocLeft = loop && half < pulseLength_ ? (half < 1 ? 1u : half) : pulseLength_;
        if (loop) v.start(Stage::Attack, attack[i] * rate, curve); // from 0, first step on the next frame
        else v.stage = Stage::Idle;
      }
      y[i] = v.level;
      eoc[i] = v.eocLeft > 0 ? 1.0f : 0.0f;
    }
  }

private:
  static std::uint32_t pulseFrames(double rate) noexcept {
    const long n = std::lround(0.001 * rate);
    return n < 1 ? 1u : static_cast<std::uint32_t>(n);
  }

  std::uint32_t pulseLength_ = 48;
};

} // namespace mvm::modules
