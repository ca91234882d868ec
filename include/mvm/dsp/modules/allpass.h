#pragma once
// Allpass: a Schroeder all-pass delay, w[n] = x[n] + g w[n-D], y[n] = -g w[n] + w[n-D]: flat
// magnitude, frequency-dependent phase (diffusion for reverbs, phasing). D = time ms
// (fractional delays interpolate linearly); the delay line is allocated in prepare() for the
// longest time, per channel.

#include <cmath>
#include <cstring>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Allpass final : public DSPModule {
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

  void prepare() override {
    length_ = lineLength();
    buffer_.assign(static_cast<std::size_t>(length_) * static_cast<std::size_t>(outputChannels(kOut)), 0.0f);
  }
  PreparedMemory preparedMemory() const override {
    return {sizeof(float) * static_cast<std::size_t>(lineLength()) * static_cast<std::size_t>(outputChannels(kOut)), "delay lines"};
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const float rate = static_cast<float>(sampleRate());
    const float maxDelay = static_cast<float>(length_ - 3);
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* time = param(in, kTime, c);
      const float* gain = param(in, kGain, c);
      float* y = DSPModule::out(out, kOut, c);
      float* line = buffer_.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(length_);
      int& write = write_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const float delay = math::clamp(math::clamp(time[i], 0.05f, kMaxMs) * rate / 1000.0f, 1.0f, maxDelay);
        const int di = static_cast<int>(delay);
        const float frac = delay - static_cast<float>(di);
        int r0 = write - di;
        if (r0 < 0) r0 += length_;
        int r1 = r0 - 1;
        if (r1 < 0) r1 += length_;
        const float delayed = line[r0] + frac * (line[r1] - line[r0]);
        const float g = math::clamp(gain[i], -0.99f, 0.99f);
        float w = math::limit(x[i], 100.0f) + g * delayed;
        if (!math::isFinite(w)) w = 0.0f;
        line[write] = w;
        if (++write >= length_) write = 0;
        y[i] = delayed - g * w;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Allpass&>(previous);
    const int channels = outputChannels(kOut) < p.outputChannels(kOut) ? outputChannels(kOut) : p.outputChannels(kOut);
    if (p.length_ == length_ && !buffer_.empty()) {
      std::memcpy(buffer_.data(), p.buffer_.data(), sizeof(float) * static_cast<std::size_t>(length_) * static_cast<std::size_t>(channels));
      for (int c = 0; c < kMaxChannels; ++c) write_[c] = p.write_[c];
    }
  }

private:
  int lineLength() const noexcept { return static_cast<int>(std::ceil(kMaxMs * 0.001 * sampleRate())) + 4; }
  std::vector<float> buffer_;
  int length_ = 0;
  int write_[kMaxChannels] = {};
};

} // namespace mvm::modules
