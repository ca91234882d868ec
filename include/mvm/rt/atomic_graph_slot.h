#pragma once
// Hands a new program from the control thread to the audio thread without locks (the seed's
// interface). The control thread schedules; the audio thread picks the pending program up at a
// block boundary. A newer schedule replaces a pending one that was not picked up yet, and the
// replaced one goes back to the scheduler for clean-up, so nothing is leaked or freed on the
// audio thread.

#include <atomic>

namespace mvm {

template <class Graph>
class AtomicGraphSlot {
public:
  // control thread, wait-free. Returns the pending graph this one replaced (never picked up), or nullptr.
  Graph* scheduleSwap(Graph* next) noexcept { return pending_.exchange(next, std::memory_order_acq_rel); }

  // audio thread, wait-free. When a graph is pending it becomes current; returns the previous
  // current graph for clean-up (nullptr the first time, and when nothing was pending).
  Graph* maybeSwap() noexcept {
    Graph* next = pending_.exchange(nullptr, std::memory_order_acq_rel);
    if (!next) return nullptr;
    return current_.exchange(next, std::memory_order_acq_rel);
  }

  // audio thread (any thread for inspection): the graph being run
  Graph* getCurrentGraph() const noexcept { return current_.load(std::memory_order_acquire); }
  bool hasPending() const noexcept { return pending_.load(std::memory_order_acquire) != nullptr; }

  // control thread, only while the audio thread is not using the slot
  Graph* takePending() noexcept { return pending_.exchange(nullptr, std::memory_order_acq_rel); }
  Graph* exchangeCurrent(Graph* g) noexcept { return current_.exchange(g, std::memory_order_acq_rel); }

private:
  std::atomic<Graph*> pending_{nullptr};
  std::atomic<Graph*> current_{nullptr};
};

} // namespace mvm
