#pragma once
// The audio-thread probe: this test harness replaces the global allocation functions (and, outside
// sanitizer builds, malloc/free, the pthread locking calls and the blocking system calls) and
// counts every call made while mvm::onAudioThread() is true, i.e. inside VM::process. (Under ASan
// and TSan, whose runtimes own operator new, it counts allocations through the sanitizer's
// malloc/free hooks; locks and system calls are left to the sanitizers there.) Every test
// executable runs with a listener (test_main.cpp) that fails any test leaving a count above 0:
// a test that provokes a call on purpose asserts it and then calls resetRtCounts().

#include <cstdint>
#include <string>

namespace mvm::test {

struct RtCounts {
  std::uint64_t allocations = 0;   // operator new / malloc / calloc / realloc
  std::uint64_t deallocations = 0; // operator delete / free
  std::uint64_t locks = 0;         // pthread mutex lock / trylock / timedlock, rwlock, semaphore and condition waits
  std::uint64_t blockingCalls = 0; // sleeps; read/write/send/recv/poll on files or sockets; open
  std::uint64_t total() const { return allocations + deallocations + locks + blockingCalls; }
};

// any thread: counts since the last reset (all threads' audio-thread calls)
RtCounts rtCounts();
void resetRtCounts();
// The first lock or blocking call counted since the last reset ("pthread_mutex_lock", "write", …),
// empty when none.
std::string firstRtViolation();
// True when locks and system calls are counted (not in sanitizer builds: the sanitizers intercept them).
bool rtProbeCountsSystemCalls();

} // namespace mvm::test
