#pragma once
// AR: a linear attack/release envelope that follows a gate, with exact stage lengths (like ADSR).
// A rising gate at frame t starts the attack on that frame; it reaches 1 on frame t + A - 1,
// A = round((1 - level) * attack * rate) (at least 1), and holds 1 while the gate stays high.
// A falling gate starts the release from the current level, reaching 0 after round(release *
// rate) samples (at least 1). A gate that rises during the release re-attacks from the current level.

#include <cmath>
#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/envelope_state.h"

namespace mvm::modules {

enum class ArStage : std::uint8_t { Idle, Attack, Hold, Release };

using ArState = EnvelopeState<ArStage>;

class AR final : public ChannelModule<AR, ArState> {
public:
  enum Inputs { kGate };
  enum Params { kAttack, kRelease };
  enum Outputs { kEnv };
  using Stage = ArStage;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "AR", "Envelopes", "Linear attack/release envelope: attacks while the gate is high, releases when it falls.",
        {{"gate", true, "high (>= 0.5) attacks to and holds 1; low releases"}},
        {{"env", true, "envelope, 0..1"}},
        {{"attack", "s", 0.0f, 30.0f, 0.01f, "time from 0 to 1"},
         {"release", "s", 0.0f, 30.0f, 0.3f, "time from the current level to 0"}}};
    return d;
  }

  void processChannel(const Channel& ch, ArState& v) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float *gate = ch.in(kGate), *attack = ch.param(kAttack), *release = ch.param(kRelease);
    float* y = ch.out(kEnv);
    for (int i = 0; i < kBlockFrames; ++i) {
      const bool high = gate[i] >= 0.5f;
      if (high && !v.gateHigh) v.start(Stage::Attack, (1.0f - v.level) * attack[i] * rate);
      else if (!high && v.gateHigh && v.stage != Stage::Idle) v.start(Stage::Release, release[i] * rate);
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

  Stage stage(int channel) const noexcept { return state_[static_cast<std::size_t>(channel)].stage; }
};

} // namespace mvm::modules
