#pragma once
// The audio-thread probe: this test harness replaces the global allocation functions (and, outside
// sanitizer builds, malloc/free) and counts every call made while mvm::onAudioThread() is true,
// i.e. inside VM::process. Tests assert the counts stay 0.

#include <cstdint>

namespace mvm::test {

struct RtCounts {
  std::uint64_t allocations = 0;   // operator new / malloc / calloc / realloc
  std::uint64_t deallocations = 0; // operator delete / free
};

// any thread: counts since the last reset (all threads' audio-thread calls)
RtCounts rtCounts();
void resetRtCounts();

} // namespace mvm::test
