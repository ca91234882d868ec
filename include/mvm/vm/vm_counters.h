#pragma once
// What the VM counts: written by the audio thread, readable from any thread.

#include <atomic>
#include <cstdint>

namespace mvm {

// A snapshot of the event counters, for status lines: what was accepted but late, and what was lost.
struct EventTally {
  std::uint64_t late = 0, carried = 0, unmatched = 0, rejected = 0, dropped = 0;
  std::uint64_t lost() const noexcept { return rejected + dropped; }
};

struct VMCounters {
  std::atomic<std::uint64_t> blocks{0};
  std::atomic<std::uint64_t> guardedBlocks{0};
  std::atomic<std::uint64_t> lateEvents{0};      // applied after their frame, at a block start: arrived late,
                                                 // or carried over from a block that had no room left
  std::atomic<std::uint64_t> carriedEvents{0};   // of those, carried over (each counted once)
  std::atomic<std::uint64_t> droppedEvents{0};   // accepted, then discarded: none (carry-over); kept for status readers
  std::atomic<std::uint64_t> unmatchedEvents{0}; // parameter events for no parameter of the program
  std::atomic<std::uint64_t> rejectedEvents{0};  // postEvent found the queue full: the events lost
  std::atomic<std::uint64_t> swaps{0};
  std::atomic<std::uint64_t> deferredSwaps{0};   // blocks where a pending swap waited (fade running, retire queue full)
  std::atomic<std::uint64_t> generation{0};      // generation of the program being run
  std::atomic<int> activeVoices{0};              // voices held by the running program's VoiceControllers

  // any thread
  EventTally eventTally() const noexcept {
    EventTally t;
    t.late = lateEvents.load(std::memory_order_relaxed);
    t.carried = carriedEvents.load(std::memory_order_relaxed);
    t.unmatched = unmatchedEvents.load(std::memory_order_relaxed);
    t.rejected = rejectedEvents.load(std::memory_order_relaxed);
    t.dropped = droppedEvents.load(std::memory_order_relaxed);
    return t;
  }
};

} // namespace mvm
