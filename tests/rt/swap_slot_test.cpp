#include "mvm/rt/swap_slot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace mvm;

namespace {
struct Graph {
  int id;
};
} // namespace

TEST(SwapSlot, SwapsInAndReturnsThePreviousForCleanUp) {
  SwapSlot<Graph> slot;
  Graph a{1}, b{2};
  EXPECT_EQ(slot.current(), nullptr);
  EXPECT_EQ(slot.maybeSwap(), nullptr); // nothing pending
  EXPECT_EQ(slot.scheduleSwap(&a), nullptr);
  EXPECT_EQ(slot.current(), nullptr); // not before the audio thread picks it up
  EXPECT_EQ(slot.maybeSwap(), nullptr);       // the first time there is no previous graph
  EXPECT_EQ(slot.current(), &a);
  EXPECT_EQ(slot.maybeSwap(), nullptr);       // nothing new
  EXPECT_EQ(slot.current(), &a);
  EXPECT_EQ(slot.scheduleSwap(&b), nullptr);
  EXPECT_EQ(slot.maybeSwap(), &a);            // the previous graph, for clean-up
  EXPECT_EQ(slot.current(), &b);
}

TEST(SwapSlot, ANewerScheduleReplacesAnUnpickedOneAndHandsItBack) {
  SwapSlot<Graph> slot;
  Graph a{1}, b{2}, c{3};
  slot.scheduleSwap(&a);
  slot.maybeSwap();
  EXPECT_EQ(slot.scheduleSwap(&b), nullptr);
  EXPECT_EQ(slot.scheduleSwap(&c), &b); // b was never picked up: back to the scheduler, not leaked
  EXPECT_EQ(slot.maybeSwap(), &a);
  EXPECT_EQ(slot.current(), &c);
}

TEST(SwapSlot, EveryGraphIsReturnedExactlyOnceAcrossThreads) {
  // A scheduler and an "audio thread" race; every graph must come back exactly once, either as a
  // replaced pending one or as a previous current one (or be current at the end).
  SwapSlot<Graph> slot;
  constexpr int kGraphs = 100000;
  static Graph graphs[kGraphs];
  static std::atomic<int> returned[kGraphs];
  std::atomic<bool> done{false};
  std::thread audio([&] {
    while (!done.load())
      if (Graph* g = slot.maybeSwap()) returned[g->id].fetch_add(1);
  });
  for (int i = 0; i < kGraphs; ++i) {
    graphs[i].id = i;
    if (Graph* g = slot.scheduleSwap(&graphs[i])) returned[g->id].fetch_add(1);
  }
  done.store(true);
  audio.join();
  if (Graph* g = slot.maybeSwap()) returned[g->id].fetch_add(1);
  const Graph* current = slot.current();
  for (int i = 0; i < kGraphs; ++i) ASSERT_EQ(returned[i].load() + (current == &graphs[i] ? 1 : 0), 1) << i;
}
