#pragma once
// Deterministic noise source for DSP: xoshiro128+ seeded per module (DESIGN.md decision 9).

#include <cstdint>

#include "mvm/core/hash.h"

namespace mvm {

class Random {
public:
  explicit Random(std::uint64_t seed = 1) noexcept { reseed(seed); }

  void reseed(std::uint64_t seed) noexcept {
    std::uint64_t a = mixSeed(seed), b = mixSeed(a);
    s_[0] = static_cast<std::uint32_t>(a);
    s_[1] = static_cast<std::uint32_t>(a >> 32);
    s_[2] = static_cast<std::uint32_t>(b);
    s_[3] = static_cast<std::uint32_t>(b >> 32) | 1u;
  }

  // audio thread, wait-free
  std::uint32_t next() noexcept {
    const std::uint32_t result = s_[0] + s_[3];
    const std::uint32_t t = s_[1] << 9;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = (s_[3] << 11) | (s_[3] >> 21);
    return result;
  }
  // Uniform in [0, 1) with 24 bits of resolution (exact in float).
  float uniform() noexcept { return static_cast<float>(next() >> 8) * (1.0f / 16777216.0f); }
  // Uniform in [-1, 1).
  float bipolar() noexcept { return uniform() * 2.0f - 1.0f; }

private:
  std::uint32_t s_[4]{};
};

} // namespace mvm
