#pragma once
// Allpass: a Schroeder all-pass delay, w[n] = x[n] + g w[n-D], y[n] = -g w[n] + w[n-D]: flat
// magnitude, frequency-dependent phase (diffusion for reverbs, phasing). D = time ms
// (fractional delays interpolate linearly); the delay line is allocated in prepare() for the
// longest time, per channel.

#include <cmath>
#include <cstring>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Allpass final : public DelayLineModule<Allpass, Stateless> {
public:
  enum Inputs { kIn };
  enum Params { kTime, kGain };
  enum Outputs { kOut };
  static constexpr float kMaxMs = 500.0f;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Allpass", "Filters", "Schroeder all-pass delay (flat magnitude, dispersive phase).",
        {{"in", true, "audio input"}},
        {{"out", true, "all-passed audio"}},
        {{"time", "ms", 0.05f, kMaxMs, 5.0f, "delay"},
         {"gain", "", -0.99f, 0.99f, 0.5f, "all-pass coefficient g"}}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float rate = static_cast<float>(sampleRate());
    const float maxDelay = static_cast<float>(lines_.length() - 3);
    const int c = ch.index();
    const float *x = ch.in(kIn), *time = ch.param(kTime), *gain = ch.param(kGain);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float delay = math::clamp(math::clamp(time[i], 0.05f, kMaxMs) * rate / 1000.0f, 1.0f, maxDelay);
      const int di = static_cast<int>(delay);
      const float delayed = lines_.read(c, di, delay - static_cast<float>(di));
      const float g = math::clamp(gain[i], -0.99f, 0.99f);
      float w = math::limit(x[i], 100.0f) + g * delayed;
      if (!math::isFinite(w)) w = 0.0f;
      lines_.write(c, w);
      y[i] = delayed - g * w;
    }
  }

  int lineLength() const noexcept { return static_cast<int>(std::ceil(kMaxMs * 0.001 * sampleRate())) + 4; }
};

} // namespace mvm::modules
