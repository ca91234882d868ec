#pragma once
// Chorus and Flanger: a delay line whose time is swept by an internal sine LFO,
// d(t) = delay * (1 + k * depth * sin(2 pi rate t)), read with linear interpolation, mixed with
// the dry signal; the feedback path is tanh-saturated. Chorus: k = 0.5 around 5..50 ms;
// Flanger: k = 0.95 around 0.5..20 ms. The LFO starts at phase 0 on every channel: deterministic.

#include <cmath>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

namespace moddelay_detail {

template <class Traits>
class ModDelay : public DSPModule {
public:
  enum Inputs { kIn };
  enum Params { kRate, kDepth, kDelay, kFeedback, kMix };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        Traits::kType, "Effects", Traits::kDoc,
        {{"in", true, "signal"}},
        {{"out", true, "dry * (1 - mix) + modulated delay * mix"}},
        {{"rate", "Hz", 0.01f, 20.0f, Traits::kRate, "LFO rate"},
         {"depth", "", 0.0f, 1.0f, 0.5f, "sweep depth, as a fraction of the maximum sweep"},
         {"delay", "s", Traits::kMinDelay, Traits::kMaxDelay, Traits::kDelay, "centre delay time"},
         {"feedback", "", -0.95f, 0.95f, Traits::kFeedback, "feedback gain, tanh-saturated"},
         {"mix", "", 0.0f, 1.0f, 0.5f, "wet proportion"}}};
    return d;
  }

  void prepare() override {
    channels_ = outputChannels(kOut);
    length_ = lineLength();
    buffer_.assign(static_cast<std::size_t>(length_) * static_cast<std::size_t>(channels_), 0.0f);
  }
  PreparedMemory preparedMemory() const override {
    return {sizeof(float) * static_cast<std::size_t>(lineLength()) * static_cast<std::size_t>(outputChannels(kOut)), "delay lines"};
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const double sr = sampleRate();
    const double invRate = 1.0 / sr;
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* rate = param(in, kRate, c);
      const float* depth = param(in, kDepth, c);
      const float* delay = param(in, kDelay, c);
      const float* fb = param(in, kFeedback, c);
      const float* mix = param(in, kMix, c);
      float* y = DSPModule::out(out, kOut, c);
      float* buf = buffer_.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(length_);
      int w = write_[c];
      double phase = phase_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const float lfo = math::sin2pi(static_cast<float>(phase));
        phase = math::wrap01(phase + static_cast<double>(math::clamp(rate[i], 0.0f, 20.0f)) * invRate);
        const double base = math::clamp(static_cast<double>(delay[i]), static_cast<double>(Traits::kMinDelay),
                                        static_cast<double>(Traits::kMaxDelay)) * sr;
        double d = base * (1.0 + Traits::kSweep * static_cast<double>(math::clamp(depth[i], 0.0f, 1.0f) * lfo));
        d = math::clamp(d, 1.0, static_cast<double>(length_ - 2));
        const double whole = math::floorSmall(d);
        const float frac = static_cast<float>(d - whole);
        int p0 = w - static_cast<int>(whole);
        if (p0 < 0) p0 += length_;
        int p1 = p0 - 1;
        if (p1 < 0) p1 += length_;
        const float wet = buf[p0] + (buf[p1] - buf[p0]) * frac;
        const float f = math::clamp(fb[i], -0.95f, 0.95f);
        buf[w] = math::limit(x[i] + math::tanh(f * wet), math::kMaxSignal); // as Delay's lines
        if (++w >= length_) w = 0;
        const float m = math::clamp(mix[i], 0.0f, 1.0f);
        y[i] = x[i] * (1.0f - m) + wet * m;
      }
      write_[c] = w;
      phase_[c] = phase;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const ModDelay&>(previous);
    const int ch = channels_ < p.channels_ ? channels_ : p.channels_;
    const int n = length_ < p.length_ ? length_ : p.length_;
    for (int c = 0; c < ch; ++c) {
      const float* src = p.buffer_.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(p.length_);
      float* dst = buffer_.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(length_);
      for (int k = 1; k <= n; ++k) {
        int s = p.write_[c] - k;
        if (s < 0) s += p.length_;
        dst[length_ - k] = src[s];
      }
      write_[c] = 0;
    }
    for (int c = 0; c < kMaxChannels; ++c) {
      phase_[c] = p.phase_[c];
    }
  }

private:
  int lineLength() const noexcept {
    return static_cast<int>(std::ceil(static_cast<double>(Traits::kMaxDelay) * (1.0 + Traits::kSweep) * sampleRate())) + 4;
  }
  std::vector<float> buffer_;
  int length_ = 0;
  int channels_ = 0;
  int write_[kMaxChannels] = {};
  double phase_[kMaxChannels] = {};
};

struct ChorusTraits {
  static constexpr const char* kType = "Chorus";
  static constexpr const char* kDoc = "Chorus: a delay of 5..50 ms swept +-50% by a sine LFO, mixed with the dry signal.";
  static constexpr float kRate = 0.5f;
  static constexpr float kMinDelay = 0.005f;
  static constexpr float kMaxDelay = 0.05f;
  static constexpr float kDelay = 0.015f;
  static constexpr float kFeedback = 0.0f;
  static constexpr double kSweep = 0.5;
};

struct FlangerTraits {
  static constexpr const char* kType = "Flanger";
  static constexpr const char* kDoc = "Flanger: a delay of 0.5..20 ms swept +-95% by a sine LFO, with feedback: a moving comb filter.";
  static constexpr float kRate = 0.2f;
  static constexpr float kMinDelay = 0.0005f;
  static constexpr float kMaxDelay = 0.02f;
  static constexpr float kDelay = 0.003f;
  static constexpr float kFeedback = 0.5f;
  static constexpr double kSweep = 0.95;
};

} // namespace moddelay_detail

class Chorus final : public moddelay_detail::ModDelay<moddelay_detail::ChorusTraits> {};
class Flanger final : public moddelay_detail::ModDelay<moddelay_detail::FlangerTraits> {};

} // namespace mvm::modules
