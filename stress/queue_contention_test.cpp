// The project's lock-free queues under contention for seconds: every item pushed is popped
// exactly once (MPMC: any order; SPSC: in order).

#include "mvm/rt/lock_free_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "stress_support.h"

using namespace mvm;

TEST(QueueContention, MpmcDeliversEveryItemExactlyOnce) {
  constexpr int kProducers = 4, kConsumers = 4;
  constexpr std::uint64_t kMaxPerProducer = 1u << 22;
  MpmcLockFreeQueue<std::uint64_t, 1024> queue;
  // seen[p][i]: how many times item i of producer p was popped
  std::vector<std::vector<std::atomic<std::uint8_t>>> seen(kProducers);
  for (auto& s : seen) s = std::vector<std::atomic<std::uint8_t>>(kMaxPerProducer);
  std::atomic<bool> stop{false};
  std::atomic<int> producersDone{0};
  std::vector<std::uint64_t> pushed(kProducers, 0);
  std::atomic<std::uint64_t> popped{0}, fullRetries{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      std::uint64_t i = 0;
      while (!stop.load(std::memory_order_relaxed) && i < kMaxPerProducer) {
        if (queue.tryPush((static_cast<std::uint64_t>(p) << 32) | i)) ++i;
        else fullRetries.fetch_add(1, std::memory_order_relaxed);
      }
      pushed[static_cast<std::size_t>(p)] = i;
      producersDone.fetch_add(1);
    });
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&] {
      std::uint64_t v;
      for (;;) {
        if (queue.tryPop(v)) {
          seen[v >> 32][v & 0xffffffffu].fetch_add(1, std::memory_order_relaxed);
          popped.fetch_add(1, std::memory_order_relaxed);
        } else if (producersDone.load() == kProducers) {
          if (!queue.tryPop(v)) break; // drained after the last push
          seen[v >> 32][v & 0xffffffffu].fetch_add(1, std::memory_order_relaxed);
          popped.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  std::this_thread::sleep_for(stress::stressDuration());
  stop.store(true);
  for (auto& t : threads) t.join();

  std::uint64_t total = 0, wrong = 0;
  for (int p = 0; p < kProducers; ++p) {
    total += pushed[static_cast<std::size_t>(p)];
    for (std::uint64_t i = 0; i < kMaxPerProducer; ++i)
      wrong += seen[static_cast<std::size_t>(p)][i].load() != (i < pushed[static_cast<std::size_t>(p)] ? 1 : 0);
  }
  std::printf("MPMC: %d producers, %d consumers: %llu items, %llu full-queue retries\n", kProducers, kConsumers,
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(fullRetries.load()));
  EXPECT_GT(total, 1000u);
  EXPECT_EQ(popped.load(), total);
  EXPECT_EQ(wrong, 0u) << "items lost or duplicated";
}

TEST(QueueContention, SpscDeliversEveryItemOnceInOrder) {
  LockFreeQueue<std::uint64_t, 256> queue;
  std::atomic<bool> stop{false}, producerDone{false};
  std::uint64_t pushed = 0, popped = 0, outOfOrder = 0;
  std::thread producer([&] {
    std::uint64_t i = 0;
    while (!stop.load(std::memory_order_relaxed))
      if (queue.tryPush(i)) ++i;
    pushed = i;
    producerDone.store(true);
  });
  std::thread consumer([&] {
    std::uint64_t v;
    for (;;) {
      if (queue.tryPop(v)) {
        outOfOrder += v != popped;
        ++popped;
      } else if (producerDone.load() && queue.empty()) {
        break;
      }
    }
  });
  std::this_thread::sleep_for(stress::stressDuration());
  stop.store(true);
  producer.join();
  consumer.join();
  std::printf("SPSC: %llu items\n", static_cast<unsigned long long>(pushed));
  EXPECT_GT(pushed, 1000u);
  EXPECT_EQ(popped, pushed);
  EXPECT_EQ(outOfOrder, 0u);
}
