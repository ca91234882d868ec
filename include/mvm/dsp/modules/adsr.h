#pragma once
// ADSR: an envelope with exact stage lengths (dsp/segment_envelope.h). Attack rises to 1 in
// attack seconds (from 0; proportionally less from a higher level), decay falls to sustain in
// decay seconds, release falls from wherever it starts to 0 in release seconds. Every stage
// lasts at least one frame (a time of 0 included). Times and the curve (linear, or exponential:
// an RC charge and discharge, formula in segment_envelope.h) are latched at each stage start.

#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/segment_envelope.h"

namespace mvm::modules {

class ADSR final : public ChannelModule<ADSR, SegmentEnvelope> {
public:
  enum Inputs { kGate };
  enum Params { kAttack, kDecay, kSustain, kRelease, kCurve };
  enum Outputs { kEnv };
  using Stage = SegmentEnvelope::Stage;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "ADSR", "Envelopes", "Attack/decay/sustain/release envelope, linear or exponential, retriggered by a rising gate.",
        {{"gate", true, "high (>= 0.5) holds the envelope open"}},
        {{"env", true, "envelope, 0..1"}},
        {{"attack", "s", 0.0f, 30.0f, 0.01f, "time from 0 to 1 (at least one frame)"},
         {"decay", "s", 0.0f, 30.0f, 0.1f, "time from 1 to sustain (at least one frame)"},
         {"sustain", "", 0.0f, 1.0f, 0.7f, "level held while the gate is high"},
         {"release", "s", 0.0f, 30.0f, 0.3f, "time from the current level to 0 (at least one frame)"},
         {"curve", "", 0.0f, 1.0f, 0.0f,
          "stage shape: linear, or exponential (analog RC: the attack charges toward 1.5, decay and release discharge to land on "
          "their targets; the same stage times)", 0.0f, {"linear", "exponential"}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, SegmentEnvelope& v) noexcept {
    const bool rests = restingBlock(v, ch.in(kGate), ch.out(kEnv));
    setResting(ch.index(), rests);
    if (rests) return;
    followGate(v, ch.in(kGate), ch.param(kAttack), ch.param(kDecay), ch.param(kSustain), ch.param(kRelease), ch.sharedParam(kCurve),
               static_cast<float>(sampleRate()), ch.out(kEnv));
  }

  Stage stage(int channel) const noexcept { return state_[static_cast<std::size_t>(channel)].stage; }
};

} // namespace mvm::modules
