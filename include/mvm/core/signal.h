#pragma once
// Multichannel signal blocks: a cable is `channels` consecutive runs of kBlockFrames floats.

#include "mvm/core/block.h"

namespace mvm {

// What a polyphonic port reads on a channel its cable does not carry.
alignas(64) inline constexpr float kSilentBlock[kBlockFrames] = {};

// Channel `c` of a block holding `channels` channels. A mono block broadcasts to every channel,
// and a channel beyond a polyphonic block's reads silence (VCV Rack's rules: a mono cable feeds
// every voice; a port's channels above its cable's count read 0 V). Reading on into the memory
// after the block instead made a module's output depend on the buffer layout.
inline const float* channelOf(const float* block, int channels, int c) noexcept {
  return channels == 1 ? block : c < channels ? block + c * kBlockFrames : kSilentBlock;
}
inline float* channelOf(float* block, int c) noexcept { return block + c * kBlockFrames; }

} // namespace mvm
