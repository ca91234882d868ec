#pragma once
// The events waiting for their block (audio thread only). What arrives through the VM's queue
// waits in a buffer kept as a binary min-heap on (frame, arrival): O(log n) per event in any
// arrival order (an insertion sort cost O(n) per event arriving out of order, so events in
// reverse time order were quadratic), the same order as a stable sort by frame. Each block takes
// the events due in it, in that order, split into notes and parameter sets. Nothing accepted is
// dropped: when a kind's list is full the block takes nothing more, and the rest applies at the
// start of the next block with room (late), in order.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "mvm/core/block.h"
#include "mvm/core/event.h"
#include "mvm/vm/vm_counters.h"

namespace mvm {

class PendingEvents {
public:
  static constexpr std::size_t kCapacity = 4096;      // events waiting
  static constexpr std::size_t kBlockCapacity = 1024; // events of one kind a block takes

  // audio thread: moves what `queue` holds into the buffer (while there is room), then takes the
  // events due in the block starting at absolute frame `start`; `applied(e)` sees each taken event
  // in order, as the block has it (e.frame relative to `start`). Late ones are counted in `counters`.
  template <class Queue, class Applied>
  void gather(Queue& queue, std::uint64_t start, VMCounters& counters, Applied&& applied) noexcept {
    Event e;
    const std::uint64_t end = start + kBlockFrames;
    const std::uint64_t arrivedBefore = arrivals_; // pending before this block: carried if due earlier
    while (count_ < kCapacity && queue.tryPop(e)) {
      if (e.frame == kFrameNow) e.frame = start; // live control: this block, not late
      push(e);
    }
    noteCount_ = paramCount_ = 0;
    while (count_ > 0 && heap_[0].event.frame < end) {
      const bool param = heap_[0].event.type == EventType::ParamSet;
      if ((param ? paramCount_ : noteCount_) == kBlockCapacity) break;
      const Pending p = pop();
      Event ev = p.event;
      if (ev.frame < start) {
        counters.lateEvents.fetch_add(1, std::memory_order_relaxed);
        if (p.arrival < arrivedBefore) counters.carriedEvents.fetch_add(1, std::memory_order_relaxed);
        ev.frame = 0;
      } else {
        ev.frame -= start;
      }
      (param ? paramEvents_[paramCount_++] : noteEvents_[noteCount_++]) = ev;
      applied(ev);
    }
  }

  // audio thread: the block's events (frames relative to the block), in frame order
  std::span<const Event> notes() const noexcept { return {noteEvents_, noteCount_}; }
  std::span<const Event> params() const noexcept { return {paramEvents_, paramCount_}; }
  // while the audio thread is idle: comparisons the heap made so far
  std::uint64_t comparisons() const noexcept { return comparisons_; }

private:
  struct Pending {
    Event event;
    std::uint64_t arrival = 0;
  };
  struct Later {
    std::uint64_t* comparisons;
    bool operator()(const Pending& a, const Pending& b) const noexcept {
      ++*comparisons;
      return a.event.frame != b.event.frame ? a.event.frame > b.event.frame : a.arrival > b.arrival;
    }
  };
  void push(const Event& e) noexcept {
    heap_[count_++] = Pending{e, arrivals_++};
    std::push_heap(heap_, heap_ + count_, Later{&comparisons_});
  }
  Pending pop() noexcept {
    std::pop_heap(heap_, heap_ + count_, Later{&comparisons_});
    return heap_[--count_];
  }

  Pending heap_[kCapacity];
  std::size_t count_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t comparisons_ = 0;
  Event noteEvents_[kBlockCapacity];
  std::size_t noteCount_ = 0;
  Event paramEvents_[kBlockCapacity];
  std::size_t paramCount_ = 0;
};

} // namespace mvm
