#include "mvm/rt/lock_free_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace mvm;

TEST(LockFreeQueue, EmptyPushPopFull) {
  LockFreeQueue<int, 4> q;
  int x = -1;
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.tryPop(x));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.tryPush(i));
  EXPECT_FALSE(q.tryPush(99)); // full: refused, never blocks
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.tryPop(x));
    EXPECT_EQ(x, i); // FIFO
  }
  EXPECT_FALSE(q.tryPop(x));
}

TEST(LockFreeQueue, SpscAcrossThreadsKeepsOrder) {
  LockFreeQueue<std::uint64_t, 1024> q;
  constexpr std::uint64_t kItems = 200000;
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kItems;)
      if (q.tryPush(i)) ++i;
  });
  std::uint64_t expected = 0, v;
  while (expected < kItems) {
    if (q.tryPop(v)) {
      ASSERT_EQ(v, expected++);
    }
  }
  producer.join();
}

TEST(MpmcLockFreeQueue, EveryItemIsPoppedExactlyOnceUnderContention) {
  MpmcLockFreeQueue<std::uint64_t, 4096> q;
  constexpr int kProducers = 4, kConsumers = 4;
  constexpr std::uint64_t kPerProducer = 50000;
  std::atomic<std::uint64_t> popped{0}, sum{0}, xorSum{0};
  std::atomic<bool> producing{true};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      for (std::uint64_t i = 0; i < kPerProducer;) {
        const std::uint64_t item = (static_cast<std::uint64_t>(p) << 32) | i;
        if (q.tryPush(item)) ++i;
      }
    });
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c)
    consumers.emplace_back([&] {
      std::uint64_t v;
      for (;;) {
        if (q.tryPop(v)) {
          popped.fetch_add(1);
          sum.fetch_add(v);
          xorSum.fetch_xor(v * 0x9e3779b97f4a7c15ull);
        } else if (!producing.load()) {
          if (!q.tryPop(v)) break;
          popped.fetch_add(1);
          sum.fetch_add(v);
          xorSum.fetch_xor(v * 0x9e3779b97f4a7c15ull);
        }
      }
    });
  for (auto& t : threads) t.join();
  producing.store(false);
  for (auto& t : consumers) t.join();
  std::uint64_t expectedSum = 0, expectedXor = 0;
  for (std::uint64_t p = 0; p < kProducers; ++p)
    for (std::uint64_t i = 0; i < kPerProducer; ++i) {
      expectedSum += (p << 32) | i;
      expectedXor ^= ((p << 32) | i) * 0x9e3779b97f4a7c15ull;
    }
  EXPECT_EQ(popped.load(), kProducers * kPerProducer);
  EXPECT_EQ(sum.load(), expectedSum);
  EXPECT_EQ(xorSum.load(), expectedXor);
}
