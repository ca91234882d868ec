#pragma once
// Waveshaper: memoryless distortion. mode tanh: tanh(drive * x); mode fold: a triangle wavefolder,
// identity for |fold * x| <= 1 and reflected back into [-1, 1] beyond. The shaped signal is
// bounded by 1; mix blends it with the dry input.

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Waveshaper final : public ChannelModule<Waveshaper, Stateless> {
public:
  enum Inputs { kIn };
  enum Params { kMode, kDrive, kFold, kMix };
  enum Outputs { kOut };
  enum Mode { kTanh, kWavefold };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Waveshaper", "Effects", "tanh saturation or triangle wavefolding; shaped output bounded by 1.",
        {{"in", true, "signal"}},
        {{"out", true, "dry * (1 - mix) + shaped * mix"}},
        {{"mode", "", 0.0f, 1.0f, 0.0f, "tanh or fold", 0.0f, {"tanh", "fold"}, false},
         {"drive", "x", 0.1f, 50.0f, 1.0f, "input gain before tanh (tanh mode)"},
         {"fold", "x", 0.1f, 20.0f, 1.0f, "input gain before the folder (fold mode); > 1 folds a unit signal"},
         {"mix", "", 0.0f, 1.0f, 1.0f, "wet proportion"}}};
    return d;
  }

  // Triangle fold: u for |u| <= 1, reflected at +-1 beyond.
  static float fold(float u) noexcept {
    const float t = math::wrap01((u + 1.0f) * 0.25f);
    return 1.0f - 4.0f * std::fabs(t - 0.5f);
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *modeP = ch.sharedParam(kMode), *x = ch.in(kIn), *drive = ch.param(kDrive), *foldP = ch.param(kFold), *mix = ch.param(kMix);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const int mode = math::toIndex(modeP[i] + 0.5f, 0, 1);
      const float shaped = mode == kTanh ? math::tanh(x[i] * math::clamp(drive[i], 0.1f, 50.0f))
                                         : fold(x[i] * math::clamp(foldP[i], 0.1f, 20.0f));
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      y[i] = x[i] * (1.0f - m) + shaped * m;
    }
  }
};

} // namespace mvm::modules
