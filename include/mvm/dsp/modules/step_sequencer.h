#pragma once
// StepSequencer: 16 steps of pitch (1 V/octave) and gate on/off. Each rising clock edge advances
// one step (the first edge after start or reset plays step 1), wrapping after `steps` steps.
// `pitch` holds the current step's pitch; `gate` follows the clock while the current step's gate
// is on; `trigger` is 1 on the sample of the advancing edge when the step's gate is on.

#include <string>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct StepSequencerState {
  int step = -1; // -1: before the first clock
  RisingEdge clock, reset;
};

class StepSequencer final : public ChannelModule<StepSequencer, StepSequencerState> {
public:
  enum Inputs { kClockIn, kReset };
  enum Outputs { kPitch, kGate, kTrigger };
  static constexpr int kSteps = 16;
  // Params: steps, then step1..step16 (pitch), then gate1..gate16.
  static constexpr int kLength = 0;
  static constexpr int kStep1 = 1;
  static constexpr int kGate1 = 1 + kSteps;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d = [] {
      std::vector<ParamDescriptor> params;
      params.push_back({"steps", "", 1.0f, 16.0f, 16.0f, "sequence length", 0.0f, {}, false});
      for (int s = 1; s <= kSteps; ++s)
        params.push_back({"step" + std::to_string(s), "V", -5.0f, 5.0f, 0.0f,
                          "pitch of step " + std::to_string(s) + ", 1 V/octave", 5.0f, {}, false});
      for (int s = 1; s <= kSteps; ++s)
        params.push_back({"gate" + std::to_string(s), "", 0.0f, 1.0f, 1.0f,
                          "whether step " + std::to_string(s) + " plays (0/1)", 0.0f, {}, false});
      return ModuleDescriptor{
          "StepSequencer", "Sequencing", "16-step pitch and gate sequencer, advanced by a clock.",
          {{"clock", false, "each rising edge advances one step"},
           {"reset", false, "rising edge: the next clock edge plays step 1"}},
          {{"pitch", false, "pitch of the current step, 1 V/octave"},
           {"gate", false, "the clock's gate while the current step is on"},
           {"trigger", false, "1 on the sample a playing step starts"}},
          std::move(params)};
    }();
    return d;
  }

  void processChannel(const Channel& ch, StepSequencerState& st) noexcept {
    const float *clk = ch.in(kClockIn), *reset = ch.in(kReset), *length = ch.param(kLength);
    float *pitch = ch.out(kPitch), *gate = ch.out(kGate), *trig = ch.out(kTrigger);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (st.reset.rises(reset[i])) st.step = -1;
      const bool rising = st.clock.rises(clk[i]);
      if (rising) {
        const int n = math::toIndex(length[i] + 0.5f, 1, kSteps);
        st.step = st.step + 1 >= n ? 0 : st.step + 1;
      }
      const int s = st.step < 0 ? 0 : st.step;
      const bool on = st.step >= 0 && ch.param(kGate1 + s)[i] >= 0.5f;
      pitch[i] = ch.param(kStep1 + s)[i];
      gate[i] = (on && st.clock.high) ? 1.0f : 0.0f;
      trig[i] = (on && rising) ? 1.0f : 0.0f;
    }
  }

  int currentStep() const noexcept { return state_[0].step; }
};

} // namespace mvm::modules
