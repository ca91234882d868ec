#pragma once
// The engine's fixed processing quantum and channel limits (DESIGN.md decisions 1 and 5).

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
  for (int i = 0; i < kBlockFrames; ++i) dst[i] += amount * src[i];
}

// Whether one block of a signal holds a single value: modules take cheaper paths for steady
// parameters and control signals.
inline bool isSteadyBlock(const float* x) noexcept {
  for (int i = 1; i < kBlockFrames; ++i)
    if (x[i] != x[0]) return false;
  return true;
}

} // namespace mvm
