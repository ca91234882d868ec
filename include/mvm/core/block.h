#pragma once
// The engine's fixed processing quantum and channel limits (DESIGN.md decisions 1 and 5).

#include <bit>
#include <cstddef>
#include <cstdint>

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
  if (n == kBlockFrames) { // the common case, unrolled: 16 stores, no loop and no memset call
#pragma GCC unroll 16
    for (int i = 0; i < kBlockFrames; i += simd::kLanes) simd::store(p + i, simd::splat(value));
    return;
  }
  int i = 0;
  for (; i + simd::kLanes <= n; i += simd::kLanes) simd::store(p + i, simd::splat(value));
  for (; i < n; ++i) p[i] = value;
}

// y[k] = f(k, a[k], b[k], ...) for the n frames from 0: four frames at a time (f called with
// simd::f32x4, k the first of them) and the rest one by one (f called with float). f is one
// generic body for both, so every frame gets the same bits whichever way it runs; the framework's
// way of writing a block's arithmetic as its math (module_kernel.h does the same across channels).
template <class F, class... In>
inline void mapFrames(float* y, int n, F&& f, const In*... in) noexcept {
  int k = 0;
  for (; k + simd::kLanes <= n; k += simd::kLanes) simd::store(y + k, f(k, simd::load(in + k)...));
  for (; k < n; ++k) y[k] = f(k, in[k]...);
}

// The end of the run of frames from i on whose x[k] >= threshold is the same as x[i]'s: how a
// gate is cut into runs on one side (usually the rest of the block, checked at once).
inline int sameSideRunEnd(const float* x, int i, float threshold) noexcept {
  const bool high = x[i] >= threshold;
  const simd::i32x4 side = simd::maskOf(high);
  if (i == 0) { // the whole block, unrolled: a lane on the other side sets bits in `other`
    simd::i32x4 other = (simd::load(x) >= threshold) ^ side;
#pragma GCC unroll 16
    for (int k = simd::kLanes; k < kBlockFrames; k += simd::kLanes) other |= (simd::load(x + k) >= threshold) ^ side;
    if (!simd::any(other)) return kBlockFrames;
  }
  int end = i + 1;
  for (; end % simd::kLanes != 0 && end < kBlockFrames; ++end)
    if ((x[end] >= threshold) != high) return end;
  simd::i32x4 same = simd::maskOf(true);
  for (int k = end; k < kBlockFrames; k += simd::kLanes) same &= (simd::load(x + k) >= threshold) == side;
  if (simd::all(same)) return kBlockFrames;
  while ((x[end] >= threshold) == high) ++end; // a change lies ahead
  return end;
}

// Whether every frame of one block is surely below `limit` (> 0) in magnitude, for one OR per four
// frames: the OR of the magnitudes' bit patterns is at least each of them, so a yes is exact (a
// NaN or an infinity never passes). A block within the limit may get a no (the bits of 0.3 | 0.2
// exceed 0.4's); a caller then takes its general way. A gate at 0 throughout gets a yes.
inline bool surelyBelow(const float* x, float limit) noexcept {
  simd::i32x4 bits = std::bit_cast<simd::i32x4>(simd::load(x));
#pragma GCC unroll 16
  for (int k = simd::kLanes; k < kBlockFrames; k += simd::kLanes) bits |= std::bit_cast<simd::i32x4>(simd::load(x + k));
  return simd::all((bits & 0x7fffffff) < std::bit_cast<std::int32_t>(limit));
}

// Whether one block of a signal holds a single value: modules take cheaper paths for steady
// parameters and control signals.
inline bool isSteadyBlock(const float* x) noexcept {
  const simd::f32x4 first = simd::splat(x[0]);
  simd::i32x4 differ = simd::load(x) != first; // a NaN differs from everything
#pragma GCC unroll 16
  for (int i = simd::kLanes; i < kBlockFrames; i += simd::kLanes) differ |= simd::load(x + i) != first;
  return !simd::any(differ);
}

// Whether any of `now` differs from what `last` remembers (a NaN always does); `last` then holds
// `now`. How a module works a coefficient out again only when the parameters it depends on move.
template <std::size_t N, class... T>
inline bool moved(float (&last)[N], T... now) noexcept {
  static_assert(sizeof...(T) == N, "one value for each one remembered");
  const float values[N] = {now...};
  bool any = false;
  for (std::size_t k = 0; k < N; ++k) any = any || values[k] != last[k];
  if (any)
    for (std::size_t k = 0; k < N; ++k) last[k] = values[k];
  return any;
}
inline bool moved(float& last, float now) noexcept {
  if (now == last) return false;
  last = now;
  return true;
}

// A gate's rising edges through 0.5 (the engine's gate threshold), frame by frame: the one bool a
// trigger or clock input keeps in a module's State between frames and blocks.
struct RisingEdge {
  bool high = false; // the last frame seen was high

  // Whether x starts a rise; x's side is remembered for the next frame.
  bool rises(float x) noexcept {
    const bool now = x >= 0.5f, rose = now && !high;
    high = now;
    return rose;
  }
};

} // namespace mvm
