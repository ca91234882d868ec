#pragma once
// StepSequencer: 16 steps of pitch (1 V/octave) and gate on/off. Each rising clock edge advances
// one step (the first edge after start or reset plays step 1), wrapping after `steps` steps.
// `pitch` holds the current step's pitch; `gate` follows the clock while the current step's gate
// is on; `trigger` is 1 on the sample of the advancing edge when the step's gate is on.

#include <string>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class StepSequencer final : public DSPModule {
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

  void process(const float** in, float** out) override {
    const float* clk = this->in(in, kClockIn, 0);
    const float* reset = this->in(in, kReset, 0);
    const float* length = param(in, kLength, 0);
    float* pitch = DSPModule::out(out, kPitch, 0);
    float* gate = DSPModule::out(out, kGate, 0);
    float* trig = DSPModule::out(out, kTrigger, 0);
    for (int i = 0; i < kBlockFrames; ++i) {
      const bool r = reset[i] >= 0.5f;
      if (r && !resetHigh_) step_ = -1;
      resetHigh_ = r;
      const bool high = clk[i] >= 0.5f;
      const bool rising = high && !clockHigh_;
      clockHigh_ = high;
      if (rising) {
        const int n = math::toIndex(length[i] + 0.5f, 1, kSteps);
        step_ = step_ + 1 >= n ? 0 : step_ + 1;
      }
      const int s = step_ < 0 ? 0 : step_;
      const bool on = step_ >= 0 && param(in, kGate1 + s, 0)[i] >= 0.5f;
      pitch[i] = param(in, kStep1 + s, 0)[i];
      gate[i] = (on && high) ? 1.0f : 0.0f;
      trig[i] = (on && rising) ? 1.0f : 0.0f;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const StepSequencer&>(previous);
    step_ = p.step_;
    clockHigh_ = p.clockHigh_;
    resetHigh_ = p.resetHigh_;
  }

  int currentStep() const noexcept { return step_; }

private:
  int step_ = -1; // -1: before the first clock
  bool clockHigh_ = false;
  bool resetHigh_ = false;
};

} // namespace mvm::modules
