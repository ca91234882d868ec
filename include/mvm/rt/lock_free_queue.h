#pragma once
// Bounded lock-free queues over Boost.Lockfree (DESIGN.md decision 10), behind a small
// `tryPush` / `tryPop` interface. Neither allocates after construction.

#include <cstddef>

#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>

namespace mvm {

// One producer thread, one consumer thread. Wait-free on both sides.
template <class T, std::size_t Capacity>
class LockFreeQueue {
public:
  // producer thread, wait-free; false when full
  bool tryPush(const T& value) noexcept { return queue_.push(value); }
  // consumer thread, wait-free; false when empty
  bool tryPop(T& out) noexcept { return queue_.pop(out); }
  // consumer thread
  bool empty() const noexcept { return queue_.read_available() == 0; }
  static constexpr std::size_t capacity() noexcept { return Capacity; }

private:
  boost::lockfree::spsc_queue<T, boost::lockfree::capacity<Capacity>> queue_;
};

// Any number of producers and consumers. Lock-free (not wait-free); T must be trivially copyable.
template <class T, std::size_t Capacity>
class MpmcLockFreeQueue {
  static_assert(Capacity < 65535, "boost::lockfree::queue's fixed capacity is below 65535");

public:
  // any thread, lock-free; false when full
  bool tryPush(const T& value) noexcept { return queue_.bounded_push(value); }
  // any thread, lock-free; false when empty
  bool tryPop(T& out) noexcept { return queue_.pop(out); }
  static constexpr std::size_t capacity() noexcept { return Capacity; }

private:
  boost::lockfree::queue<T, boost::lockfree::capacity<Capacity>> queue_;
};

} // namespace mvm
