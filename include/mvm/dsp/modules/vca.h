#pragma once
// VCA: out = in * level * g(cv). An unconnected cv input reads as 1 (the VCA is open, so level
// alone sets the gain). Linear response: g = cv (not clamped: a negative cv inverts, so the VCA
// doubles as a ring modulator). Exponential response, a 60 dB audio taper:
//   g = (10^(3 (x - 1)) - 10^-3) / (1 - 10^-3),  x = clamp(cv, 0, 1),
// so g(1) = 1 (0 dB), g(0.5) = -30.3 dB, g(0) = 0 exactly; computed as 2^(3 log2(10) (x - 1)).

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class VCA final : public DSPModule {
public:
  enum Inputs { kIn, kCv };
  enum Params { kLevel, kResponse };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "VCA", "Utilities", "Voltage-controlled amplifier: in * level * response(cv), linear or 60 dB exponential.",
        {{"in", true, "signal"},
         {"cv", true, "gain control, nominally 0..1; reads as 1 when unconnected"}},
        {{"out", true, "in * level * g(cv)"}},
        {{"level", "x", 0.0f, 2.0f, 1.0f, "gain at cv = 1"},
         {"response", "", 0.0f, 1.0f, 0.0f, "linear: g = cv; exponential: 60 dB taper of clamp(cv, 0, 1)", 0.0f,
          {"linear", "exponential"}, false}}};
    return d;
  }

  // The exponential response curve (exposed for tests and docs).
  static float exponentialGain(float cv) noexcept {
    const float x = math::clamp(cv, 0.0f, 1.0f);
    constexpr float k3Log2Ten = 9.965784284662087f; // 3 * log2(10): 60 dB over the cv range
    constexpr float kFloor = 0.001f;
    if (x <= 0.0f) return 0.0f; // exactly closed
    return std::fmax(0.0f, (math::exp2(k3Log2Ten * (x - 1.0f)) - kFloor) * (1.0f / (1.0f - kFloor)));
  }

  // cv = 0 gives g = 0 in both responses: a voice's amplifier is what it is heard through.
  int silencingInput() const noexcept override { return isInputConnected(kCv) ? kCv : -1; }

  void process(const float** in, float** out) override {
    const int channels = outputChannels(kOut);
    const bool hasCv = isInputConnected(kCv);
    const float* response = param(in, kResponse, 0);
    const bool linear = !hasCv || (isSteadyBlock(response) && response[0] < 0.5f);
    for (int c = 0; c < channels; ++c) {
      if (!isChannelActive(c)) { // its cv is zero all block (a silent voice): so is the output
        silenceChannel(out, c);
        continue;
      }
      const float* x = this->in(in, kIn, c);
      const float* cv = this->in(in, kCv, c);
      const float* level = param(in, kLevel, c);
      float* y = DSPModule::out(out, kOut, c);
      if (linear) { // the common case, four frames at a time; an unconnected cv reads as 1
        if (hasCv) mapFrames(y, kBlockFrames, [](int, auto v, auto l, auto g) { return v * l * g; }, x, level, cv);
        else mapFrames(y, kBlockFrames, [](int, auto v, auto l) { return v * l; }, x, level);
        continue;
      }
      for (int i = 0; i < kBlockFrames; ++i) {
        float g = 1.0f;
        if (hasCv) g = response[i] >= 0.5f ? exponentialGain(cv[i]) : cv[i];
        y[i] = x[i] * level[i] * g;
      }
    }
  }
};

} // namespace mvm::modules
