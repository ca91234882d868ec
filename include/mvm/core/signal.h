#pragma once
// Multichannel signal blocks: a cable is `channels` consecutive runs of kBlockFrames floats.

#include "mvm/core/block.h"

namespace mvm {

// Channel `c` of a block holding `channels` channels; a mono block broadcasts to every channel
// (the VCV Rack rule for mono cables into polyphonic ports).
inline const float* channelOf(const float* block, int channels, int c) noexcept {
  return block + (channels == 1 ? 0 : c) * kBlockFrames;
}
inline float* channelOf(float* block, int c) noexcept { return block + c * kBlockFrames; }

} // namespace mvm
