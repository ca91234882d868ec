#pragma once
// Random (class RandomSource, so it does not shadow mvm::Random): a new random value, uniform
// in +-amp and seeded, every 1/rate seconds, or on each rising edge of `trig` when it is
// connected. `stepped` jumps to each new value; `smooth` glides from the previous value to it
// over one step (1/rate, or the last measured trigger interval), linearly or with a cosine
// ease (shape), so it arrives at each value just as the next one is drawn.

#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct RandomState {
  mvm::Random rng;
  float from = 0.0f, target = 0.0f;
  float sinceStep = 0.0f; // frames since the last new value
  float length = 1.0f;    // frames per step
  RisingEdge trig;
};

class RandomSource final : public ChannelModule<RandomSource, RandomState> {
public:
  enum Inputs { kTrig };
  enum Params { kRate, kShape, kAmp };
  enum Outputs { kStepped, kSmooth };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Random", "Random", "Stepped and smooth random voltages at a rate or clocked by trig.",
        {{"trig", true, "when connected, each rising edge through 0.5 takes a new value (rate is ignored)"}},
        {{"stepped", true, "new value held until the next step, +-amp"},
         {"smooth", true, "glides from the previous value to the new one over a step, +-amp"}},
        {{"rate", "Hz", 0.01f, 1000.0f, 2.0f, "new values per second when trig is unconnected"},
         {"shape", "", 0.0f, 1.0f, 1.0f, "smooth interpolation: linear or cosine", 0.0f, {"linear", "cosine"}, false},
         {"amp", "", 0.0f, 10.0f, 1.0f, "output range +-amp"}}};
    return d;
  }

  void prepare() override {
    for (int c = 0; c < kMaxChannels; ++c) {
      RandomState& v = state_[c];
      v.rng.reseed(seed() + 0xD1B54A32D192ED03ull * static_cast<std::uint64_t>(c + 1));
      v.target = v.rng.bipolar();
      v.from = v.target;
      v.length = static_cast<float>(sampleRate()) * 0.5f;
    }
  }

  void processChannel(const Channel& ch, RandomState& v) noexcept {
    const bool clocked = isInputConnected(kTrig);
    const float rate = static_cast<float>(sampleRate());
    const float *trig = ch.in(kTrig), *hz = ch.param(kRate), *shape = ch.param(kShape), *amp = ch.param(kAmp);
    float *ys = ch.out(kStepped), *yl = ch.out(kSmooth);
    for (int i = 0; i < kBlockFrames; ++i) {
      bool step = false;
      if (clocked) {
        if (v.trig.rises(trig[i])) {
          step = true;
          v.length = math::clamp(v.sinceStep, 1.0f, 1e9f);
        }
      } else {
        v.length = rate / math::clamp(hz[i], 0.01f, 1000.0f);
        step = v.sinceStep >= v.length;
      }
      if (step) {
        v.from = v.target;
        v.target = v.rng.bipolar();
        v.sinceStep = 0.0f;
      }
      float t = math::clamp(v.sinceStep / v.length, 0.0f, 1.0f);
      if (shape[i] + 0.5f >= 1.0f) t = 0.5f - 0.5f * math::cos2pi(0.5f * t);
      const float g = math::clamp(amp[i], 0.0f, 10.0f);
      ys[i] = g * v.target;
      yl[i] = g * (v.from + t * (v.target - v.from));
      v.sinceStep = v.sinceStep < 1e9f ? v.sinceStep + 1.0f : v.sinceStep;
    }
  }
};

} // namespace mvm::modules
