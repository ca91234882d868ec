#pragma once
// Plate: Dattorro's plate reverb (J. Dattorro, "Effect Design Part 1", JAES 1997), his lengths
// at 29761 Hz scaled to the rate. Per input side: pre-delay, bandwidth low-pass, four diffusing
// all-passes; then the figure-eight tank, two halves of modulated all-pass, delay, damping
// low-pass, all-pass, delay, each feeding the other, and his output taps. The left input feeds
// the half whose first tap is on the left, the right input the other (right unconnected: the
// left feeds both, his mono plate). Decay is an RT60: every frame of delay in the tank loses the
// same factor (updateCoefficients). Two 1 Hz LFOs in quadrature sweep the tank's first
// all-passes, so its modes move instead of ringing, read through the all-pass interpolator,
// which keeps the loop's gain at every fractional delay. Polyphonic inputs are summed; outputs
// are one stereo pair.

#include <cmath>
#include <cstddef>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

class Plate final : public DSPModule {
public:
  enum Inputs { kLeft, kRight };
  enum Params { kDecay, kPredelay, kDamping, kBandwidth, kMod, kMix, kWidth };
  enum Outputs { kOutLeft, kOutRight };
  static constexpr float kMaxPredelay = 0.5f;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Plate", "Effects", "Dattorro plate reverb: stereo in and out, decay as RT60, pre-delay, modulated tank; polyphonic inputs are summed.",
        {{"left", true, "left input (both sides when right is unconnected)"}, {"right", true, "right input"}},
        {{"left", false, "left output"}, {"right", false, "right output"}},
        {{"decay", "s", 0.1f, 30.0f, 2.5f, "RT60: time the tail takes to fall by 60 dB (damping shortens it for the highs)", 5.0f, {}, false},
         {"predelay", "s", 0.0f, kMaxPredelay, 0.02f, "delay before the reverb starts (rounded to whole frames)", 5.0f, {}, false},
         {"damping", "", 0.0f, 1.0f, 0.4f, "high-frequency damping in the tank (0: none, 1: low-pass at 1 kHz)", 5.0f, {}, false},
         {"bandwidth", "", 0.0f, 1.0f, 1.0f, "input bandwidth (1: full, 0: low-pass at 1 kHz)", 5.0f, {}, false},
         {"mod", "", 0.0f, 1.0f, 0.5f, "depth of the tank's modulation (1: Dattorro's 16 samples at 29761 Hz)", 5.0f, {}, false},
         {"mix", "", 0.0f, 1.0f, 0.3f, "wet proportion", 5.0f, {}, false},
         {"width", "", 0.0f, 1.0f, 1.0f, "stereo width of the wet signal", 5.0f, {}, false}}};
    return d;
  }

  void prepare() override {
    for (int k = 0; k < kLines; ++k) lines_[k].allocate(1, lineLength(k));
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) tankLength_[h][s] = scaled(kTank[h][s]);
      for (int t = 0; t < kTaps; ++t) tapAt_[h][t] = scaled(kTap[h][t].at);
    }
    excursion_ = static_cast<float>(kExcursion * sampleRate() / kDattorroRate);
  }

  PreparedMemory preparedMemory() const override {
    std::size_t floats = 0;
    for (int k = 0; k < kLines; ++k) floats += static_cast<std::size_t>(lineLength(k));
    return {sizeof(float) * floats, "pre-delay, diffuser and tank lines"};
  }

  void process(const float** in, float** out) override {
    const bool stereo = isInputConnected(kRight);
    const int chL = inputChannels(kLeft), chR = inputChannels(stereo ? kRight : kLeft);
    const float* p[kWidth + 1];
    for (int k = 0; k <= kWidth; ++k) p[k] = param(in, k, 0);
    float* y[2] = {DSPModule::out(out, kOutLeft, 0), DSPModule::out(out, kOutRight, 0)};
    const float rate = static_cast<float>(sampleRate());
    const int maxPredelay = lines_[kPredelayLine].length() - 1;
    for (int i = 0; i < kBlockFrames; ++i) {
      float x[2] = {0.0f, 0.0f};
      for (int c = 0; c < chL; ++c) x[0] += in[kLeft][c * kBlockFrames + i];
      for (int c = 0; c < chR; ++c) x[1] += in[stereo ? kRight : kLeft][c * kBlockFrames + i];
      updateCoefficients(p[kDecay][i], p[kDamping][i], p[kBandwidth][i], rate);
      const int predelay = math::toIndex(math::clamp(p[kPredelay][i], 0.0f, kMaxPredelay) * rate + 0.5f, 0, maxPredelay - 1);
      const float depth = math::clamp(p[kMod][i], 0.0f, 1.0f) * excursion_;
      const float m = math::clamp(p[kMix][i], 0.0f, 1.0f);
      const float w = math::clamp(p[kWidth][i], 0.0f, 1.0f);
      // The taps and the ends of both halves, read before this frame writes any line.
      float wet[2];
      for (int side = 0; side < 2; ++side) {
        wet[side] = 0.0f;
        for (int t = 0; t < kTaps; ++t) wet[side] += tapGain_[side][t] * tank(kTap[side][t].half, kTap[side][t].stage).at(0, tapAt_[side][t]);
      }
      const float ends[2] = {tank(0, 3).oldest(0), tank(1, 3).oldest(0)};
      const float lfo[2] = {math::sin2pi(lfoPhase_), math::cos2pi(lfoPhase_)};
      lfoPhase_ = math::wrap01(lfoPhase_ + kModHz / rate);
      for (int h = 0; h < 2; ++h) {
        // Input side h: limited, so that no input can overflow the lines (NaN enters as 0).
        DelayLines& pre = lines_[kPredelayLine + h];
        pre.write(0, math::limit(x[h], math::kMaxSignal));
        float& band = state_[kBandwidthState + h];
        band = pre.at(0, predelay + 1) * (1.0f - bandwidth_) + band * bandwidth_;
        float v = band;
        for (int k = 0; k < kDiffusers; ++k) {
          DelayLines& diffuser = lines_[kDiffuserLine + h * kDiffusers + k];
          v = schroeder(diffuser, diffuser.oldest(0), v, kDiffusion[k]);
        }
        // Tank half h, fed by side h and the end of the other half.
        DelayLines& mod = tank(h, 0);
        const float swept = mod.readAllpass(0, static_cast<float>(tankLength_[h][0]) + depth * lfo[h], state_[kModState + h]);
        v = schroeder(mod, swept * loss_[h][0], v + ends[1 - h] * loss_[1 - h][3], -kDecayDiffusion1);
        const float delayed = tank(h, 1).oldest(0) * loss_[h][1];
        tank(h, 1).write(0, v);
        float& lowpass = state_[kDampingState + h];
        lowpass = delayed * (1.0f - damp_) + lowpass * damp_;
        tank(h, 3).write(0, schroeder(tank(h, 2), tank(h, 2).oldest(0) * loss_[h][2], lowpass, kDecayDiffusion2));
      }
      const float wet1 = m * (w * 0.5f + 0.5f), wet2 = m * ((1.0f - w) * 0.5f);
      y[0][i] = wet[0] * wet1 + wet[1] * wet2 + x[0] * (1.0f - m);
      y[1][i] = wet[1] * wet1 + wet[0] * wet2 + x[1] * (1.0f - m);
    }
    recoverStates(state_, kStates); // the phase needs none: wrap01 restarts a NaN at 0
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const Plate&>(previous);
    for (int k = 0; k < kLines; ++k) lines_[k].copyFrom(p.lines_[k]);
    for (int k = 0; k < kStates; ++k) state_[k] = p.state_[k];
    lfoPhase_ = p.lfoPhase_;
  }

