#pragma once
// AR: an attack/release envelope that follows a gate, with exact stage lengths: an ADSR
// (dsp/segment_envelope.h) with no decay and sustain 1. A rising gate at frame t starts the
// attack on that frame; it reaches 1 on frame t + A - 1, A = round((1 - level) * attack * rate)
// (at least 1), and holds 1 while the gate stays high. A falling gate starts the release from
// the current level, reaching 0 after round(release * rate) samples (at least 1). A gate that
// rises during the release re-attacks from the current level. Every stage lasts at least one
// frame (a time of 0 included). Each stage is linear or exponential (an RC charge and discharge,
// formula in segment_envelope.h), as `curve` is when it starts.

#include <array>

#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/segment_envelope.h"

namespace mvm::modules {

class AR final : public ChannelModule<AR, SegmentEnvelope> {
public:
  enum Inputs { kGate };
  enum Params { kAttack, kRelease, kCurve };
  enum Outputs { kEnv };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "AR", "Envelopes", "Attack/release envelope, linear or exponential: attacks while the gate is high, releases when it falls.",
        {{"gate", true, "high (>= 0.5) attacks to and holds 1; low releases"}},
        {{"env", true, "envelope, 0..1"}},
        {{"attack", "s", 0.0f, 30.0f, 0.01f, "time from 0 to 1 (at least one frame)"},
         {"release", "s", 0.0f, 30.0f, 0.3f, "time from the current level to 0 (at least one frame)"},
         {"curve", "", 0.0f, 1.0f, 0.0f,
          "stage shape: linear, or exponential (analog RC: the attack charges toward 1.5, the release discharges to land on 0; "
          "the same stage times)", 0.0f, {"linear", "exponential"}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, SegmentEnvelope& v) noexcept {
    const bool rests = restingBlock(v, ch.in(kGate), ch.out(kEnv));
    setResting(ch.index(), rests);
    if (rests) return;
    followGate(v, ch.in(kGate), ch.param(kAttack), kNoDecay.data(), kFullSustain.data(), ch.param(kRelease),
               ch.sharedParam(kCurve), static_cast<float>(sampleRate()), ch.out(kEnv));
  }

private:
  static constexpr std::array<float, kBlockFrames> kNoDecay{};
  static constexpr std::array<float, kBlockFrames> kFullSustain = [] {
    std::array<float, kBlockFrames> ones{};
    ones.fill(1.0f);
    return ones;
  }();
};

} // namespace mvm::modules
