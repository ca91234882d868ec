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
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class AD final : public DSPModule {
public:
  enum Inputs { kTrig };
  enum Params { kAttack, kDecay, kLoop };
  enum Outputs { kEnv, kEoc };
  enum class Stage : std::uint8_t { Idle, Attack, Decay };

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

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kEnv);
    const float rate = static_cast<float>(sampleRate());
    const float* loopParam = param(in, kLoop, 0);
    for (int c = 0; c < channels; ++c) {
      const float* trig = this->in(in, kTrig, c);
      const float* attack = param(in, kAttack, c);
      const float* decay = param(in, kDecay, c);
      float* y = DSPModule::out(out, kEnv, c);
      float* eoc = DSPModule::out(out, kEoc, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const bool high = trig[i] >= 0.5f;
        const bool loop = loopParam[i] >= 0.5f;
        if (high && !v.trigHigh) startAttack(v, attack[i] * rate);
        v.trigHigh = high;
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
            if (loop) start(v, Stage::Attack, attack[i] * rate); // from 0, first step on the next frame
            else v.stage = Stage::Idle;
          } else v.level = 1.0f - static_cast<float>(v.n) / static_cast<float>(v.length);
          break;
        }
        y[i] = v.level;
        eoc[i] = v.eocLeft > 0 ? 1.0f : 0.0f;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const AD&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) voices_[c] = p.voices_[c];
  }

  Stage stage(int channel) const noexcept { return voices_[channel].stage; }

private:
  struct Voice {
    Stage stage = Stage::Idle;
    bool trigHigh = false;
    float level = 0.0f;
    float from = 0.0f;
    std::uint32_t n = 0;
    std::uint32_t length = 0;
    std::uint32_t eocLeft = 0;
    std::uint32_t attackLength = 0; // of the current cycle
  };

  static std::uint32_t pulseFrames(double rate) noexcept {
    const long n = std::lround(0.001 * rate);
    return n < 1 ? 1u : static_cast<std::uint32_t>(n);
  }

  static void start(Voice& v, Stage stage, float frames) noexcept {
    v.stage = stage;
    v.from = v.level;
    v.n = 0;
    const long n = math::roundFrames(frames);
    v.length = n < 1 ? 1u : static_cast<std::uint32_t>(n);
  }
  static void startAttack(Voice& v, float attackFrames) noexcept {
    start(v, Stage::Attack, (1.0f - v.level) * attackFrames);
  }
  static void advanceAttack(Voice& v, float decayFrames) noexcept {
    if (++v.n >= v.length) {
      v.level = 1.0f;
      v.attackLength = v.length;
      start(v, Stage::Decay, decayFrames);
    } else v.level = v.from + (1.0f - v.from) * (static_cast<float>(v.n) / static_cast<float>(v.length));
  }

  Voice voices_[kMaxChannels];
  std::uint32_t pulseLength_ = 48;
};

} // namespace mvm::modules
