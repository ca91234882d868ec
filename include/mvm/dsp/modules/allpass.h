#pragma once
// Allpass: a Schroeder all-pass delay, w[n] = x[n] + g w[n-D], y[n] = -g w[n] + w[n-D]: flat
// magnitude, frequency-dependent phase (diffusion for reverbs, phasing). D = time ms, at least
// 1.5 frames. A fractional D is read through a first-order all-pass interpolator
// (DelayLines::readAllpass), itself of unit magnitude, so the whole stays an all-pass at any
// delay (flat to float rounding, 1e-6 dB; linear interpolation in the loop gave -3.2 dB at
// 10 kHz and a -51 dB notch near 16 kHz at 240.5 frames, g 0.5). Its one frame of memory is
// the State; it suits a time that moves slowly. The delay line is allocated in prepare() for
// the longest time, per channel.

#include <cmath>
#include <cstring>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

class Allpass final : public DelayLineModule<Allpass, float> {
public:
  enum Inputs { kIn };
  enum Params { kTime, kGain };
  enum Outputs { kOut };
  static constexpr float kMaxMs = 500.0f;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Allpass", "Filters", "Schroeder all-pass delay (flat magnitude at any delay, dispersive phase); fractional delays through an all-pass interpolator, for a time that moves slowly.",
        {{"in", true, "audio input"}},
        {{"out", true, "all-passed audio"}},
        {{"time", "ms", 0.05f, kMaxMs, 5.0f, "delay"},
         {"gain", "", -0.99f, 0.99f, 0.5f, "all-pass coefficient g"}}};
    return d;
  }

  // state: the all-pass interpolator's last output
  void processChannel(const Channel& ch, float& state) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float maxDelay = static_cast<float>(lines_.length() - 3);
    const int c = ch.index();
    const float *x = ch.in(kIn), *time = ch.param(kTime), *gain = ch.param(kGain);
    float* y = ch.out(kOut);
    float last = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const float delay = math::clamp(math::clamp(time[i], 0.05f, kMaxMs) * rate / 1000.0f, 1.5f, maxDelay);
      const float delayed = lines_.readAllpass(c, delay, last);
      const float g = math::clamp(gain[i], -0.99f, 0.99f);
      float w = math::limit(x[i], 100.0f) + g * delayed;
      if (!math::isFinite(w)) w = 0.0f;
      lines_.write(c, w);
      y[i] = delayed - g * w;
    }
    recoverState(last);
    state = last;
  }

  int lineLength() const noexcept { return static_cast<int>(std::ceil(kMaxMs * 0.001 * sampleRate())) + 4; }
};

} // namespace mvm::modules
