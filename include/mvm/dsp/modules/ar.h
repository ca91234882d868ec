#pragma once
// AR: a linear attack/release envelope that follows a gate, with exact stage lengths (like ADSR).
// A rising gate at frame t starts the attack on that frame; it reaches 1 on frame t + A - 1,
// A = round((1 - level) * attack * rate) (at least 1), and holds 1 while the gate stays high.
// A falling gate starts the release from the current level, reaching 0 after round(release *
// rate) samples (at least 1). A gate that rises during the release re-attacks from the current level.

#include <cmath>
#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class AR final : public DSPModule {
public:
  enum Inputs { kGate };
  enum Params { kAttack, kRelease };
  enum Outputs { kEnv };
  enum class Stage : std::uint8_t { Idle, Attack, Hold, Release };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "AR", "Envelopes", "Linear attack/release envelope: attacks while the gate is high, releases when it falls.",
        {{"gate", true, "high (>= 0.5) attacks to and holds 1; low releases"}},
        {{"env", true, "envelope, 0..1"}},
        {{"attack", "s", 0.0f, 30.0f, 0.01f, "time from 0 to 1"},
         {"release", "s", 0.0f, 30.0f, 0.3f, "time from the current level to 0"}}};
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kEnv);
    const float rate = static_cast<float>(sampleRate());
    for (int c = 0; c < channels; ++c) {
      const float* gate = this->in(in, kGate, c);
      const float* attack = param(in, kAttack, c);
      const float* release = param(in, kRelease, c);
      float* y = DSPModule::out(out, kEnv, c);
      Voice& v = voices_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const bool high = gate[i] >= 0.5f;
        if (high && !v.gateHigh) start(v, Stage::Attack, (1.0f - v.level) * attack[i] * rate);
        else if (!high && v.gateHigh && v.stage != Stage::Idle) start(v, Stage::Release, release[i] * rate);
        v.gateHigh = high;
        switch (v.stage) {
        case Stage::Idle: v.level = 0.0f; break;
        case Stage::Attack:
          if (++v.n >= v.length) { v.level = 1.0f; v.stage = Stage::Hold; }
          else v.level = v.from + (1.0f - v.from) * (static_cast<float>(v.n) / static_cast<float>(v.length));
          break;
        case Stage::Hold: v.level = 1.0f; break;
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
    const auto& p = static_cast<const AR&>(previous);
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
    const long n = math::roundFrames(frames);
    v.length = n < 1 ? 1u : static_cast<std::uint32_t>(n);
  }

  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
