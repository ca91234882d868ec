#include "audio_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using mvm::live::AudioClock;

TEST(AudioClock, ArrivalsMapOnePeriodAndOneBlockAfterTheirOffsetInThePeriod) {
  AudioClock clock(48000);
  EXPECT_FALSE(clock.running());
  clock.publish(1'000'000'000, 48000, 256); // a 256-frame callback at t = 1 s starting at frame 48000
  EXPECT_TRUE(clock.running());
  EXPECT_EQ(clock.frameAt(1'000'000'000), 48000u + 256 + 64);
  EXPECT_EQ(clock.frameAt(1'000'000'000 + 2'000'000), 48000u + 256 + 64 + 96); // 2 ms in: 96 frames
  EXPECT_EQ(clock.frameAt(999'000'000), 48000u + 256 + 64);                      // stamped before the callback: its start
  EXPECT_EQ(clock.frameAt(1'000'000'000 + 50'000'000), 48000u + 256 + 64 + 256); // late reader: at most one period
  EXPECT_EQ(AudioClock::latencyFrames(256), 320u);
}

// With JACK a message carries the JACK frame it was sent at: it maps to its exact offset, one
// period and one block later, whichever period the reader sees published (the VM's frames and
// JACK's advance together), across the wrap of JACK's 32-bit frame counter too.
TEST(AudioClock, JackFramesMapExactlyWhicheverPeriodIsPublished) {
  AudioClock clock(48000);
  clock.publish(1'000'000'000, 48000, 256, 1000); // period starting at JACK frame 1000
  EXPECT_EQ(clock.frameAtJackFrame(1000 + 10), 48000u + 256 + 64 + 10);
  EXPECT_EQ(clock.frameAtJackFrame(1000 + 255), 48000u + 256 + 64 + 255);
  clock.publish(1'005'333'333, 48256, 256, 1256); // the next period: the same messages, the same frames
  EXPECT_EQ(clock.frameAtJackFrame(1000 + 10), 48000u + 256 + 64 + 10);
  EXPECT_EQ(clock.frameAtJackFrame(1256 + 3), 48256u + 256 + 64 + 3);
  const std::uint32_t nearWrap = 0xFFFFFF00u; // 256 frames before the counter wraps
  clock.publish(2'000'000'000, 96000, 256, nearWrap);
  EXPECT_EQ(clock.frameAtJackFrame(nearWrap + 300u), 96000u + 256 + 64 + 300); // wrapped to 44
  clock.publish(0, 10, 256, 5000);
  EXPECT_EQ(clock.frameAtJackFrame(0), 0u); // from before anything the VM played: at once, not wrapped
}

// The frames handed out never go back in time while callbacks publish concurrently (the sequence
// lock never shows a torn pair).
TEST(AudioClock, ConcurrentReadersSeeConsistentPairs) {
  AudioClock clock(48000);
  clock.publish(0, 0, 480);
  std::atomic<bool> done{false};
  std::thread audio([&] {
    for (std::uint64_t k = 1; k < 200000; ++k) clock.publish(k * 10'000'000, k * 480, 480); // 10 ms periods
    done = true;
  });
  std::uint64_t bad = 0, reads = 0;
  while (!done) {
    const std::uint64_t f = clock.frameAt(~std::uint64_t{0} / 2); // far future: clamps to f0 + 2 periods + a block
    bad += (f - 64) % 480 != 0;
    ++reads;
  }
  audio.join();
  EXPECT_EQ(bad, 0u) << reads << " reads";
}
