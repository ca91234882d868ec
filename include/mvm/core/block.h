#pragma once
// The engine's fixed processing quantum and channel limits (DESIGN.md decisions 1 and 5).

namespace mvm {

// Every module processes exactly this many frames per call; the VM adapts host buffers to it.
inline constexpr int kBlockFrames = 64;
// Polyphonic cables carry 1..kMaxChannels channels (the VCV Rack convention).
inline constexpr int kMaxChannels = 16;
// Channels of the VM's host input and output buses.
inline constexpr int kMaxHostChannels = 16;

} // namespace mvm
