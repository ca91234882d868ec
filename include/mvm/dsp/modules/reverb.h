#pragma once
// Reverb: Freeverb (Jezar's public-domain design). Per side 8 parallel damped feedback combs
// into 4 series allpasses, the standard tunings (at 44.1 kHz) scaled to the sample rate, the
// right side's lines 23 samples longer. Polyphonic inputs are summed; outputs are one stereo pair.
// For decay in seconds, pre-delay, stereo input and a modulated (not metallic) tail, use Plate.

#include <cmath>
#include <cstddef>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

class Reverb final : public DSPModule {
public:
  enum Inputs { kLeft, kRight };
  enum Params { kSize, kDamping, kMix, kWidth };
  enum Outputs { kOutLeft, kOutRight };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Reverb", "Effects", "Freeverb stereo reverb (8 combs + 4 allpasses per side); polyphonic inputs are summed. Plate is the modulated one with decay in seconds, pre-delay and stereo input.",
        {{"left", true, "left input (both sides when right is unconnected)"}, {"right", true, "right input"}},
        {{"left", false, "left output"}, {"right", false, "right output"}},
        {{"size", "", 0.0f, 1.0f, 0.5f, "room size: comb feedback 0.7..0.98", 5.0f, {}, false},
         {"damping", "", 0.0f, 1.0f, 0.5f, "high-frequency damping in the combs", 5.0f, {}, false},
         {"mix", "", 0.0f, 1.0f, 0.3f, "wet proportion", 5.0f, {}, false},
         {"width", "", 0.0f, 1.0f, 1.0f, "stereo width of the wet signal", 5.0f, {}, false}}};
    return d;
  }

  void prepare() override {
    const double scale = sampleRate() / 44100.0;
    for (int side = 0; side < 2; ++side) {
      for (int k = 0; k < kCombs; ++k) comb_[side][k].allocate(1, length(kCombTuning[k] + side * kSpread, scale));
      for (int k = 0; k < kAllpasses; ++k) ap_[side][k].allocate(1, length(kAllpassTuning[k] + side * kSpread, scale));
    }
  }

  PreparedMemory preparedMemory() const override { return {sizeof(float) * totalLength(), "comb and all-pass lines"}; }

  void process(const float** in, float** out) override {
    const bool stereo = isInputConnected(kRight);
    const int chL = inputChannels(kLeft), chR = inputChannels(stereo ? kRight : kLeft);
    const float* size = param(in, kSize, 0);
    const float* damping = param(in, kDamping, 0);
    const float* mix = param(in, kMix, 0);
    const float* width = param(in, kWidth, 0);
    float* yl = DSPModule::out(out, kOutLeft, 0);
    float* yr = DSPModule::out(out, kOutRight, 0);
    for (int i = 0; i < kBlockFrames; ++i) {
      float xl = 0.0f, xr = 0.0f;
      for (int c = 0; c < chL; ++c) xl += in[kLeft][c * kBlockFrames + i];
      for (int c = 0; c < chR; ++c) xr += in[stereo ? kRight : kLeft][c * kBlockFrames + i];
      const float feedback = math::clamp(size[i], 0.0f, 1.0f) * 0.28f + 0.7f;
      const float damp = math::clamp(damping[i], 0.0f, 1.0f) * 0.4f;
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      const float w = math::clamp(width[i], 0.0f, 1.0f);
      // Limited, so that no input can overflow the combs' sums (NaN enters as 0).
      const float input = math::limit(xl + xr, math::kMaxSignal) * kFixedGain;
      float wet[2];
      for (int side = 0; side < 2; ++side) {
        float acc = 0.0f;
        for (int k = 0; k < kCombs; ++k) {
          DelayLines& line = comb_[side][k];
          const float o = line.oldest(0);
          float& store = combStore_[side][k];
          store = o * (1.0f - damp) + store * damp;
          line.write(0, input + store * feedback);
          acc += o;
        }
        for (int k = 0; k < kAllpasses; ++k) {
          DelayLines& line = ap_[side][k];
          const float b = line.oldest(0);
          line.write(0, acc + b * 0.5f);
          acc = b - acc;
        }
        wet[side] = acc;
      }
      const float wet1 = m * kWetScale * (w * 0.5f + 0.5f);
      const float wet2 = m * kWetScale * ((1.0f - w) * 0.5f);
      yl[i] = wet[0] * wet1 + wet[1] * wet2 + xl * (1.0f - m);
      yr[i] = wet[1] * wet1 + wet[0] * wet2 + xr * (1.0f - m);
    }
    recoverStates(&combStore_[0][0], 2 * kCombs);
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Reverb&>(previous);
    for (int side = 0; side < 2; ++side) {
      for (int k = 0; k < kCombs; ++k) {
        comb_[side][k].copyFrom(p.comb_[side][k]);
        combStore_[side][k] = p.combStore_[side][k];
      }
      for (int k = 0; k < kAllpasses; ++k) ap_[side][k].copyFrom(p.ap_[side][k]);
    }
  }

private:
  static constexpr int kCombs = 8;
  static constexpr int kAllpasses = 4;
  static constexpr int kSpread = 23;
  static constexpr int kCombTuning[kCombs] = {1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
  static constexpr int kAllpassTuning[kAllpasses] = {556, 441, 341, 225};
  static constexpr float kFixedGain = 0.015f;
  static constexpr float kWetScale = 3.0f;

  // Every line's length, summed: the floats prepare() allocates.
  std::size_t totalLength() const noexcept {
    const double scale = sampleRate() / 44100.0;
    std::size_t total = 0;
    for (int side = 0; side < 2; ++side) {
      for (int k = 0; k < kCombs; ++k) total += static_cast<std::size_t>(length(kCombTuning[k] + side * kSpread, scale));
      for (int k = 0; k < kAllpasses; ++k) total += static_cast<std::size_t>(length(kAllpassTuning[k] + side * kSpread, scale));
    }
    return total;
  }

  static int length(int samplesAt44k, double scale) noexcept {
    const int n = static_cast<int>(std::lround(static_cast<double>(samplesAt44k) * scale));
    return n < 1 ? 1 : n;
  }

  DelayLines comb_[2][kCombs];
  DelayLines ap_[2][kAllpasses];
  float combStore_[2][kCombs] = {};
};

} // namespace mvm::modules
