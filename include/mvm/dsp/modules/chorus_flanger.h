#pragma once
// Chorus and Flanger: delay lines whose time is swept by an internal sine LFO,
// d(t) = delay * (1 + k * depth * sin(2 pi (rate t + offset))), mixed with the dry signal, with a
// tanh-saturated feedback path. The LFOs start at fixed phases on every channel: deterministic.
//
// Flanger: one tap, k = 0.95 around 0.5..20 ms, read with linear interpolation: a moving comb.
//
// Chorus: 1..6 taps (voices) on one line per channel, k = 0.5 around 5..50 ms. Voice k reads at
// LFO phase + k / voices: the taps sweep evenly spaced in phase, any two at the same delay only
// in passing, twice a cycle. All voices share one rate and one phase, so the offsets hold
// exactly whatever the rate does, and a hot swap carries one number per channel. Taps are read
// with cubic Hermite interpolation (DelayLines::readCubic): linear interpolation would put a
// flutter on the treble as the fraction sweeps. Voice k is panned to p_k = spread * (2k /
// (voices - 1) - 1) (one voice: the centre) by the equal-power law (math::panGain), scaled by
// sqrt(2 / voices): at every spread each side's gains square-sum to 1, so the wet level of
// uncorrelated taps (broadband input, taps milliseconds apart) does not grow with the number of
// voices (within 0.05 dB from 1 to 6, measured on noise), and spread 0 gives left and right the
// same bits. Correlated taps add up louder: at depth 0 they coincide and the sum is sqrt(voices)
// times one tap; a sine's taps meet in phase at moments. The feedback is the mean of the taps,
// so its loop gain stays below 1 for any number of voices. The input is limited (math::limit)
// before it reaches the dry path or the line: NaN is silence and an infinity the largest signal,
// and the output stays finite.

#include <cmath>
#include <vector>

#include "mvm/core/block.h"
#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

namespace moddelay_detail {

inline constexpr float kMaxRate = 20.0f; // Hz

// The sweep's phase, in cycles, one frame on at `rate` Hz.
inline double nextPhase(double phase, float rate, double invRate) noexcept {
  return math::wrap01(phase + static_cast<double>(math::clamp(rate, 0.0f, kMaxRate)) * invRate);
}

// The swept delay in frames: `base` frames moved by sweep * depth * lfo of itself.
inline double sweptDelay(double base, double sweep, float depth, float lfo) noexcept {
  return base * (1.0 + sweep * static_cast<double>(math::clamp(depth, 0.0f, 1.0f) * lfo));
}

// Frames of line for the longest delay a sweep reaches, with room for the interpolators.
inline int sweptLineLength(float maxDelay, double sweep, double sampleRate) noexcept {
  return static_cast<int>(std::ceil(static_cast<double>(maxDelay) * (1.0 + sweep) * sampleRate)) + 4;
}

// The five parameters both modules begin with (Chorus's own follow them), as descriptors and,
// with the input (port 0, "in"), as one channel's buffers.
enum SweepParams { kRate, kDepth, kDelay, kFeedback, kMix };

// control thread: those five descriptors, then `more`.
inline std::vector<ParamDescriptor> sweepParams(float rate, float minDelay, float maxDelay, float delay, float feedback, const char* feedbackDoc,
                                                std::vector<ParamDescriptor> more = {}) {
  std::vector<ParamDescriptor> p{{"rate", "Hz", 0.01f, kMaxRate, rate, "LFO rate"},
                                 {"depth", "", 0.0f, 1.0f, 0.5f, "sweep depth, as a fraction of the maximum sweep"},
                                 {"delay", "s", minDelay, maxDelay, delay, "centre delay time"},
                                 {"feedback", "", -0.95f, 0.95f, feedback, feedbackDoc},
                                 {"mix", "", 0.0f, 1.0f, 0.5f, "wet proportion"}};
  p.insert(p.end(), more.begin(), more.end());
  return p;
}

struct SweepBuffers {
  const float *x, *rate, *depth, *delay, *fb, *mix;
  explicit SweepBuffers(const Channel& ch) noexcept
      : x(ch.in(0)), rate(ch.param(kRate)), depth(ch.param(kDepth)), delay(ch.param(kDelay)), fb(ch.param(kFeedback)), mix(ch.param(kMix)) {}
};

// The centre delay in frames, `delay` seconds limited to [minDelay, maxDelay].
inline double baseFrames(float delay, float minDelay, float maxDelay, double sampleRate) noexcept {
  return math::clamp(static_cast<double>(delay), static_cast<double>(minDelay), static_cast<double>(maxDelay)) * sampleRate;
}

} // namespace moddelay_detail

class Flanger final : public DelayLineModule<Flanger, double> {
public:
  enum Outputs { kOut };
  static constexpr float kMinDelay = 0.0005f;
  static constexpr float kMaxDelay = 0.02f;
  static constexpr double kSweep = 0.95;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Flanger", "Effects", "Flanger: a delay of 0.5..20 ms swept +-95% by a sine LFO, with feedback: a moving comb filter.",
        {{"in", true, "signal"}},
        {{"out", true, "dry * (1 - mix) + modulated delay * mix"}},
        moddelay_detail::sweepParams(0.2f, kMinDelay, kMaxDelay, 0.003f, 0.5f, "feedback gain, tanh-saturated")};
    return d;
  }

  // phase: the sweep's, in cycles
  void processChannel(const Channel& ch, double& state) noexcept {
    const double sr = sampleRate();
    const double invRate = 1.0 / sr;
    const int c = ch.index();
    const auto [x, rate, depth, delay, fb, mix] = moddelay_detail::SweepBuffers(ch);
    float* y = ch.out(kOut);
    double phase = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const float lfo = math::sin2pi(static_cast<float>(phase));
      phase = moddelay_detail::nextPhase(phase, rate[i], invRate);
      const double base = moddelay_detail::baseFrames(delay[i], kMinDelay, kMaxDelay, sr);
      double d = moddelay_detail::sweptDelay(base, kSweep, depth[i], lfo);
      d = math::clamp(d, 1.0, static_cast<double>(lines_.length() - 2));
      const double whole = math::floorSmall(d);
      const float wet = lines_.read(c, static_cast<int>(whole), static_cast<float>(d - whole));
      const float f = math::clamp(fb[i], -0.95f, 0.95f);
      lines_.write(c, math::limit(x[i] + math::tanh(f * wet), math::kMaxSignal)); // as Delay's lines
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      y[i] = x[i] * (1.0f - m) + wet * m;
    }
    state = phase;
  }

  int lineLength() const noexcept { return moddelay_detail::sweptLineLength(kMaxDelay, kSweep, sampleRate()); }
};

