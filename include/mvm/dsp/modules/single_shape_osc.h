#pragma once
// SingleShapeOsc: a module of one band-limited waveform (SawOsc, TriangleOsc).
// f = freq * 2^pitch; band-limited with the 4-point PolyBLEP of polyblep.h (two samples of latency).

#include <limits>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/modules/polyblep.h"

namespace mvm::modules {

// One band-limited waveform of blep::Oscillator as a module; Traits names it and picks the shape.
template <class Traits>
class SingleShapeOsc final : public DSPModule {
public:
  enum Inputs { kPitch };
  enum Params { kFreq };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        Traits::kType, "Oscillators", Traits::kDoc,
        {{"pitch", true, "1 V/octave offset applied to freq"}},
        {{"out", true, Traits::kOutDoc}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "base frequency (at pitch 0 V)"}}};
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const double invRate = 1.0 / sampleRate();
    for (int c = 0; c < channels; ++c) {
      const float* pitch = this->in(in, kPitch, c);
      const float* freq = param(in, kFreq, c);
      float* y = DSPModule::out(out, kOut, c);
      // Local copies for the loop: the output pointer could alias members, which would force a
      // store and reload of the state on every sample.
      auto osc = osc_[c];
      Increment inc = increment_[c];
      for (int i = 0; i < kBlockFrames; ++i) {
        // A held note gives the same freq and pitch sample after sample: skip the exp2.
        if (freq[i] != inc.freq || pitch[i] != inc.pitch) {
          inc.freq = freq[i];
          inc.pitch = pitch[i];
          inc.dt = blep::phaseIncrement(math::pitchedHz(freq[i], pitch[i]), invRate);
        }
        float v[4];
        osc.tick(inc.dt, 0.5, 0.0, v);
        y[i] = v[Traits::kOutput];
      }
      osc_[c] = osc;
      increment_[c] = inc;
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const SingleShapeOsc&>(previous);
    for (int c = 0; c < kMaxChannels; ++c) osc_[c] = p.osc_[c];
  }

private:
  // The phase increment of the last (freq, pitch); NaN compares unequal, so the first sample computes it.
  struct Increment {
    float freq = std::numeric_limits<float>::quiet_NaN(), pitch = 0.0f;
    double dt = 0.0;
  };
  blep::Oscillator<Traits::kShape> osc_[kMaxChannels];
  Increment increment_[kMaxChannels];
};

} // namespace mvm::modules
