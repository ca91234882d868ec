#pragma once
// Delay and PingPongDelay: feedback delay lines. The delay time is read per sample with linear
// interpolation (a time within 1e-3 samples of a whole number of samples reads that sample
// exactly, so set times are sample-exact). The feedback path runs through a one-pole low-pass
// (`tone`, bypassed at its maximum) and tanh, so repeats stay bounded for any feedback.

#include <cmath>
#include <cstring>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

namespace delay_detail {

inline constexpr float kMaxTime = 5.0f;
inline constexpr float kToneMax = 20000.0f;

// One circular line per channel, allocated on the control thread.
struct Lines {
  std::vector<float> data;
  int length = 0; // per channel
  int channels = 0;
  int write[kMaxChannels] = {};

  static int lengthFor(double sampleRate, float maxTime) noexcept {
    return static_cast<int>(std::ceil(static_cast<double>(maxTime) * sampleRate)) + 4;
  }
  static std::size_t bytesFor(int channels, double sampleRate, float maxTime) noexcept {
    return sizeof(float) * static_cast<std::size_t>(lengthFor(sampleRate, maxTime)) * static_cast<std::size_t>(channels);
  }
  void allocate(int channels_, double sampleRate, float maxTime) {
    channels = channels_;
    length = lengthFor(sampleRate, maxTime);
    data.assign(static_cast<std::size_t>(length) * static_cast<std::size_t>(channels), 0.0f);
  }
  float* line(int c) noexcept { return data.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(length); }
  // Read `delay` samples behind the next write position (delay >= 1, clamped to the line).
  float read(int c, double delay) noexcept {
    const float* buf = line(c);
    delay = math::clamp(delay, 1.0, static_cast<double>(length - 2));
    double whole = math::floorSmall(delay);
    double frac = delay - whole;
    if (frac < 1e-3) frac = 0.0;
    else if (frac > 1.0 - 1e-3) { frac = 0.0; whole += 1.0; }
    int pos = write[c] - static_cast<int>(whole);
    if (pos < 0) pos += length;
    const float a = buf[pos];
    if (frac == 0.0) return a;
    int prev = pos - 1;
    if (prev < 0) prev += length;
    return a + (buf[prev] - a) * static_cast<float>(frac);
  }
  // Limited as it enters (NaN as 0): the line holds seconds of state, which no per-block reset
  // could scan, and two huge neighbours would overflow the interpolation.
  void push(int c, float x) noexcept {
    line(c)[write[c]] = math::limit(x, math::kMaxSignal);
    if (++write[c] >= length) write[c] = 0;
  }
  // Bounded copy of another instance's contents (channel counts and lengths may differ).
  void copyFrom(const Lines& p) noexcept {
    const int ch = channels < p.channels ? channels : p.channels;
    const int n = length < p.length ? length : p.length;
    for (int c = 0; c < ch; ++c) {
      // copy the newest n samples, keeping them at the same distance behind the write position
      const float* src = p.data.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(p.length);
      float* dst = line(c);
      for (int k = 1; k <= n; ++k) {
        int s = p.write[c] - k;
        if (s < 0) s += p.length;
        int d = length - k; // our write position becomes 0
        dst[d] = src[s];
      }
      write[c] = 0;
    }
  }
};

// One-pole low-pass coefficient for `hz`; 1 (bypass) at the parameter's maximum.
inline float toneCoefficient(float hz, double sampleRate) noexcept {
  if (hz >= kToneMax) return 1.0f;
  const double x = math::clamp(static_cast<double>(hz), 1.0, 0.49 * sampleRate) / sampleRate;
  return static_cast<float>(1.0 - math::exp(-math::kTwoPi * x));
}

struct Tone {
  float lastHz = -1.0f;
  float a = 1.0f;
  float state[kMaxChannels] = {};
  float coefficient(float hz, double sr) noexcept {
    if (hz != lastHz) {
      lastHz = hz;
      a = toneCoefficient(hz, sr);
    }
    return a;
  }
};

inline double delaySamples(float seconds, double sampleRate) noexcept {
  return static_cast<double>(seconds) * sampleRate;
}

} // namespace delay_detail

