#pragma once
// FMOperator: a DX-style phase-modulation operator. Its sine runs at freq * 2^pitch * ratio and
// its phase is offset by index * pm (in cycles) plus feedback * 0.25 * (sum of its last two
// outputs) — at most half a cycle of self-modulation; the two-sample average keeps feedback
// from locking into a Nyquist-rate oscillation.

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct FmOperatorState {
  double phase = 0.0;
  float y1 = 0.0f, y2 = 0.0f; // the last two outputs, for the feedback
};

class FMOperator final : public ChannelModule<FMOperator, FmOperatorState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch, kPm };
  enum Params { kFreq, kRatio, kIndex, kFeedback };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "FMOperator", "Oscillators", "Phase-modulation operator: sine at freq * ratio, phase modulated by pm * index and by itself.",
        {{"pitch", true, "1 V/octave offset applied to freq"},
         {"pm", true, "phase modulation in cycles (times index), e.g. another operator's output"}},
        {{"out", true, "sine, +-1"}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "base frequency (at pitch 0 V)"},
         {"ratio", "", 0.0625f, 32.0f, 1.0f, "frequency multiple of the base frequency"},
         {"index", "cycles", 0.0f, 10.0f, 1.0f, "phase modulation depth: cycles per unit of pm"},
         {"feedback", "", 0.0f, 1.0f, 0.0f, "self-modulation, 1 = half a cycle per unit of output"}}};
    return d;
  }

  void processChannel(const Channel& ch, FmOperatorState& v) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *pitch = ch.in(kPitch), *pm = ch.in(kPm), *freq = ch.param(kFreq), *ratio = ch.param(kRatio), *index = ch.param(kIndex),
                *feedback = ch.param(kFeedback);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const double hz = math::pitchedHz(freq[i], pitch[i]) * math::clamp(static_cast<double>(ratio[i]), 0.0625, 32.0);
      const double mod = static_cast<double>(math::clamp(index[i], 0.0f, 10.0f)) * math::clamp(static_cast<double>(pm[i]), -10.0, 10.0) +
                         static_cast<double>(math::clamp(feedback[i], 0.0f, 1.0f)) * 0.25 * (static_cast<double>(v.y1) + v.y2);
      const float s = math::sin2pi(static_cast<float>(math::wrap01(v.phase + mod)));
      v.y2 = v.y1;
      v.y1 = s;
      y[i] = s;
      v.phase = math::wrap01(v.phase + math::clamp(hz * invRate, 0.0, 0.5));
    }
  }
};

} // namespace mvm::modules