private:
  static constexpr double kDattorroRate = 29761.0;
  static constexpr int kDiffusers = 4;
  static constexpr int kDiffuserLength[kDiffusers] = {142, 107, 379, 277};
  static constexpr float kDiffusion[kDiffusers] = {0.75f, 0.75f, 0.625f, 0.625f};
  // Per half: modulated all-pass, delay, all-pass, delay. Half 0, fed by the left input, is the
  // one Dattorro draws on the right (908): its first tap is on the left output; half 1 his left.
  static constexpr int kTank[2][4] = {{908, 4217, 2656, 3163}, {672, 4453, 1800, 3720}};
  static constexpr float kDecayDiffusion1 = 0.7f;
  static constexpr float kDecayDiffusion2 = 0.5f;
  static constexpr double kExcursion = 16.0;
  static constexpr float kModHz = 1.0f;
  static constexpr float kTapGain = 0.6f;
  static constexpr float kDarkestHz = 1000.0f;
  // Dattorro's output taps: per output, the half, the line (stage), the distance at 29761 Hz and the sign.
  struct Tap {
    int half, stage, at;
    float sign;
  };
  static constexpr int kTaps = 7;
  static constexpr Tap kTap[2][kTaps] = {
      {{0, 1, 266, 1}, {0, 1, 2974, 1}, {0, 2, 1913, -1}, {0, 3, 1996, 1}, {1, 1, 1990, -1}, {1, 2, 187, -1}, {1, 3, 1066, -1}},
      {{1, 1, 353, 1}, {1, 1, 3627, 1}, {1, 2, 1228, -1}, {1, 3, 2673, 1}, {0, 1, 2111, -1}, {0, 2, 335, -1}, {0, 3, 121, -1}}};
  // Lines: two pre-delays, 2 x 4 diffusers, 2 x 4 tank lines.
  static constexpr int kPredelayLine = 0, kDiffuserLine = 2, kTankLine = 2 + 2 * kDiffusers, kLines = kTankLine + 8;
  // Filter states: the bandwidth and damping low-passes and the modulated reads' interpolators, per side.
  static constexpr int kBandwidthState = 0, kDampingState = 2, kModState = 4, kStates = 6;

  int scaled(int samplesAt29761) const noexcept {
    const long n = std::lround(samplesAt29761 * sampleRate() / kDattorroRate);
    return n < 1 ? 1 : static_cast<int>(n);
  }

  int lineLength(int k) const noexcept {
    if (k < kDiffuserLine) return static_cast<int>(std::ceil(kMaxPredelay * sampleRate())) + 2;
    if (k < kTankLine) return scaled(kDiffuserLength[(k - kDiffuserLine) % kDiffusers]);
    const int half = (k - kTankLine) / 4, stage = (k - kTankLine) % 4;
    const int excursion = static_cast<int>(std::ceil(kExcursion * sampleRate() / kDattorroRate));
    return scaled(kTank[half][stage]) + (stage == 0 ? excursion + 2 : 0); // room for the sweep
  }

  DelayLines& tank(int half, int stage) noexcept { return lines_[kTankLine + half * 4 + stage]; }

  // A Schroeder all-pass: d, read from its line, delayed; w = x + g d written; y = d - g w. (The
  // tank's first all-passes have Dattorro's opposite sign: g = -0.7.)
  static float schroeder(DelayLines& line, float d, float x, float g) noexcept {
    const float w = x + g * d;
    line.write(0, w);
    return d - g * w;
  }

  // The pole of a one-pole low-pass whose cutoff falls from far above the audio band (amount 0:
  // pole 0, no filtering) to kDarkestHz (amount 1) as 1 / amount^2, the same at any sample rate.
  static float lowpassPole(float amount, float rate) noexcept {
    return math::exp(-static_cast<float>(math::kTwoPi) * kDarkestHz / (amount * amount * rate + 1e-9f));
  }

  // The losses and poles, recomputed only when a parameter moves (exp2 is the costly part of a
  // frame). Each tank line of n frames loses 10^(-3 n / (fs RT60)) at its end, the all-passes'
  // own lines included, and a tap n frames into a line its n frames' share: every frame of delay
  // in the tank loses the same factor r, so the tank is the lossless one at z / r and every mode
  // falls 60 dB in RT60. (Losses only at the ends of the halves left the energy circling inside
  // the all-passes undamped: 0.70 s measured for 0.5 s set; taps without theirs, 0.44 s.)
  void updateCoefficients(float decay, float damping, float bandwidth, float rate) noexcept {
    if (damping != dampingSet_) damp_ = lowpassPole(math::clamp(damping, 0.0f, 1.0f), rate);
    if (bandwidth != bandwidthSet_) bandwidth_ = lowpassPole(1.0f - math::clamp(bandwidth, 0.0f, 1.0f), rate);
    dampingSet_ = damping, bandwidthSet_ = bandwidth;
    if (decay == decaySet_) return;
    decaySet_ = decay;
    const float perFrame = -3.0f * 3.32192809f / (rate * math::clamp(decay, 0.1f, 30.0f)); // log2 of the loss a frame
    for (int h = 0; h < 2; ++h)
      for (int s = 0; s < 4; ++s) loss_[h][s] = math::exp2(perFrame * static_cast<float>(tankLength_[h][s]));
    for (int side = 0; side < 2; ++side)
      for (int t = 0; t < kTaps; ++t) tapGain_[side][t] = kTap[side][t].sign * kTapGain * math::exp2(perFrame * static_cast<float>(tapAt_[side][t]));
  }

  DelayLines lines_[kLines];
  float state_[kStates] = {};
  float lfoPhase_ = 0.0f;
  float excursion_ = 0.0f, loss_[2][4] = {}, damp_ = 0.0f, bandwidth_ = 0.0f;
  float decaySet_ = -1.0f, dampingSet_ = -1.0f, bandwidthSet_ = -1.0f; // the values the coefficients are for
  int tankLength_[2][4] = {}, tapAt_[2][kTaps] = {};
  float tapGain_[2][kTaps] = {};
};

} // namespace mvm::modules
