#pragma once
// A filter's cutoff: its cutoff parameter moved by its 1 V/octave pitch input, in Hz, limited
// to [20 Hz, 20 kHz] and then to [10 Hz, maxHz] (0.49 of the sample rate), frame by frame for
// one channel or four lanes (dsp/module_kernel.h). How SVF and Ladder read their cutoff.

#include "mvm/core/math.h"
#include "mvm/core/simd.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm {

template <class V>
inline V filterCutoffHz(V cutoff, V pitch, float maxHz) noexcept {
  return simd::perLane(
      [maxHz](float c, float p) {
        const float hz = p == 0.0f ? math::clamp(c, 20.0f, 20000.0f) : static_cast<float>(math::pitchedHz(c, p, 20.0, 20000.0));
        return math::clamp(hz, 10.0f, maxHz);
      },
      cutoff, pitch);
}

// hz[i] for the block; `steady`: the caller has found cutoff and pitch steady (one value serves).
template <class V>
inline void filterCutoffs(const Lanes<V>& ch, int cutoffParam, int pitchInput, bool steady, float maxHz, V* hz) noexcept {
  if (steady) {
    const V f = filterCutoffHz(ch.firstParam(cutoffParam), ch.firstIn(pitchInput), maxHz);
    for (int i = 0; i < kBlockFrames; ++i) hz[i] = f;
    return;
  }
  const V* cutoff = ch.param(cutoffParam);
  if (ch.steadyIn(pitchInput) && simd::all(ch.firstIn(pitchInput) == 0.0f)) { // the usual case: a plain clamp
    for (int i = 0; i < kBlockFrames; ++i) hz[i] = simd::clamp(simd::clamp(cutoff[i], 20.0f, 20000.0f), 10.0f, maxHz);
    return;
  }
  const V* pitch = ch.in(pitchInput);
  for (int i = 0; i < kBlockFrames; ++i) hz[i] = filterCutoffHz(cutoff[i], pitch[i], maxHz);
}

} // namespace mvm
