#pragma once
// What the audio thread reports about each swap, through a queue the control side reads.

#include <cstdint>

namespace mvm {

struct SwapStatus {
  enum class Kind : std::uint8_t { FirstBlock, FadeDone };
  Kind kind = Kind::FirstBlock;
  std::uint64_t generation = 0;
  std::uint64_t frame = 0;       // FirstBlock: the swap's block boundary; FadeDone: the frame the fade ended
  std::uint64_t ns = 0;          // steady-clock time at that block
};

} // namespace mvm
