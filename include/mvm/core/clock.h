#pragma once
// The engine's clock for latency stamps: steady-clock nanoseconds (swap reports, MIDI and OSC
// arrival times, the live callback's load).

#include <chrono>
#include <cstdint>

namespace mvm {

// any thread, wait-free
inline std::uint64_t steadyNowNs() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

} // namespace mvm
