#pragma once
// Delay and PingPongDelay: feedback delay lines. The delay time is read per sample with linear
// interpolation (a time within 1e-3 samples of a whole number of samples reads that sample
// exactly, so set times are sample-exact). The feedback path runs through a one-pole low-pass
// (`tone`, bypassed at its maximum) and tanh, so repeats stay bounded for any feedback.

#include <cmath>
#include <cstring>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

namespace delay_detail {

inline constexpr float kMaxTime = 5.0f;
inline constexpr float kToneMax = 20000.0f;

inline int lineLength(double sampleRate) noexcept { return static_cast<int>(std::ceil(static_cast<double>(kMaxTime) * sampleRate)) + 4; }

// `delay` frames behind the next write (at least 1, clamped to the line), linearly interpolated;
// within 1e-3 of a whole number of frames it reads that frame exactly.
inline float readDelay(const DelayLines& lines, int c, double delay) noexcept {
  delay = math::clamp(delay, 1.0, static_cast<double>(lines.length() - 2));
  double whole = math::floorSmall(delay);
  double frac = delay - whole;
  if (frac < 1e-3) frac = 0.0;
  else if (frac > 1.0 - 1e-3) { frac = 0.0; whole += 1.0; }
  if (frac == 0.0) return lines.at(c, static_cast<int>(whole));
  return lines.read(c, static_cast<int>(whole), static_cast<float>(frac));
}

// Limited as it enters (NaN as 0): the line holds seconds of state, which no per-block reset
// could scan, and two huge neighbours would overflow the interpolation.
inline void push(DelayLines& lines, int c, float x) noexcept { lines.write(c, math::limit(x, math::kMaxSignal)); }

// One-pole low-pass coefficient for `hz`; 1 (bypass) at the parameter's maximum.
inline float toneCoefficient(float hz, double sampleRate) noexcept {
  if (hz >= kToneMax) return 1.0f;
  const double x = math::clamp(static_cast<double>(hz), 1.0, 0.49 * sampleRate) / sampleRate;
  return static_cast<float>(1.0 - math::exp(-math::kTwoPi * x));
}

// The tone filter's coefficient, worked out when its frequency moves (shared by the channels).
struct Tone {
  float lastHz = -1.0f;
  float a = 1.0f;
  float coefficient(float hz, double sr) noexcept {
    if (moved(lastHz, hz)) a = toneCoefficient(hz, sr);
    return a;
  }
};

inline double delaySamples(float seconds, double sampleRate) noexcept {
  return static_cast<double>(seconds) * sampleRate;
}

} // namespace delay_detail

class Delay final : public DelayLineModule<Delay, float> {
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

  // state: the tone filter's
  void processChannel(const Channel& ch, float& state) noexcept {
    const double sr = sampleRate();
    const int c = ch.index();
    const float *x = ch.in(kIn), *time = ch.param(kTime), *fb = ch.param(kFeedback), *tone = ch.param(kTone), *mix = ch.param(kMix);
    float* y = ch.out(kOut);
    float lp = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const float wet = delay_detail::readDelay(lines_, c, delay_detail::delaySamples(time[i], sr));
      const float a = tone_.coefficient(tone[i], sr);
      lp += a * (wet - lp);
      const float f = math::clamp(fb[i], -0.99f, 0.99f);
      delay_detail::push(lines_, c, x[i] + math::tanh(f * lp));
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      y[i] = x[i] * (1.0f - m) + wet * m;
    }
    recoverState(lp);
    state = lp;
  }

  int lineLength() const noexcept { return delay_detail::lineLength(sampleRate()); }

private:
  delay_detail::Tone tone_;
};

// Stereo ping-pong: the left line feeds the right and the right feeds the left, each crossing
// scaled by feedback. With only `left` connected the input enters the left line alone, so the
// repeats alternate left, right, left...
struct PingPongState {
  float left = 0.0f, right = 0.0f; // the tone filters' states
};

class PingPongDelay final : public ChannelModule<PingPongDelay, PingPongState> {
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
    left_.allocate(outputChannels(kOutLeft), delay_detail::lineLength(sampleRate()));
    right_.allocate(outputChannels(kOutRight), delay_detail::lineLength(sampleRate()));
  }
  PreparedMemory preparedMemory() const override {
    const int length = delay_detail::lineLength(sampleRate());
    return {DelayLines::bytes(outputChannels(kOutLeft), length) + DelayLines::bytes(outputChannels(kOutRight), length), "delay lines"};
  }

  void processChannel(const Channel& ch, PingPongState& st) noexcept {
    const double sr = sampleRate();
    const bool stereo = isInputConnected(kRight);
    const int c = ch.index();
    const float *xl = ch.in(kLeft), *xr = ch.in(stereo ? kRight : kLeft), *time = ch.param(kTime), *fb = ch.param(kFeedback),
                *tone = ch.param(kTone), *mix = ch.param(kMix);
    float *yl = ch.out(kOutLeft), *yr = ch.out(kOutRight);
    float lpl = st.left, lpr = st.right;
    for (int i = 0; i < kBlockFrames; ++i) {
      const double d = delay_detail::delaySamples(time[i], sr);
      const float wl = delay_detail::readDelay(left_, c, d), wr = delay_detail::readDelay(right_, c, d);
      const float a = tone_.coefficient(tone[i], sr);
      lpl += a * (wl - lpl);
      lpr += a * (wr - lpr);
      const float f = math::clamp(fb[i], -0.99f, 0.99f);
      delay_detail::push(left_, c, xl[i] + math::tanh(f * lpr));
      delay_detail::push(right_, c, (stereo ? xr[i] : 0.0f) + math::tanh(f * lpl));
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      yl[i] = xl[i] * (1.0f - m) + wl * m;
      yr[i] = xr[i] * (1.0f - m) + wr * m;
    }
    recoverState(lpl, lpr);
    st.left = lpl;
    st.right = lpr;
  }

  void copyStateFrom(const DSPModule& previous) override {
    ChannelModule::copyStateFrom(previous);
    const auto& p = static_cast<const PingPongDelay&>(previous);
    left_.copyFrom(p.left_);
    right_.copyFrom(p.right_);
  }

private:
  DelayLines left_, right_;
  delay_detail::Tone tone_;
};

} // namespace mvm::modules
