// AudioThreadScope marks the audio thread; the rt_probe (tests/support) counts what code does there.
// These are the probe's positive controls: each provokes one forbidden call on purpose, checks the
// probe saw it, and resets the counts so that the suite's listener does not fail the test.

#include "mvm/core/rt_context.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "command.h"
#include "rt_probe.h"

using namespace mvm;

namespace {
class RtProbe : public testing::Test {
protected:
  void SetUp() override {
    if (!test::rtProbeCountsSystemCalls()) GTEST_SKIP() << "sanitizer build: the sanitizer intercepts locks and system calls";
    test::resetRtCounts();
  }
  void TearDown() override { test::resetRtCounts(); }
};
} // namespace

TEST(AudioThreadScope, NestsAndEnds) {
  EXPECT_FALSE(onAudioThread());
  {
    AudioThreadScope a;
    AudioThreadScope b;
    EXPECT_TRUE(onAudioThread());
  }
  EXPECT_FALSE(onAudioThread());
}

TEST_F(RtProbe, SeesAMutexLockOnTheAudioThreadOnly) {
  std::mutex m;
  m.lock(); // control thread: not counted
  m.unlock();
  EXPECT_EQ(test::rtCounts().locks, 0u);
  {
    AudioThreadScope audio;
    m.lock();
    m.unlock();
    if (m.try_lock()) m.unlock();
  }
  EXPECT_EQ(test::rtCounts().locks, 2u);
  EXPECT_EQ(test::firstRtViolation(), "pthread_mutex_lock");
}

TEST_F(RtProbe, SeesAConditionWait) {
  std::mutex m;
  std::condition_variable cv;
  {
    AudioThreadScope audio;
    std::unique_lock lock(m);
    cv.wait_for(lock, std::chrono::microseconds(10));
  }
  EXPECT_GE(test::rtCounts().locks, 2u); // the lock and the wait (and the wait's re-lock)
  EXPECT_EQ(test::rtCounts().blockingCalls, 0u);
}

TEST_F(RtProbe, SeesSleepsAndFileIo) {
  {
    AudioThreadScope audio;
    std::this_thread::sleep_for(std::chrono::microseconds(1));
    usleep(1);
  }
  EXPECT_EQ(test::rtCounts().blockingCalls, 2u);
  EXPECT_EQ(test::firstRtViolation(), "nanosleep");
  test::resetRtCounts();
  int fd = -1;
  {
    AudioThreadScope audio;
    fd = open("/dev/null", O_WRONLY);
    const char byte = 0;
    EXPECT_EQ(write(fd, &byte, 1), 1);
  }
  close(fd);
  EXPECT_EQ(test::rtCounts().blockingCalls, 2u);
  EXPECT_EQ(test::firstRtViolation(), "open");
  EXPECT_EQ(test::rtCounts().locks, 0u);
  EXPECT_EQ(test::rtCounts().allocations, 0u);
}

TEST_F(RtProbe, IgnoresOtherThreads) {
  std::thread t([] {
    std::mutex m;
    std::lock_guard lock(m);
    usleep(1);
  });
  {
    AudioThreadScope audio; // this thread is the audio thread; the other one is not
    t.join();               // (join itself may block: it is not on the list)
  }
  EXPECT_EQ(test::rtCounts().locks, 0u);
  EXPECT_EQ(test::rtCounts().blockingCalls, 0u);
}

// Run only by the next test, in a child process: a lock on the audio thread that the test does not
// clear. The suite's listener must fail it.
TEST(RtProbeListener, DISABLED_LeftOverLock) {
  std::mutex m;
  AudioThreadScope audio;
  m.lock();
  m.unlock();
}

TEST(RtProbeListener, FailsATestThatLockedOnTheAudioThread) {
  if (!test::rtProbeCountsSystemCalls()) GTEST_SKIP() << "sanitizer build: locks are not counted";
  const test::CommandResult r = test::runCommand(
      "/proc/" + std::to_string(getpid()) + "/exe --gtest_also_run_disabled_tests --gtest_filter=RtProbeListener.DISABLED_LeftOverLock");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("the audio thread made 0 allocations, 0 deallocations, 1 lock calls and 0 blocking system calls "
                          "(first: pthread_mutex_lock)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("[  FAILED  ] RtProbeListener.DISABLED_LeftOverLock"), std::string::npos) << r.output;
}
