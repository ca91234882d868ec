#pragma once
// SawOsc: band-limited rising sawtooth oscillator, f = freq * 2^pitch; the BLEP of polyblep.h
// (blep::kLatency samples of latency), each channel's phase in double.

#include <algorithm>
#include <array>

#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/single_shape_osc.h"

namespace mvm::modules {

template <class V>
struct SawOscState {
  simd::DoubleOf<V> phase{};
  std::array<V, blep::kTaps> taps{}; // corrections already due to the block's samples -4 .. 3 (blep::Corrector's ring)
  PhaseIncrement<V> inc;
};

class SawOsc final : public LaneModule<SawOsc, SawOscState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch };
  enum Params { kFreq };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d =
        singleShapeOscDescriptor("SawOsc", "Band-limited sawtooth oscillator; frequency = freq * 2^pitch.", "rising sawtooth, +-1");
    return d;
  }

  // blep::Oscillator<kSaw>::tick, step for step (the same bits), for one channel or four lanes.
  template <class V>
  void processLanes(const Lanes<V>& ch, SawOscState<V>& state) noexcept {
    using D = simd::DoubleOf<V>;
    const double invRate = 1.0 / sampleRate();
    SawOscState<V> s = state;
    const bool steady = ch.steadyParam(kFreq) && ch.steadyIn(kPitch);
    alignas(32) D dt[kBlockFrames];
    if (steady) {
      s.inc.update(ch.firstParam(kFreq), ch.firstIn(kPitch), invRate);
    } else {
      const V *freq = ch.param(kFreq), *pitch = ch.in(kPitch);
      for (int i = 0; i < kBlockFrames; ++i) {
        s.inc.update(freq[i], pitch[i], invRate);
        dt[i] = s.inc.dt;
      }
    }
    // The corrected output's samples -4 .. 67 of this block, summed as blep::Corrector sums them, in
    // its order: frame i adds its naive value at i + 4 and a wrap its residual over i .. i + 7. The
    // output is -4 .. 59; the rest is carried over.
    V acc[blep::kTaps + kBlockFrames];
    for (int t = 0; t < blep::kTaps; ++t) acc[t] = s.taps[static_cast<std::size_t>(t)];
    for (int t = blep::kTaps; t < blep::kTaps + kBlockFrames; ++t) acc[t] = V{};
    D d = s.inc.dt;
    for (int i = 0; i < kBlockFrames; ++i) {
      if (steady) {
        // Frames in which no lane can reach 1: the phase is at most 1 - 2 dt short of it by the
        // division below, far more than 64 additions can round away. No wrap, no check.
        int safe = kBlockFrames - i;
        for (int j = 0; j < simd::kWidth<V>; ++j) {
          const double q = (1.0 - simd::lane(s.phase, j)) / simd::lane(d, j);
          safe = q < static_cast<double>(safe + 2) ? std::min(safe, static_cast<int>(q) - 2) : safe;
        }
        for (const int end = i + std::max(safe, 0); i < end; ++i) {
          s.phase = s.phase + d + 0.0;
          acc[i + blep::kLatency] += simd::toFloat(2.0 * s.phase - 1.0);
        }
        if (i == kBlockFrames) break;
      } else {
        d = dt[i];
      }
      const D pb = s.phase + d;
      const auto crossed = pb >= 1.0;
      if (simd::any(crossed)) [[unlikely]] { // a wrap, once a period: its BLEP correction, lane by lane
        V r[blep::kTaps] = {};
        for (int j = 0; j < simd::kWidth<V>; ++j)
          if (simd::lane(crossed, j)) {
            const double at = 1.0 - (0.0 + (1.0 - simd::lane(s.phase, j)) / simd::lane(d, j));
            float taps[blep::kTaps];
            blep::stepResidual(math::clamp(static_cast<float>(at), 1e-7f, 1.0f), taps);
            for (int t = 0; t < blep::kTaps; ++t) simd::setLane(r[t], j, -2.0f * taps[t]);
          }
        for (int t = 0; t < blep::kTaps; ++t) acc[i + t] += r[t];
      }
      s.phase = simd::select(crossed, pb - 1.0, pb + 0.0); // wrap01 of a phase below 2
      acc[i + blep::kLatency] += simd::toFloat(2.0 * s.phase - 1.0);
    }
    V* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) y[i] = acc[i];
    for (int t = 0; t < blep::kTaps; ++t) s.taps[static_cast<std::size_t>(t)] = acc[kBlockFrames + t];
    state = s;
  }
};

} // namespace mvm::modules
