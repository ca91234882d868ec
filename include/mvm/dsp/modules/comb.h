#pragma once
// Comb: a feedback comb filter, y[n] = x[n] + feedback * damp(y[n - D]). The delay D is `time`
// milliseconds, or one period of `freq` * 2^pitch when freq > 0 (a tuned comb: peaks at
// multiples of freq for positive feedback, at odd multiples of freq/2 for negative). Fractional
// delays interpolate linearly; damping is a one-pole low-pass in the loop. The delay line is
// allocated in prepare() for the longest delay (time max), per channel.

#include <cmath>
#include <cstring>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Comb final : public DelayLineModule<Comb, float> {
public:
  enum Inputs { kIn, kPitch };
  enum Params { kTime, kFreq, kFeedback, kDamping };
  enum Outputs { kOut };
  static constexpr float kMaxMs = 200.0f;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Comb", "Filters", "Feedback comb filter with damping; delay set in ms or tuned by freq.",
        {{"in", true, "audio input"},
         {"pitch", true, "1 V/octave offset applied to freq (tuned mode)"}},
        {{"out", true, "comb-filtered audio"}},
        {{"time", "ms", 0.05f, kMaxMs, 10.0f, "loop delay when freq is 0"},
         {"freq", "Hz", 0.0f, 10000.0f, 0.0f, "when > 0: loop delay = 1/freq (tuned comb)"},
         {"feedback", "", -0.99f, 0.99f, 0.7f, "loop gain; negative = peaks at odd multiples of freq/2"},
         {"damping", "", 0.0f, 1.0f, 0.0f, "low-pass in the loop: 0 = none, 1 = heavy"}}};
    return d;
  }

  // lp: the damping filter's state
  void processChannel(const Channel& ch, float& lp) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float maxDelay = static_cast<float>(lines_.length() - 3);
    const int c = ch.index();
    const float *x = ch.in(kIn), *pitch = ch.in(kPitch), *time = ch.param(kTime), *freq = ch.param(kFreq), *fb = ch.param(kFeedback),
                *damping = ch.param(kDamping);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      float delay;
      if (freq[i] > 0.0f) {
        const float hz = math::clamp(freq[i], 0.0f, 10000.0f) * math::exp2(math::clamp(pitch[i], -10.0f, 10.0f));
        delay = hz > 0.0f ? rate / hz : maxDelay;
      } else {
        delay = math::clamp(time[i], 0.05f, kMaxMs) * rate / 1000.0f;
      }
      delay = math::clamp(delay, 1.0f, maxDelay);
      const int di = static_cast<int>(delay);
      const float delayed = lines_.read(c, di, delay - static_cast<float>(di));
      const float damp = math::clamp(damping[i], 0.0f, 1.0f);
      lp += (1.0f - 0.95f * damp) * (delayed - lp);
      float value = math::limit(x[i], 100.0f) + math::clamp(fb[i], -0.99f, 0.99f) * lp;
      if (!math::isFinite(value)) value = 0.0f;
      lines_.write(c, value);
      y[i] = value;
    }
  }

  int lineLength() const noexcept { return static_cast<int>(std::ceil(kMaxMs * 0.001 * sampleRate())) + 4; }
};

} // namespace mvm::modules
