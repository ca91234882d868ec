// The scheduling of the threads that serve the audio thread (mvm/rt/thread_scheduling.h).

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <thread>
#include <utility>

#include "mvm/rt/thread_scheduling.h"

namespace {

// A thread that waits until told to stop, so its scheduling can be set and read back.
struct WaitingThread {
  std::atomic<bool> stop{false};
  std::thread thread{[this] { stop.wait(false); }}; // asleep: real time costs the machine nothing
  ~WaitingThread() {
    stop = true;
    stop.notify_all();
    thread.join();
  }
  // The thread's policy and priority, as the kernel has them.
  std::pair<int, int> scheduling() {
    int policy = -1;
    sched_param param{};
    pthread_getschedparam(thread.native_handle(), &policy, &param);
    return {policy, param.sched_priority};
  }
};

} // namespace

TEST(ThreadScheduling, AThreadTakesRealTimeOrSaysWhyNot) {
  WaitingThread t;
  EXPECT_EQ(mvm::setThreadScheduling(t.thread, SCHED_FIFO, 100000), EINVAL) << "no such priority";
  EXPECT_EQ(t.scheduling().first, SCHED_OTHER) << "a refusal changes nothing";
  const int error = mvm::setThreadScheduling(t.thread, SCHED_FIFO, 3);
  if (error == EPERM) GTEST_SKIP() << "no right to real time here (root or rtprio in limits.conf)";
  ASSERT_EQ(error, 0);
  EXPECT_EQ(t.scheduling(), std::make_pair(SCHED_FIFO, 3));
  EXPECT_EQ(mvm::setThreadScheduling(t.thread, SCHED_OTHER, 0), 0);
  EXPECT_EQ(t.scheduling().first, SCHED_OTHER);
}

TEST(ThreadScheduling, PriorityBelowNeverLeavesThePolicysRange) {
  EXPECT_EQ(mvm::priorityBelow(SCHED_FIFO, 65), 64);
  EXPECT_EQ(mvm::priorityBelow(SCHED_FIFO, sched_get_priority_min(SCHED_FIFO)), sched_get_priority_min(SCHED_FIFO));
  EXPECT_EQ(mvm::priorityBelow(SCHED_RR, sched_get_priority_max(SCHED_RR)), sched_get_priority_max(SCHED_RR) - 1);
}
