#pragma once
// Wavetable: a single-cycle wavetable oscillator over six built-in tables — sine, triangle, saw,
// square and two formant-like harmonic spectra — that `morph` crossfades through in order.
// Tables are built once (on the control thread, from prepare()) by additive synthesis with
// mvm::math sines, as mip-maps: level L holds the first 512 >> L harmonics, and each sample
// reads the richest level whose top harmonic stays below Nyquist, crossfaded toward the next
// level as that harmonic nears Nyquist (so sweeps are click-free). Reads interpolate linearly;
// `position` offsets the read phase (phase modulation in cycles).

#include <cmath>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Wavetable final : public ChannelModule<Wavetable, double> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch };
  enum Params { kFreq, kMorph, kPosition };
  enum Outputs { kOut };

  static constexpr int kTables = 6;
  static constexpr int kLevels = 10;     // 512, 256, ... 1 harmonics
  static constexpr int kSize = 4096;     // samples per cycle (power of two)

  struct Tables {
    // [table][level] -> kSize + 1 samples (the last repeats the first, for interpolation)
    std::vector<float> data;
    const float* at(int table, int level) const noexcept {
      return data.data() + (static_cast<std::size_t>(table) * kLevels + static_cast<std::size_t>(level)) * (kSize + 1);
    }
  };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Wavetable", "Oscillators",
        "Band-limited wavetable oscillator morphing through sine, triangle, saw, square and two formant tables.",
        {{"pitch", true, "1 V/octave offset applied to freq"}},
        {{"out", true, "wavetable output, about +-1"}},
        {{"freq", "Hz", 0.01f, 20000.0f, static_cast<float>(math::kC4Hz), "base frequency (at pitch 0 V)"},
         {"morph", "", 0.0f, 1.0f, 0.0f, "table: 0 sine, 0.2 triangle, 0.4 saw, 0.6 square, 0.8 formant A, 1 formant B; crossfades between"},
         {"position", "cycles", 0.0f, 1.0f, 0.0f, "read phase offset within the cycle"}}};
    return d;
  }

  // control thread: the shared tables, built on first use. Deterministic (mvm::math only).
  static const Tables& tables() {
    static const Tables t = build();
    return t;
  }

  void prepare() override { tables_ = &tables(); }

  // phase: of the next frame, in cycles
  void processChannel(const Channel& ch, double& state) noexcept {
    const double invRate = 1.0 / sampleRate();
    const double nyquist = 0.5 * sampleRate();
    const float *pitch = ch.in(kPitch), *freq = ch.param(kFreq), *morph = ch.param(kMorph), *position = ch.param(kPosition);
    float* y = ch.out(kOut);
    double phase = state;
    for (int i = 0; i < kBlockFrames; ++i) {
      const double hz = math::pitchedHz(freq[i], pitch[i]);
      // richest level whose top harmonic is below Nyquist, blended toward the next (half as many
      // harmonics) as its top harmonic nears Nyquist, so sweeps cross levels without a click
      int level = 0;
      while (level < kLevels - 1 && static_cast<double>(512 >> level) * hz > nyquist) ++level;
      const int level2 = level + 1 < kLevels ? level + 1 : level;
      const float rich = static_cast<float>(math::clamp(nyquist / (static_cast<double>(512 >> level) * hz) - 1.0, 0.0, 1.0));
      const float m = math::clamp(morph[i], 0.0f, 1.0f) * static_cast<float>(kTables - 1);
      const int t0 = math::clamp(static_cast<int>(m), 0, kTables - 1);
      const int t1 = t0 + 1 < kTables ? t0 + 1 : t0;
      const float mf = m - static_cast<float>(t0);
      const double p = math::wrap01(phase + math::clamp(static_cast<double>(position[i]), -10.0, 10.0)) * kSize;
      const int j = math::clamp(static_cast<int>(p), 0, kSize - 1);
      const float f = static_cast<float>(p - j);
      const float va = read(t0, level, level2, rich, j, f);
      const float vb = t1 == t0 ? va : read(t1, level, level2, rich, j, f);
      y[i] = va + mf * (vb - va);
      phase = math::wrap01(phase + math::clamp(hz * invRate, 0.0, 0.5));
    }
    state = phase;
  }

private:
  // Table `table` at sample j + f, weight `rich` on `level` and 1 - rich on `level2`.
  float read(int table, int level, int level2, float rich, int j, float f) const noexcept {
    const float* a = tables_->at(table, level);
    const float* b = tables_->at(table, level2);
    const float va = a[j] + f * (a[j + 1] - a[j]);
    const float vb = b[j] + f * (b[j + 1] - b[j]);
    return vb + rich * (va - vb);
  }

  // Amplitude of sine harmonic k (1-based) of a table.
  static double harmonic(int table, int k) {
    const double kd = static_cast<double>(k);
    switch (table) {
    case 0: return k == 1 ? 1.0 : 0.0;                                                       // sine
    case 1: return k % 2 == 1 ? (((k - 1) / 2) % 2 == 0 ? 1.0 : -1.0) * 8.0 / (math::kPi * math::kPi * kd * kd) : 0.0; // triangle
    case 2: return -2.0 / (math::kPi * kd);                                                  // rising saw
    case 3: return k % 2 == 1 ? 4.0 / (math::kPi * kd) : 0.0;                                // square
    case 4: {                                                                                // formant A: peak near harmonic 7
      const double x = (kd - 7.0) / 2.0;
      return 0.3 / kd + math::exp(-0.5 * x * x);
    }
    default: {                                                                               // formant B: peaks near 3 and 11
      const double x = (kd - 3.0) / 1.2, z = (kd - 11.0) / 2.5;
      return 0.2 / kd + math::exp(-0.5 * x * x) + 0.6 * math::exp(-0.5 * z * z);
    }
    }
  }

  static Tables build() {
    Tables t;
    t.data.assign(static_cast<std::size_t>(kTables) * kLevels * (kSize + 1), 0.0f);
    std::vector<double> sine(kSize), acc(kSize);
    for (int n = 0; n < kSize; ++n) sine[static_cast<std::size_t>(n)] = math::sin2pi(static_cast<double>(n) / kSize);
    for (int table = 0; table < kTables; ++table) {
      double scale = 1.0;
      for (int level = 0; level < kLevels; ++level) {
        const int harmonics = 512 >> level;
        for (double& v : acc) v = 0.0;
        for (int k = 1; k <= harmonics; ++k) {
          const double amp = harmonic(table, k);
          if (amp == 0.0) continue;
          for (int n = 0; n < kSize; ++n) acc[static_cast<std::size_t>(n)] += amp * sine[static_cast<std::size_t>((k * n) & (kSize - 1))];
        }
        if (table >= 4 && level == 0) { // formant tables: peak 1 at the richest level, same scale for all levels
          double peak = 0.0;
          for (double v : acc) peak = std::fmax(peak, std::fabs(v));
          scale = peak > 0.0 ? 1.0 / peak : 1.0;
        }
        float* dst = t.data.data() + (static_cast<std::size_t>(table) * kLevels + static_cast<std::size_t>(level)) * (kSize + 1);
        for (int n = 0; n < kSize; ++n) dst[n] = static_cast<float>(acc[static_cast<std::size_t>(n)] * scale);
        dst[kSize] = dst[0];
      }
    }
    return t;
  }

  const Tables* tables_ = nullptr; // shared by every instance, not carried over
};

} // namespace mvm::modules
