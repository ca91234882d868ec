#pragma once
// ADSR: a linear envelope with exact stage lengths (dsp/segment_envelope.h). Attack rises to 1 in
// attack seconds (from 0; proportionally less from a higher level), decay falls to sustain in
// decay seconds, release falls from wherever it starts to 0 in release seconds. Times are latched
// at each stage start.

#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/segment_envelope.h"

namespace mvm::modules {

class ADSR final : public ChannelModule<ADSR, SegmentEnvelope> {
public:
  enum Inputs { kGate };
  enum Params { kAttack, kDecay, kSustain, kRelease };
  enum Outputs { kEnv };
  using Stage = SegmentEnvelope::Stage;

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

  void processChannel(const Channel& ch, SegmentEnvelope& v) noexcept {
    followGate(v, ch.in(kGate), ch.param(kAttack), ch.param(kDecay), ch.param(kSustain), ch.param(kRelease),
               static_cast<float>(sampleRate()), ch.out(kEnv));
  }

  Stage stage(int channel) const noexcept { return state_[static_cast<std::size_t>(channel)].stage; }
};

} // namespace mvm::modules
