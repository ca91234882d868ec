#pragma once
// Chorus and Flanger: a delay line whose time is swept by an internal sine LFO,
// d(t) = delay * (1 + k * depth * sin(2 pi rate t)), read with linear interpolation, mixed with
// the dry signal; the feedback path is tanh-saturated. Chorus: k = 0.5 around 5..50 ms;
// Flanger: k = 0.95 around 0.5..20 ms. The LFO starts at phase 0 on every channel: deterministic.

#include <cmath>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

namespace moddelay_detail {

template <class Traits>
class ModDelay : public DelayLineModule<ModDelay<Traits>, double> {
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

  using DelayLineModule<ModDelay<Traits>, double>::sampleRate;
  using DelayLineModule<ModDelay<Traits>, double>::lines_;

  // phase: the sweep's, in cycles
  void processChannel(const Channel& ch, double& state) noexcept {
    const double sr = sampleRate();
    const double invRate = 1.0 / sr;
    const int c = ch.index();
    const float *x = ch.in(kIn), *rate = ch.param(kRate), *depth = ch.param(kDepth), *delay = ch.param(kDelay), *fb = ch.param(kFeedback),
                *mix = ch.param(kMix);
    float* y = ch.out(kOut);
    double phase = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const float lfo = math::sin2pi(static_cast<float>(phase));
      phase = math::wrap01(phase + static_cast<double>(math::clamp(rate[i], 0.0f, 20.0f)) * invRate);
      const double base = math::clamp(static_cast<double>(delay[i]), static_cast<double>(Traits::kMinDelay),
                                      static_cast<double>(Traits::kMaxDelay)) * sr;
      double d = base * (1.0 + Traits::kSweep * static_cast<double>(math::clamp(depth[i], 0.0f, 1.0f) * lfo));
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

  int lineLength() const noexcept {
    return static_cast<int>(std::ceil(static_cast<double>(Traits::kMaxDelay) * (1.0 + Traits::kSweep) * sampleRate())) + 4;
  }
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
