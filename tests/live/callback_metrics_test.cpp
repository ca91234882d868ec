// live/callback_metrics.h: the load histogram's percentiles and the xrun classification.

#include <gtest/gtest.h>

#include "callback_metrics.h"
#include "mvm/core/rt_context.h"
#include "rt_probe.h"

using mvm::live::CallbackMetrics;
using mvm::live::LoadHistogram;

TEST(LoadHistogram, PercentilesAreUpperBucketEdgesAndMaxIsExact) {
  LoadHistogram h;
  EXPECT_EQ(h.percentile(0.5), 0.0);
  for (int i = 1; i <= 100; ++i) h.record(i * 0.5); // 0.5 % .. 50 %
  EXPECT_EQ(h.count(), 100u);
  EXPECT_NEAR(h.percentile(0.5), 25.1, 1e-9);  // the 50th value, 25.0 %, lies in [25.0, 25.1)
  EXPECT_NEAR(h.percentile(0.99), 49.6, 1e-9);
  EXPECT_DOUBLE_EQ(h.maxPercent(), 50.0);
  EXPECT_DOUBLE_EQ(h.percentile(1.0), 50.0); // never above the maximum
}

TEST(LoadHistogram, LoadsBeyondTheRangeLandInTheOverflowBucket) {
  LoadHistogram h;
  h.record(10.0);
  h.record(1234.5);
  h.record(-3.0); // a clock that went backwards counts as 0
  EXPECT_DOUBLE_EQ(h.maxPercent(), 1234.5);
  EXPECT_DOUBLE_EQ(h.percentile(1.0), 1234.5);
  EXPECT_NEAR(h.percentile(0.33), 0.1, 1e-9);   // the lowest of three
  EXPECT_NEAR(h.percentile(0.5), 10.1, 1e-9);
}

TEST(CallbackMetrics, AnXrunIsOursWhenTheCallbackBeforeItUsedOver90PercentOfItsBudget) {
  CallbackMetrics m(48000.0); // 480 frames = 10 ms budget
  const std::uint64_t ms = 1000000, us = 1000;
  m.record(0, 1 * ms, 480, false);        // 10 %
  m.record(10 * ms, 11 * ms, 480, true);  // previous far within budget: the system's
  m.record(20 * ms, 32 * ms, 480, false); // 120 %: over budget
  m.record(40 * ms, 41 * ms, 480, true);  // previous over budget: ours
  m.record(50 * ms, 51 * ms, 480, true);  // previous far within budget again: the system's
  m.record(60 * ms, 69500 * us, 480, false); // 95 %: within budget, but too near it
  m.record(70 * ms, 71 * ms, 480, true);     // ours
  m.record(80 * ms, 88900 * us, 480, false); // 89 %: the margin left is the system's to lose
  m.record(90 * ms, 91 * ms, 480, true);     // the system's
  EXPECT_EQ(m.callbacks(), 9u);
  EXPECT_EQ(m.frames(), 9u * 480u);
  EXPECT_EQ(m.xruns(), 5u);
  EXPECT_EQ(m.xrunsOurs(), 2u);
  EXPECT_EQ(m.xrunsSystem(), 3u);
  EXPECT_EQ(m.overBudget(), 1u); // only the 120 % callback overran
  EXPECT_EQ(m.firstCallbackNs(), 0u);
  EXPECT_EQ(m.lastCallbackNs(), 90 * ms);
  EXPECT_NEAR(m.load().maxPercent(), 120.0, 1e-9);
  EXPECT_NEAR(m.load().percentile(0.5), 10.1, 1e-9);
}

TEST(CallbackMetrics, SumsTheCallbacksDurations) {
  CallbackMetrics m(48000.0);
  EXPECT_EQ(m.busyNs(), 0u);
  m.record(1000, 4000, 480, false);
  m.record(10000, 10500, 480, false);
  EXPECT_EQ(m.busyNs(), 3500u);
  EXPECT_EQ(m.frames(), 960u);
}

TEST(CallbackMetrics, RecordingAllocatesNothingOnTheAudioThread) {
  CallbackMetrics m(48000.0);
  mvm::test::resetRtCounts();
  {
    mvm::AudioThreadScope audio;
    for (int i = 0; i < 1000; ++i) {
      m.record(static_cast<std::uint64_t>(i) * 1000, static_cast<std::uint64_t>(i) * 1000 + 500, 256, i % 100 == 0);
      m.recordPeak(0.5f);
    }
    m.recordScheduling();
  }
  EXPECT_EQ(mvm::test::rtCounts().allocations, 0u);
  EXPECT_EQ(mvm::test::rtCounts().deallocations, 0u);
  EXPECT_EQ(m.callbacks(), 1000u);
  EXPECT_FLOAT_EQ(m.peak(), 0.5f);
  EXPECT_GE(m.schedPolicy(), 0);
}
