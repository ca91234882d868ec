#pragma once
// Neither NaN/Inf nor a runaway level ever reaches the sound card: a block holding a non-finite
// sample, or one beyond kRunawayLevel, is silenced whole and counted (DESIGN.md, real-time rules;
// docs/architecture.md, "Hostile signals").

#include <bit>
#include <cstdint>
#include <cstring>

namespace mvm {

// 1000 full scale (+60 dBFS). Full scale is 1; the largest level a patch makes on purpose is a
// control voltage of +-10 V (or a sum of a few), so nothing legitimate comes near it, while a
// feedback loop that has run away passes it within a few blocks. A finite value this large would
// otherwise clip to a full-scale square at the converter (or reach a float WAV unclipped).
inline constexpr float kRunawayLevel = 1000.0f;

class OutputGuard {
public:
  // audio thread, wait-free. Returns true when the block was silenced.
  bool apply(float* const* channels, int numChannels, int frames) noexcept {
    bool bad = false;
    for (int c = 0; c < numChannels && !bad; ++c)
      for (int i = 0; i < frames; ++i)
        if (runaway(channels[c][i])) { bad = true; break; }
    if (!bad) return false;
    for (int c = 0; c < numChannels; ++c) std::memset(channels[c], 0, sizeof(float) * static_cast<unsigned>(frames));
    ++guardedBlocks_;
    return true;
  }

  // |x| > kRunawayLevel, NaN or infinite, by the bits (the magnitude bits of NaN and Inf are above
  // those of every finite float; immune to -ffinite-math assumptions).
  static bool runaway(float x) noexcept {
    return (std::bit_cast<std::uint32_t>(x) & 0x7fffffffu) > std::bit_cast<std::uint32_t>(kRunawayLevel);
  }

  std::uint64_t guardedBlocks() const noexcept { return guardedBlocks_; }

private:
  std::uint64_t guardedBlocks_ = 0;
};

} // namespace mvm
