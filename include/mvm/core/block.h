#pragma once
// The engine's fixed processing quantum and channel limits (DESIGN.md decisions 1 and 5).

#include "mvm/core/simd.h"

namespace mvm {

// Every module processes exactly this many frames per call; the VM adapts host buffers to it.
inline constexpr int kBlockFrames = 64;
// Polyphonic cables carry 1..kMaxChannels channels (the VCV Rack convention).
inline constexpr int kMaxChannels = 16;
// Channels of the VM's host input and output buses.
inline constexpr int kMaxHostChannels = 16;

// dst += amount * src over one block: how cables are summed into an input (the VM's Mix) and
// channels into one. The two never overlap, so the loop vectorises.
inline void mixBlock(float* __restrict dst, const float* __restrict src, float amount) noexcept {
  for (int i = 0; i < kBlockFrames; i += simd::kLanes) simd::store(dst + i, simd::load(dst + i) + amount * simd::load(src + i));
}

// p[0..n) = value, four frames at a time (a plain loop of unknown length is not vectorised at -O2).
inline void fillFrames(float* p, int n, float value) noexcept {
  int i = 0;
  for (; i + simd::kLanes <= n; i += simd::kLanes) simd::store(p + i, simd::splat(value));
  for (; i < n; ++i) p[i] = value;
}

// Whether one block of a signal holds a single value: modules take cheaper paths for steady
// parameters and control signals.
inline bool isSteadyBlock(const float* x) noexcept {
  const simd::f32x4 first = simd::splat(x[0]);
  simd::i32x4 same = simd::load(x) == first;
  for (int i = simd::kLanes; i < kBlockFrames; i += simd::kLanes) same &= simd::load(x + i) == first;
  return simd::all(same);
}

} // namespace mvm
