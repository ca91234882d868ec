#pragma once
// ADSR: a linear envelope with exact stage lengths. Attack rises to 1 in attack seconds (from
// 0; proportionally less from a higher level), decay falls to sustain in decay seconds, release
// falls from wherever it starts to 0 in release seconds. Times are latched at each stage start.

#include <cmath>
#include <cstdint>

#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class ADSR final : public DSPModule {
public:
  enum Inputs { kGate };
  enum Params { kAttack, kDecay, kSustain, kRelease };
  enum Outputs { kEnv };
  enum class Stage : std::uint8_t { Idle, Attack, Decay, Sustain, Release };

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

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kEnv);
    const float rate = static_cast<float>(sampleRate());
    for (int c = 0; c < channels; ++c) {
      const float* gate = this->in(in, kGate, c);
      const float* attack = param(in, kAttack, c);
      const float* decay = param(in, kDecay, c);
      const float* sustain = param(in, kSustain, c);
      const float* release = param(in, kRelease, c);
      float* y = DSPModule::out(out, kEnv, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const bool high = gate[i] >= 0.5f;
        if (high && !v.gateHigh) start(v, Stage::Attack, (1.0f - v.level) * attack[i] * rate);
        else if (!high && v.gateHigh && v.stage != Stage::Idle) start(v, Stage::Release, release[i] * rate);
        v.gateHigh = high;
        if (v.stage == Stage::Decay && v.length == 0) v.stage = Stage::Sustain;
        switch (v.stage) {
        case Stage::Idle: v.level = 0.0f; break;
        case Stage::Attack:
          if (++v.n >= v.length) { v.level = 1.0f; start(v, Stage::Decay, decay[i] * rate); }
          else v.level = v.from + (1.0f - v.from) * (static_cast<float>(v.n) / static_cast<float>(v.length));
          break;
        case Stage::Decay:
          if (++v.n >= v.length) { v.level = sustain[i]; v.stage = Stage::Sustain; }
          else v.level = 1.0f + (sustain[i] - 1.0f) * (static_cast<float>(v.n) / static_cast<float>(v.length));
          break;
        case Stage::Sustain: v.level = sustain[i]; break;
        case Stage::Release:
          if (++v.n >= v.length) { v.level = 0.0f; v.stage = Stage::Idle; }
          else v.level = v.from * (1.0f - static_cast<float>(v.n) / static_cast<float>(v.length));
          break;
        }
        y[i] = v.level;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const ADSR&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) voices_[c] = p.voices_[c];
  }

  Stage stage(int channel) const noexcept { return voices_[channel].stage; }

private:
  struct Voice {
    Stage stage = Stage::Idle;
    bool gateHigh = false;
    float level = 0.0f;
    float from = 0.0f;
    std::uint32_t n = 0;
    std::uint32_t length = 0;
  };

  static void start(Voice& v, Stage stage, float frames) noexcept {
    v.stage = stage;
    v.from = v.level;
    v.n = 0;
    v.length = static_cast<std::uint32_t>(std::lround(frames));
    if (stage == Stage::Attack && v.length == 0) v.length = 1; // reaches 1 on this sample
    if (stage == Stage::Release && v.length == 0) v.length = 1;
  }

  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
