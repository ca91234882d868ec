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
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Comb final : public DSPModule {
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
      const float* pitch = this->in(in, kPitch, c);
      const float* time = param(in, kTime, c);
      const float* freq = param(in, kFreq, c);
      const float* fb = param(in, kFeedback, c);
      const float* damping = param(in, kDamping, c);
      float* y = DSPModule::out(out, kOut, c);
      float* line = buffer_.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(length_);
      Voice& v = voices_[c];
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
        const float frac = delay - static_cast<float>(di);
        int r0 = v.write - di;
        if (r0 < 0) r0 += length_;
        int r1 = r0 - 1;
        if (r1 < 0) r1 += length_;
        const float delayed = line[r0] + frac * (line[r1] - line[r0]);
        const float damp = math::clamp(damping[i], 0.0f, 1.0f);
        v.lp += (1.0f - 0.95f * damp) * (delayed - v.lp);
        float value = math::limit(x[i], 100.0f) + math::clamp(fb[i], -0.99f, 0.99f) * v.lp;
        if (!math::isFinite(value)) value = 0.0f;
        line[v.write] = value;
        if (++v.write >= length_) v.write = 0;
        y[i] = value;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Comb&>(previous);
    const int channels = outputChannels(kOut) < p.outputChannels(kOut) ? outputChannels(kOut) : p.outputChannels(kOut);
    if (p.length_ == length_ && !buffer_.empty()) {
      std::memcpy(buffer_.data(), p.buffer_.data(), sizeof(float) * static_cast<std::size_t>(length_) * static_cast<std::size_t>(channels));
      for (int c = 0; c < kMaxChannels; ++c) voices_[c] = p.voices_[c];
    }
  }

private:
  int lineLength() const noexcept { return static_cast<int>(std::ceil(kMaxMs * 0.001 * sampleRate())) + 4; }
  struct Voice {
    int write = 0;
    float lp = 0.0f;
  };
  std::vector<float> buffer_;
  int length_ = 0;
  Voice voices_[kMaxChannels];
};

} // namespace mvm::modules