class Chorus final : public DelayLineModule<Chorus, double> {
public:
  enum Params { kVoices = moddelay_detail::kMix + 1, kSpread };
  enum Outputs { kLeft, kRight };
  static constexpr int kMaxVoices = 6;
  static constexpr float kMinDelay = 0.005f;
  static constexpr float kMaxDelay = 0.05f;
  static constexpr double kSweep = 0.5;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Chorus", "Effects",
        "Stereo chorus: 1..6 taps of a delay of 5..50 ms, each swept +-50% by one sine LFO at an even phase offset, "
        "spread across left and right, mixed with the dry signal.",
        {{"in", true, "signal"}},
        {{"left", true, "dry * (1 - mix) + the voices panned left * mix"}, {"right", true, "dry * (1 - mix) + the voices panned right * mix"}},
        moddelay_detail::sweepParams(
            0.5f, kMinDelay, kMaxDelay, 0.015f, 0.0f, "feedback gain of the taps' mean, tanh-saturated",
            {{"voices", "", 1.0f, static_cast<float>(kMaxVoices), 3.0f, "number of taps; voice k sweeps k / voices of a cycle after voice 0", 0.0f, {}, false},
             {"spread", "", 0.0f, 1.0f, 1.0f, "stereo width of the voices: 0 = all centred (left = right), 1 = from hard left to hard right"}})};
    return d;
  }

  // phase: voice 0's sweep, in cycles
  void processChannel(const Channel& ch, double& state) noexcept {
    const double sr = sampleRate();
    const double invRate = 1.0 / sr;
    const int c = ch.index();
    const auto [x, rate, depth, delay, fb, mix] = moddelay_detail::SweepBuffers(ch);
    const float *voicesP = ch.sharedParam(kVoices), *spread = ch.param(kSpread);
    float *left = ch.out(kLeft), *right = ch.out(kRight);
    const double longest = static_cast<double>(lines_.length() - 3);
    Layout layout;
    float laidOut[2] = {0.0f, 0.0f}; // voices 0 is never asked for: the first frame lays the voices out
    double phase = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const int voices = math::toIndex(voicesP[i] + 0.5f, 1, kMaxVoices);
      const float s = math::clamp(spread[i], 0.0f, 1.0f);
      if (moved(laidOut, static_cast<float>(voices), s)) layout.arrange(voices, s);
      const double base = moddelay_detail::baseFrames(delay[i], kMinDelay, kMaxDelay, sr);
      float l = 0.0f, r = 0.0f, sum = 0.0f;
      for (int k = 0; k < voices; ++k) {
        const float lfo = math::sin2pi(static_cast<float>(phase + layout.offset[k]));
        const double d = math::clamp(moddelay_detail::sweptDelay(base, kSweep, depth[i], lfo), 2.0, longest);
        const double whole = math::floorSmall(d);
        const float tap = lines_.readCubic(c, static_cast<int>(whole), static_cast<float>(d - whole));
        l += layout.left[k] * tap;
        r += layout.right[k] * tap;
        sum += tap;
      }
      phase = moddelay_detail::nextPhase(phase, rate[i], invRate);
      const float in = math::limit(x[i], math::kMaxSignal);
      const float f = math::clamp(fb[i], -0.95f, 0.95f);
      lines_.write(c, math::limit(in + math::tanh(f * (sum * layout.mean)), math::kMaxSignal));
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      const float dry = in * (1.0f - m);
      left[i] = dry + l * m;
      right[i] = dry + r * m;
    }
    state = phase;
  }

  int lineLength() const noexcept { return moddelay_detail::sweptLineLength(kMaxDelay, kSweep, sampleRate()); }

private:
  // The voices' phase offsets, pan gains and the feedback's mean, worked out when the number of
  // voices or the spread moves (not kept over blocks: a function of the parameters alone).
  struct Layout {
    double offset[kMaxVoices] = {};
    float left[kMaxVoices] = {};
    float right[kMaxVoices] = {};
    float mean = 1.0f;

    void arrange(int voices, float spread) noexcept {
      const float scale = std::sqrt(2.0f / static_cast<float>(voices)); // sqrt is IEEE-exact: the same bits everywhere
      for (int k = 0; k < voices; ++k) {
        const float pan = voices == 1 ? 0.0f : spread * (2.0f * static_cast<float>(k) / static_cast<float>(voices - 1) - 1.0f);
        offset[k] = static_cast<double>(k) / static_cast<double>(voices);
        left[k] = scale * math::panGain(pan, math::kPanLeft);
        right[k] = scale * math::panGain(pan, math::kPanRight);
      }
      mean = 1.0f / static_cast<float>(voices);
    }
  };
};

} // namespace mvm::modules
