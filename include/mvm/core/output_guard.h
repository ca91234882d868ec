#pragma once
// NaN/Inf never reach the sound card: a block holding a non-finite sample is silenced whole
// and counted (DESIGN.md, real-time rules).

#include <cstdint>
#include <cstring>

#include "mvm/core/math.h"

namespace mvm {

class OutputGuard {
public:
  // audio thread, wait-free. Returns true when the block was silenced.
  bool apply(float* const* channels, int numChannels, int frames) noexcept {
    bool bad = false;
    for (int c = 0; c < numChannels && !bad; ++c)
      for (int i = 0; i < frames; ++i)
        if (!math::isFinite(channels[c][i])) { bad = true; break; }
    if (!bad) return false;
    for (int c = 0; c < numChannels; ++c) std::memset(channels[c], 0, sizeof(float) * static_cast<unsigned>(frames));
    ++guardedBlocks_;
    return true;
  }

  std::uint64_t guardedBlocks() const noexcept { return guardedBlocks_; }

private:
  std::uint64_t guardedBlocks_ = 0;
};

} // namespace mvm
