#pragma once
// AD: a linear attack/decay envelope started by a rising trigger, with exact stage lengths (like
// ADSR). A trigger at frame t starts the attack on that frame: with A = round((1 - level) *
// attack * rate) (at least 1) and D = round(decay * rate) (at least 1) samples, the envelope
// reaches 1 on frame t + A - 1 and 0 on frame t + A + D - 1, where `eoc` goes high for 1 ms
// (at least one sample; half the cycle for looping cycles under 2 ms, so it still rises each
// cycle). With loop on the next attack starts on the following frame, so a cycle lasts exactly
// A + D samples. A retrigger restarts the attack from the current level.

#include <cmath>
#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/envelope_state.h"

namespace mvm::modules {

enum class AdStage : std::uint8_t { Idle, Attack, Decay };

struct AdState : EnvelopeState<AdStage> {
  std::uint32_t eocLeft = 0;      // frames of the end-of-cycle pulse still to give
  std::uint32_t attackLength = 0; // of the current cycle
};

class AD final : public ChannelModule<AD, AdState> {
public:
  enum Inputs { kTrig };
  enum Params { kAttack, kDecay, kLoop };
  enum Outputs { kEnv, kEoc };
  using Stage = AdStage;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "AD", "Envelopes", "Linear attack/decay envelope started by a trigger; end-of-cycle trigger; optional looping.",
        {{"trig", true, "a rising edge through 0.5 starts the attack"}},
        {{"env", true, "envelope, 0..1"},
         {"eoc", true, "1 ms trigger (0/1) when the decay reaches 0"}},
        {{"attack", "s", 0.0f, 30.0f, 0.01f, "time from 0 to 1"},
         {"decay", "s", 0.0f, 30.0f, 0.3f, "time from 1 to 0"},
         {"loop", "", 0.0f, 1.0f, 0.0f, "on: restart the attack as soon as the decay ends", 0.0f, {"off", "on"}, false}}};
    return d;
  }

  void prepare() override { pulseLength_ = pulseFrames(sampleRate()); }

  void processChannel(const Channel& ch, AdState& v) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float *trig = ch.in(kTrig), *attack = ch.param(kAttack), *decay = ch.param(kDecay), *loopParam = ch.sharedParam(kLoop);
    float *y = ch.out(kEnv), *eoc = ch.out(kEoc);
    for (int i = 0; i < kBlockFrames; ++i) {
      const bool high = trig[i] >= 0.5f;
      const bool loop = loopParam[i] >= 0.5f;
      if (high && !v.gateHigh) startAttack(v, attack[i] * rate);
      v.gateHigh = high;
      if (v.eocLeft > 0) --v.eocLeft;
      switch (v.stage) {
      case Stage::Idle:
        if (loop) { // looping also starts a resting envelope
          startAttack(v, attack[i] * rate);
          advanceAttack(v, decay[i] * rate);
        } else v.level = 0.0f;
        break;
      case Stage::Attack: advanceAttack(v, decay[i] * rate); break;
      case Stage::Decay:
        if (++v.n >= v.length) {
          v.level = 0.0f;
          // a looping cycle shorter than 2 ms gets a pulse of half the cycle, so eoc still rises each cycle
          const std::uint32_t half = (v.attackLength + v.length) / 2;
          v.eocLeft = loop && half < pulseLength_ ? (half < 1 ? 1u : half) : pulseLength_;
          if (loop) v.start(Stage::Attack, attack[i] * rate); // from 0, first step on the next frame
          else v.stage = Stage::Idle;
        } else v.level = 1.0f - static_cast<float>(v.n) / static_cast<float>(v.length);
        break;
      }
      y[i] = v.level;
      eoc[i] = v.eocLeft > 0 ? 1.0f : 0.0f;
    }
  }
  Stage stage(int channel) const noexcept { return state_[static_cast<std::size_t>(channel)].stage; }

private:


  static std::uint32_t pulseFrames(double rate) noexcept {
    const long n = std::lround(0.001 * rate);
    return n < 1 ? 1u : static_cast<std::uint32_t>(n);
  }

  static void startAttack(AdState& v, float attackFrames) noexcept {
    v.start(Stage::Attack, (1.0f - v.level) * attackFrames);
  }
  static void advanceAttack(AdState& v, float decayFrames) noexcept {
    if (++v.n >= v.length) {
      v.level = 1.0f;
      v.attackLength = v.length;
      v.start(Stage::Decay, decayFrames);
    } else v.level = v.from + (1.0f - v.from) * (static_cast<float>(v.n) / static_cast<float>(v.length));
  }

  std::uint32_t pulseLength_ = 48;
};

} // namespace mvm::modules
