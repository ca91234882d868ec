#pragma once
// Comb: a feedback comb filter, y[n] = x[n] + feedback * damp(y[n - D]). The delay D is `time`
// milliseconds, or one period of `freq` * 2^pitch when freq > 0 (a tuned comb: peaks at
// multiples of freq for positive feedback, at odd multiples of freq/2 for negative); D is at
// least 1.5 frames. A fractional D is read through a first-order all-pass interpolator
// (DelayLines::readAllpass), of unit magnitude, so the loop gain is `feedback` at every
// frequency whatever the fraction: a Karplus-Strong note keeps its brightness and sustain from
// one pitch to the next (with linear interpolation and feedback 0.99 the 10th partial rang
// 1.43 s at a period of 100 frames, 0.24 s at 100.5). It suits a delay that moves slowly (notes,
// glides). Damping is a one-pole low-pass in the loop. The delay line is allocated in prepare()
// for the longest delay (time max), per channel.

#include <cmath>
#include <cstring>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

struct CombState {
  float lp = 0.0f; // the damping filter's
  float ap = 0.0f; // the all-pass interpolator's last output
};

class Comb final : public DelayLineModule<Comb, CombState> {
public:
  enum Inputs { kIn, kPitch };
  enum Params { kTime, kFreq, kFeedback, kDamping };
  enum Outputs { kOut };
  static constexpr float kMaxMs = 200.0f;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Comb", "Filters", "Feedback comb filter with damping; delay set in ms or tuned by freq, fractional delays through an all-pass interpolator (same decay at every pitch).",
        {{"in", true, "audio input"},
         {"pitch", true, "1 V/octave offset applied to freq (tuned mode)"}},
        {{"out", true, "comb-filtered audio"}},
        {{"time", "ms", 0.05f, kMaxMs, 10.0f, "loop delay when freq is 0"},
         {"freq", "Hz", 0.0f, 10000.0f, 0.0f, "when > 0: loop delay = 1/freq (tuned comb)"},
         {"feedback", "", -0.99f, 0.99f, 0.7f, "loop gain; negative = peaks at odd multiples of freq/2"},
         {"damping", "", 0.0f, 1.0f, 0.0f, "low-pass in the loop: 0 = none, 1 = heavy"}}};
    return d;
  }

  void processChannel(const Channel& ch, CombState& s) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float maxDelay = static_cast<float>(lines_.length() - 3);
    const int c = ch.index();
    const float *x = ch.in(kIn), *pitch = ch.in(kPitch), *time = ch.param(kTime), *freq = ch.param(kFreq), *fb = ch.param(kFeedback),
                *damping = ch.param(kDamping);
    float* y = ch.out(kOut);
    float lp = s.lp, ap = s.ap;
    for (int i = 0; i < kBlockFrames; ++i) {
      float delay;
      if (freq[i] > 0.0f) {
        const float hz = math::clamp(freq[i], 0.0f, 10000.0f) * math::exp2(math::clamp(pitch[i], -10.0f, 10.0f));
        delay = hz > 0.0f ? rate / hz : maxDelay;
      } else {
        delay = math::clamp(time[i], 0.05f, kMaxMs) * rate / 1000.0f;
      }
      const float delayed = lines_.readAllpass(c, math::clamp(delay, 1.5f, maxDelay), ap);
      const float damp = math::clamp(damping[i], 0.0f, 1.0f);
      lp += (1.0f - 0.95f * damp) * (delayed - lp);
      float value = math::limit(x[i], 100.0f) + math::clamp(fb[i], -0.99f, 0.99f) * lp;
      if (!math::isFinite(value)) value = 0.0f;
      lines_.write(c, value);
      y[i] = value;
    }
    recoverState(lp, ap);
    s.lp = lp;
    s.ap = ap;
  }

  int lineLength() const noexcept { return static_cast<int>(std::ceil(kMaxMs * 0.001 * sampleRate())) + 4; }
};

} // namespace mvm::modules
