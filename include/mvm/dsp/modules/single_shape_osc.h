#pragma once
// SingleShapeOsc: a module of one band-limited waveform (SawOsc, TriangleOsc).
// f = freq * 2^pitch; band-limited with the 4-point PolyBLEP of polyblep.h (two samples of latency).

#include <algorithm>
#include <limits>

#include "mvm/core/math.h"
#include "mvm/core/simd.h"
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
    int c = 0;
    if constexpr (Traits::kShape == blep::kSaw)
      for (; c + simd::kLanes <= channels; c += simd::kLanes) sawLanes(in, out, c, invRate);
    for (; c < channels; ++c) {
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

  // Each frame's phase increment; true when freq and pitch hold one value (only dt[0] is written).
  static bool increments(const float* freq, const float* pitch, Increment& inc, double invRate, double* dt) noexcept {
    const bool steady = isSteadyBlock(freq) && isSteadyBlock(pitch);
    for (int i = 0; i < (steady ? 1 : kBlockFrames); ++i) {
      if (freq[i] != inc.freq || pitch[i] != inc.pitch) {
        inc.freq = freq[i];
        inc.pitch = pitch[i];
        inc.dt = blep::phaseIncrement(math::pitchedHz(freq[i], pitch[i]), invRate);
      }
      dt[i] = inc.dt;
    }
    return steady;
  }

  // Four saw channels at once, lane j = channel c0 + j: the per-channel loop above, step for step
  // (the same bits), with each channel's phase in double. A wrap, which needs a PolyBLEP
  // correction, happens once a period: its lanes are corrected one by one.
  void sawLanes(const float** in, float** out, int c0, double invRate) noexcept {
    using simd::f32x4, simd::f64x2;
    constexpr int L = simd::kLanes;
    alignas(16) double dt[L][kBlockFrames];
    bool steady[L], allSteady = true;
    for (int j = 0; j < L; ++j) {
      steady[j] = increments(param(in, kFreq, c0 + j), this->in(in, kPitch, c0 + j), increment_[c0 + j], invRate, dt[j]);
      allSteady = allSteady && steady[j];
    }
    if (!allSteady) // frames read from every row: a steady row holds its value
      for (int j = 0; j < L; ++j)
        if (steady[j])
          for (int i = 1; i < kBlockFrames; ++i) dt[j][i] = dt[j][0];
    f64x2 phase[2];
    float state[4][L]; // prev2, prev1, cur, next of each lane's corrector
    for (int j = 0; j < L; ++j) {
      const auto& o = osc_[c0 + j];
      phase[j / 2][j % 2] = o.phase;
      state[0][j] = o.saw.prev2, state[1][j] = o.saw.prev1, state[2][j] = o.saw.cur, state[3][j] = o.saw.next;
    }
    f32x4 prev2 = simd::load(state[0]), prev1 = simd::load(state[1]), cur = simd::load(state[2]), next = simd::load(state[3]);
    f64x2 d[2] = {{dt[0][0], dt[1][0]}, {dt[2][0], dt[3][0]}};
    alignas(16) f32x4 y[kBlockFrames];
    const auto push = [&](int i, f32x4 naive) {
      y[i] = prev2;
      prev2 = prev1;
      prev1 = cur + naive;
      cur = next;
      next = f32x4{};
    };
    for (int i = 0; i < kBlockFrames; ++i) {
      if (allSteady) {
        // Frames in which no lane can reach 1: the phase is at most 1 - 2 dt short of it by
        // the division below, far more than 64 additions can round away. No wrap, no check.
        int safe = kBlockFrames - i;
        for (int j = 0; j < L; ++j) {
          const double q = (1.0 - phase[j / 2][j % 2]) / d[j / 2][j % 2];
          safe = q < static_cast<double>(safe + 2) ? std::min(safe, static_cast<int>(q) - 2) : safe;
        }
        for (const int end = i + std::max(safe, 0); i < end; ++i) {
          phase[0] = phase[0] + d[0] + 0.0;
          phase[1] = phase[1] + d[1] + 0.0;
          push(i, simd::toFloats(2.0 * phase[0] - 1.0, 2.0 * phase[1] - 1.0));
        }
        if (i == kBlockFrames) break;
      } else {
        d[0] = f64x2{dt[0][i], dt[1][i]}, d[1] = f64x2{dt[2][i], dt[3][i]};
      }
      const f64x2 pb[2] = {phase[0] + d[0], phase[1] + d[1]};
      const simd::i64x2 crossed[2] = {pb[0] >= 1.0, pb[1] >= 1.0};
      if (simd::any(crossed[0] | crossed[1])) [[unlikely]] {
        float r[4][L] = {}; // the residuals of the lanes that wrapped, by tap
        for (int j = 0; j < L; ++j)
          if (crossed[j / 2][j % 2]) {
            const float at = math::clamp(static_cast<float>(1.0 - (0.0 + (1.0 - phase[j / 2][j % 2]) / d[j / 2][j % 2])), 1e-7f, 1.0f);
            float taps[4];
            blep::stepResidual(at, taps);
            for (int t = 0; t < 4; ++t) r[t][j] = -2.0f * taps[t];
          }
        prev2 += simd::load(r[0]), prev1 += simd::load(r[1]), cur += simd::load(r[2]), next += simd::load(r[3]);
      }
      phase[0] = simd::select(crossed[0], pb[0] - 1.0, pb[0] + 0.0); // wrap01 of a phase below 2
      phase[1] = simd::select(crossed[1], pb[1] - 1.0, pb[1] + 0.0);
      push(i, simd::toFloats(2.0 * phase[0] - 1.0, 2.0 * phase[1] - 1.0));
    }
    simd::store(state[0], prev2), simd::store(state[1], prev1), simd::store(state[2], cur), simd::store(state[3], next);
    for (int j = 0; j < L; ++j) {
      auto& o = osc_[c0 + j];
      o.phase = phase[j / 2][j % 2];
      o.saw.prev2 = state[0][j], o.saw.prev1 = state[1][j], o.saw.cur = state[2][j], o.saw.next = state[3][j];
    }
    float* dst[L];
    for (int j = 0; j < L; ++j) dst[j] = DSPModule::out(out, kOut, c0 + j);
    simd::deinterleave(y, dst, kBlockFrames);
  }

  blep::Oscillator<Traits::kShape> osc_[kMaxChannels];
  Increment increment_[kMaxChannels];
};

} // namespace mvm::modules
