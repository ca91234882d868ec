#pragma once
// Noise: white (uniform, +-1), pink (Paul Kellet's refined -3 dB/octave filter) and brown
// (white through a leaky integrator with a 10 Hz corner, -6 dB/octave above it, normalised to
// 0.5 RMS). Seeded per module and channel: the same seed gives the same noise.

#include <cmath>
#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct NoiseState {
  mvm::Random rng;
  float pink[7] = {}; // the pinking filter's poles
  float brown = 0.0f;
};

class Noise final : public ChannelModule<Noise, NoiseState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Params { kAmp };
  enum Outputs { kWhite, kPink, kBrown };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Noise", "Noise", "White, pink and brown noise, seeded.",
        {},
        {{"white", true, "white noise, uniform in +-amp (RMS 0.577 amp)"},
         {"pink", true, "pink noise, -3 dB/octave (RMS about 0.44 amp)"},
         {"brown", true, "brown noise, -6 dB/octave above 10 Hz (RMS about 0.5 amp)"}},
        {{"amp", "", 0.0f, 10.0f, 1.0f, "output level"}}};
    return d;
  }

  void prepare() override {
    for (int c = 0; c < kMaxChannels; ++c) state_[c].rng.reseed(seed() + 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(c + 1));
    const double a = 1.0 - math::kTwoPi * 10.0 / sampleRate();
    brownPole_ = static_cast<float>(a);
    brownGain_ = static_cast<float>(std::sqrt((1.0 - a * a) * 0.75)); // 0.5 RMS from uniform white (variance 1/3)
  }

  void processChannel(const Channel& ch, NoiseState& v) noexcept {
    const float* amp = ch.param(kAmp);
    float *w = ch.out(kWhite), *p = ch.out(kPink), *b = ch.out(kBrown);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float x = v.rng.bipolar();
      float* k = v.pink;
      k[0] = 0.99886f * k[0] + x * 0.0555179f;
      k[1] = 0.99332f * k[1] + x * 0.0750759f;
      k[2] = 0.96900f * k[2] + x * 0.1538520f;
      k[3] = 0.86650f * k[3] + x * 0.3104856f;
      k[4] = 0.55000f * k[4] + x * 0.5329522f;
      k[5] = -0.7616f * k[5] - x * 0.0168980f;
      const float pink = k[0] + k[1] + k[2] + k[3] + k[4] + k[5] + k[6] + x * 0.5362f;
      k[6] = x * 0.115926f;
      v.brown = brownPole_ * v.brown + brownGain_ * x;
      const float g = math::clamp(amp[i], 0.0f, 10.0f);
      w[i] = g * x;
      p[i] = g * kPinkScale * pink;
      b[i] = g * v.brown;
    }
  }

private:
  static constexpr float kPinkScale = 0.25f;
  float brownPole_ = 0.999f, brownGain_ = 0.0f;
};

} // namespace mvm::modules
