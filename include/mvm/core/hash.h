#pragma once
// Stable 64-bit keys for ids and names, computed off the audio thread so that events can
// address modules and parameters there by number (FNV-1a: stable across builds and runs).

#include <cstdint>
#include <string_view>

namespace mvm {

constexpr std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull) noexcept {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// SplitMix64 finaliser: spreads a seed so that neighbouring seeds give unrelated streams.
constexpr std::uint64_t mixSeed(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

} // namespace mvm
