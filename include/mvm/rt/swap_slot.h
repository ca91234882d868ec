#pragma once
// Hands a new object (a Program) from the control thread to the audio thread without locks. The
// control thread schedules; the audio thread picks the pending one up at a block boundary. A
// newer schedule replaces a pending one that was not picked up yet, and the replaced one goes
// back to the scheduler for clean-up, so nothing is leaked or freed on the audio thread.

#include <atomic>

namespace mvm {

template <class T>
class SwapSlot {
public:
  // control thread, wait-free. Returns the pending object this one replaced (never picked up), or nullptr.
  T* scheduleSwap(T* next) noexcept { return pending_.exchange(next, std::memory_order_acq_rel); }

  // audio thread, wait-free. When an object is pending it becomes current; returns the previous
  // current one for clean-up (nullptr the first time, and when nothing was pending).
  T* maybeSwap() noexcept {
    T* next = pending_.exchange(nullptr, std::memory_order_acq_rel);
    if (!next) return nullptr;
    return current_.exchange(next, std::memory_order_acq_rel);
  }

  // audio thread (any thread for inspection): the object being run
  T* current() const noexcept { return current_.load(std::memory_order_acquire); }
  bool hasPending() const noexcept { return pending_.load(std::memory_order_acquire) != nullptr; }

  // control thread, only while the audio thread is not using the slot
  T* takePending() noexcept { return pending_.exchange(nullptr, std::memory_order_acq_rel); }
  T* exchangeCurrent(T* next) noexcept { return current_.exchange(next, std::memory_order_acq_rel); }

private:
  std::atomic<T*> pending_{nullptr};
  std::atomic<T*> current_{nullptr};
};

} // namespace mvm
