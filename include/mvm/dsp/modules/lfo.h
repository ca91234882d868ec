#pragma once
// LFO: a low-frequency oscillator with sine, triangle, saw, square and sample & hold outputs,
// all bipolar +-1 and phase-aligned: at phase 0 sine and tri are 0 and rising, saw is -1 and
// rises to +1 at the end of the cycle, sqr is +1 for the first pw of the cycle, and sh takes a
// new uniform random value (seeded, per channel) whenever the cycle restarts.
// Rate = rate * 2^fm Hz, clamped to [0, 1000] Hz. Polyphonic spread: channel c of N runs at
// phase + c * spread / N, so spread 1 spaces the channels evenly over a cycle and spread 0
// keeps them in unison. A rising sync edge resets that channel's phase to 0 (and draws a new
// sh value). Output channels: max(channels, widest polyphonic input).

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct LfoState {
  double phase = 0.0;     // in cycles, before the spread
  float lastPhase = 0.0f; // after it: a smaller one means the cycle wrapped
  bool syncHigh = false;
  float held = 0.0f;      // the sample and hold's value
  Random rng;
};

class LFO final : public ChannelModule<LFO, LfoState> {
public:
  enum Inputs { kSync, kFm };
  enum Params { kRate, kPw, kSpread, kChannels };
  enum Outputs { kSine, kTri, kSaw, kSqr, kSh };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "LFO", "Modulators", "Low-frequency oscillator: sine, tri, saw, square and sample & hold, bipolar, with polyphonic phase spread.",
        {{"sync", true, "a rising edge through 0.5 resets the phase to 0"},
         {"fm", true, "1 V/octave exponential rate modulation (rate * 2^fm)"}},
        {{"sine", true, "sine, +-1"},
         {"tri", true, "triangle, +-1, in phase with the sine"},
         {"saw", true, "rising saw, -1 at phase 0 to +1"},
         {"sqr", true, "square, +1 for the first pw of the cycle, else -1"},
         {"sh", true, "sample & hold: a new random value in [-1, 1) each cycle"}},
        {{"rate", "Hz", 0.001f, 100.0f, 1.0f, "frequency"},
         {"pw", "", 0.01f, 0.99f, 0.5f, "pulse width of sqr (fraction of the cycle spent high)"},
         {"spread", "", 0.0f, 1.0f, 0.0f, "polyphonic phase spread: channel c of N is offset by c * spread / N cycles"},
         {"channels", "", 1.0f, 16.0f, 1.0f, "output channels when no wider polyphonic input is connected", 0.0f, {}, false, true}}};
    return d;
  }

  void resolveOutputChannels(const int* inputChannels, int* outputChannels) const override {
    DSPModule::resolveOutputChannels(inputChannels, outputChannels);
    const int n = math::clamp(static_cast<int>(initialParam(kChannels) + 0.5f), 1, kMaxChannels);
    for (int o = 0; o < 5; ++o) outputChannels[o] = std::max(outputChannels[o], n);
  }

  void prepare() override {
    for (int c = 0; c < kMaxChannels; ++c) {
      state_[c].rng.reseed(seed() + 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(c + 1));
      state_[c].held = state_[c].rng.bipolar();
    }
  }

  void processChannel(const Channel& ch, LfoState& st) noexcept {
    const double invRate = 1.0 / sampleRate();
    const bool hasFm = isInputConnected(kFm);
    const float invChannels = 1.0f / static_cast<float>(channels());
    const float *sync = ch.in(kSync), *fm = ch.in(kFm), *rate = ch.param(kRate), *pw = ch.param(kPw), *spread = ch.param(kSpread);
    float *ySine = ch.out(kSine), *yTri = ch.out(kTri), *ySaw = ch.out(kSaw), *ySqr = ch.out(kSqr), *ySh = ch.out(kSh);
    double phase = st.phase;
    float last = st.lastPhase;
    bool syncHigh = st.syncHigh;
    float held = st.held;
    const float offsetScale = static_cast<float>(ch.index()) * invChannels;
    for (int i = 0; i < kBlockFrames; ++i) {
      const bool high = sync[i] >= 0.5f;
      bool restart = false;
      if (high && !syncHigh) { phase = 0.0; restart = true; }
      syncHigh = high;
      const float p = math::wrap01(static_cast<float>(phase) + math::clamp(spread[i], 0.0f, 1.0f) * offsetScale);
      if (p < last) restart = true; // the cycle wrapped
      if (restart) held = st.rng.bipolar();
      last = p;
      ySine[i] = math::sin2pi(p);
      yTri[i] = p < 0.25f ? 4.0f * p : (p < 0.75f ? 2.0f - 4.0f * p : 4.0f * p - 4.0f);
      ySaw[i] = 2.0f * p - 1.0f;
      ySqr[i] = p < math::clamp(pw[i], 0.01f, 0.99f) ? 1.0f : -1.0f;
      ySh[i] = held;
      double f = static_cast<double>(rate[i]);
      if (hasFm) f *= math::exp2(static_cast<double>(math::clamp(fm[i], -20.0f, 20.0f)));
      phase = math::wrap01(phase + math::clamp(f, 0.0, 1000.0) * invRate);
    }
    st.phase = phase;
    st.lastPhase = last;
    st.syncHigh = syncHigh;
    st.held = held;
  }
};

} // namespace mvm::modules