class Delay final : public DSPModule {
public:
  enum Inputs { kIn };
  enum Params { kTime, kFeedback, kTone, kMix };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Delay", "Effects", "Feedback delay with a low-pass in the feedback path; time modulatable.",
        {{"in", true, "signal"}},
        {{"out", true, "dry * (1 - mix) + delayed * mix"}},
        {{"time", "s", 0.0f, delay_detail::kMaxTime, 0.25f, "delay time (at least one sample)"},
         {"feedback", "", -0.99f, 0.99f, 0.3f, "repeat gain, tanh-saturated"},
         {"tone", "Hz", 20.0f, delay_detail::kToneMax, delay_detail::kToneMax,
          "cutoff of the one-pole low-pass in the feedback path; maximum = bypass"},
         {"mix", "", 0.0f, 1.0f, 0.5f, "wet proportion"}}};
    return d;
  }

  void prepare() override { lines_.allocate(outputChannels(kOut), sampleRate(), delay_detail::kMaxTime); }
  PreparedMemory preparedMemory() const override {
    return {delay_detail::Lines::bytesFor(outputChannels(kOut), sampleRate(), delay_detail::kMaxTime), "delay lines"};
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const double sr = sampleRate();
    for (int c = 0; c < channels; ++c) {
      const float* x = this->in(in, kIn, c);
      const float* time = param(in, kTime, c);
      const float* fb = param(in, kFeedback, c);
      const float* tone = param(in, kTone, c);
      const float* mix = param(in, kMix, c);
      float* y = DSPModule::out(out, kOut, c);
      float lp = tone_.state[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const float wet = lines_.read(c, delay_detail::delaySamples(time[i], sr));
        const float a = tone_.coefficient(tone[i], sr);
        lp += a * (wet - lp);
        const float f = math::clamp(fb[i], -0.99f, 0.99f);
        lines_.push(c, x[i] + math::tanh(f * lp));
        const float m = math::clamp(mix[i], 0.0f, 1.0f);
        y[i] = x[i] * (1.0f - m) + wet * m;
      }
      recoverState(lp);
      tone_.state[c] = lp;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Delay&>(previous);
    lines_.copyFrom(p.lines_);
    for (int c = 0; c < kMaxChannels; ++c) tone_.state[c] = p.tone_.state[c];
  }

private:
  delay_detail::Lines lines_;
  delay_detail::Tone tone_;
};

// Stereo ping-pong: the left line feeds the right and the right feeds the left, each crossing
// scaled by feedback. With only `left` connected the input enters the left line alone, so the
// repeats alternate left, right, left...
class PingPongDelay final : public DSPModule {
public:
  enum Inputs { kLeft, kRight };
  enum Params { kTime, kFeedback, kTone, kMix };
  enum Outputs { kOutLeft, kOutRight };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "PingPongDelay", "Effects", "Stereo ping-pong delay: repeats alternate between left and right.",
        {{"left", true, "left input (mono input when right is unconnected: it enters the left line only)"},
         {"right", true, "right input"}},
        {{"left", true, "left output"}, {"right", true, "right output"}},
        {{"time", "s", 0.0f, delay_detail::kMaxTime, 0.25f, "time of each bounce (at least one sample)"},
         {"feedback", "", -0.99f, 0.99f, 0.5f, "gain of each crossing, tanh-saturated"},
         {"tone", "Hz", 20.0f, delay_detail::kToneMax, delay_detail::kToneMax,
          "cutoff of the one-pole low-pass in the feedback paths; maximum = bypass"},
         {"mix", "", 0.0f, 1.0f, 0.5f, "wet proportion"}}};
    return d;
  }

  void prepare() override {
    left_.allocate(outputChannels(kOutLeft), sampleRate(), delay_detail::kMaxTime);
    right_.allocate(outputChannels(kOutRight), sampleRate(), delay_detail::kMaxTime);
  }
  PreparedMemory preparedMemory() const override {
    return {delay_detail::Lines::bytesFor(outputChannels(kOutLeft), sampleRate(), delay_detail::kMaxTime) +
                delay_detail::Lines::bytesFor(outputChannels(kOutRight), sampleRate(), delay_detail::kMaxTime),
            "delay lines"};
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOutLeft);
    const double sr = sampleRate();
    const bool stereo = isInputConnected(kRight);
    for (int c = 0; c < channels; ++c) {
      const float* xl = this->in(in, kLeft, c);
      const float* xr = this->in(in, stereo ? kRight : kLeft, c);
      const float* time = param(in, kTime, c);
      const float* fb = param(in, kFeedback, c);
      const float* tone = param(in, kTone, c);
      const float* mix = param(in, kMix, c);
      float* yl = DSPModule::out(out, kOutLeft, c);
      float* yr = DSPModule::out(out, kOutRight, c);
      float lpl = toneL_.state[c], lpr = toneR_.state[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        const double d = delay_detail::delaySamples(time[i], sr);
        const float wl = left_.read(c, d), wr = right_.read(c, d);
        const float a = toneL_.coefficient(tone[i], sr);
        lpl += a * (wl - lpl);
        lpr += a * (wr - lpr);
        const float f = math::clamp(fb[i], -0.99f, 0.99f);
        left_.push(c, xl[i] + math::tanh(f * lpr));
        right_.push(c, (stereo ? xr[i] : 0.0f) + math::tanh(f * lpl));
        const float m = math::clamp(mix[i], 0.0f, 1.0f);
        yl[i] = xl[i] * (1.0f - m) + wl * m;
        yr[i] = xr[i] * (1.0f - m) + wr * m;
      }
      recoverState(lpl, lpr);
      toneL_.state[c] = lpl;
      toneR_.state[c] = lpr;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const PingPongDelay&>(previous);
    left_.copyFrom(p.left_);
    right_.copyFrom(p.right_);
    for (int c = 0; c < kMaxChannels; ++c) {
      toneL_.state[c] = p.toneL_.state[c];
      toneR_.state[c] = p.toneR_.state[c];
    }
  }

private:
  delay_detail::Lines left_, right_;
  delay_detail::Tone toneL_, toneR_;
};

} // namespace mvm::modules
