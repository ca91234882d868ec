#pragma once
// What the audio callback measures about itself: callbacks, xruns (ours or the system's), the
// callback's duration against its time budget, the output peak. Written by the callback with
// relaxed atomics only (no lock, no allocation, no syscall), read by the control thread at any time.

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>

namespace mvm::live {

// Callback load (duration / budget, in %) in fixed buckets of 0.1 % up to 400 %, one overflow
// bucket above; the maximum is kept exactly. One writer (the audio thread), any readers.
class LoadHistogram {
public:
  static constexpr int kBucketsPerPercent = 10;
  static constexpr int kMaxPercent = 400;
  static constexpr std::size_t kBuckets = static_cast<std::size_t>(kMaxPercent * kBucketsPerPercent) + 1; // + overflow
  static_assert(std::atomic<double>::is_always_lock_free && std::atomic<std::uint64_t>::is_always_lock_free);

  // audio thread, wait-free (a single writer)
  void record(double loadPercent) noexcept {
    if (!(loadPercent >= 0)) loadPercent = 0; // NaN or negative: a clock that went backwards
    const double b = loadPercent * kBucketsPerPercent;
    const std::size_t i = b >= static_cast<double>(kBuckets - 1) ? kBuckets - 1 : static_cast<std::size_t>(b);
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    if (loadPercent > max_.load(std::memory_order_relaxed)) max_.store(loadPercent, std::memory_order_relaxed);
  }

  using Counts = std::array<std::uint64_t, kBuckets>;

  // any thread: the bucket counts so far (a window's histogram is the difference of two snapshots)
  void snapshot(Counts& out) const noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  // The q-quantile of `counts` (upper bucket edge); the overflow bucket reads as `overflowValue`.
  static double percentileOf(const Counts& counts, double q, double overflowValue) noexcept {
    std::uint64_t total = 0;
    for (std::uint64_t c : counts) total += c;
    if (total == 0) return 0.0;
    const auto rank = std::max<std::uint64_t>(static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(total))), 1);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts[i];
      if (seen >= rank) return i == kBuckets - 1 ? overflowValue : static_cast<double>(i + 1) / kBucketsPerPercent;
    }
    return overflowValue;
  }

  // any thread
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double maxPercent() const noexcept { return max_.load(std::memory_order_relaxed); }

  // any thread: the q-quantile (0 < q <= 1), as the upper edge of the bucket that holds it (so
  // never below the true value by more than 0.1 %); the exact maximum when it is in the overflow
  // bucket or when that is smaller. 0 when nothing was recorded.
  double percentile(double q) const noexcept {
    std::uint64_t total = 0;
    for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
    if (total == 0) return 0.0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i].load(std::memory_order_relaxed);
      if (seen >= std::max<std::uint64_t>(rank, 1)) {
        if (i == kBuckets - 1) return maxPercent();
        return std::min(static_cast<double>(i + 1) / kBucketsPerPercent, maxPercent());
      }
    }
    return maxPercent();
  }

private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> max_{0.0};
};

// Everything the callback records. One writer (the audio thread), any readers.
class CallbackMetrics {
public:
  // An xrun is ours when the callback before it used more than this much of its budget: the
  // period also has to carry the server's own work and the copy to the device, so a callback at
  // 90-100 % leaves too little of it to blame the xrun on anything else.
  static constexpr double kOursAbovePercent = 90.0;

  // control thread, before the stream starts
  explicit CallbackMetrics(double sampleRate) : nsPerFrame_(1e9 / sampleRate) {}

  // audio thread, wait-free: one callback of `frames` frames that started at startNs and ended at
  // endNs (steady clock); `underflow` is the API's report that output was lost before it. An xrun
  // is ours when the callback before it used more than kOursAbovePercent of its budget, else the
  // system's.
  // Returns the callback's load (% of its budget).
  double record(std::uint64_t startNs, std::uint64_t endNs, int frames, bool underflow) noexcept {
    const double budgetNs = nsPerFrame_ * static_cast<double>(frames);
    const double load = budgetNs > 0 ? 100.0 * static_cast<double>(endNs - startNs) / budgetNs : 0.0;
    if (underflow) {
      xruns_.fetch_add(1, std::memory_order_relaxed);
      (previousNearBudget_ ? xrunsOurs_ : xrunsSystem_).fetch_add(1, std::memory_order_relaxed);
    }
    previousNearBudget_ = load > kOursAbovePercent;
    if (load > 100.0) overBudget_.fetch_add(1, std::memory_order_relaxed);
    load_.record(load);
    if (load > recentMaxLoad_.load(std::memory_order_relaxed)) recentMaxLoad_.store(load, std::memory_order_relaxed);
    if (callbacks_.load(std::memory_order_relaxed) == 0) firstNs_.store(startNs, std::memory_order_relaxed);
    lastNs_.store(startNs, std::memory_order_relaxed);
    busyNs_.store(busyNs_.load(std::memory_order_relaxed) + (endNs - startNs), std::memory_order_relaxed); // one writer
    frames_.fetch_add(static_cast<std::uint64_t>(frames), std::memory_order_relaxed);
    callbacks_.fetch_add(1, std::memory_order_release);
    return load;
  }

  // audio thread, wait-free: the largest |sample| of this callback's output
  void recordPeak(float peak) noexcept {
    if (peak > peak_.load(std::memory_order_relaxed)) peak_.store(peak, std::memory_order_relaxed);
    if (peak > recentPeak_.load(std::memory_order_relaxed)) recentPeak_.store(peak, std::memory_order_relaxed);
  }

  // control thread (one reader, e.g. the meter): the largest peak and load since the last call. A
  // callback racing with the reset may lose its value to the next window, never corrupt it.
  float takeRecentPeak() noexcept { return recentPeak_.exchange(0.0f, std::memory_order_relaxed); }
  double takeRecentMaxLoad() noexcept { return recentMaxLoad_.exchange(0.0, std::memory_order_relaxed); }

  // audio thread, once (the first callback): how the thread is scheduled, and its id (for its page
  // faults in /proc). Non-blocking queries.
  void recordScheduling() noexcept {
    threadId_.store(static_cast<int>(::gettid()), std::memory_order_relaxed);
    int policy = 0;
    sched_param p{};
    if (pthread_getschedparam(pthread_self(), &policy, &p) == 0) {
      policy_.store(policy, std::memory_order_relaxed);
      priority_.store(p.sched_priority, std::memory_order_relaxed);
    }
  }

  // any thread
  std::uint64_t callbacks() const noexcept { return callbacks_.load(std::memory_order_acquire); }
  std::uint64_t frames() const noexcept { return frames_.load(std::memory_order_relaxed); }
  std::uint64_t busyNs() const noexcept { return busyNs_.load(std::memory_order_relaxed); } // every callback's duration, summed
  std::uint64_t xruns() const noexcept { return xruns_.load(std::memory_order_relaxed); }
  std::uint64_t xrunsOurs() const noexcept { return xrunsOurs_.load(std::memory_order_relaxed); }
  std::uint64_t xrunsSystem() const noexcept { return xrunsSystem_.load(std::memory_order_relaxed); }
  std::uint64_t overBudget() const noexcept { return overBudget_.load(std::memory_order_relaxed); }
  std::uint64_t firstCallbackNs() const noexcept { return firstNs_.load(std::memory_order_relaxed); }
  std::uint64_t lastCallbackNs() const noexcept { return lastNs_.load(std::memory_order_relaxed); }
  float peak() const noexcept { return peak_.load(std::memory_order_relaxed); }
  int schedPolicy() const noexcept { return policy_.load(std::memory_order_relaxed); }
  int schedPriority() const noexcept { return priority_.load(std::memory_order_relaxed); }
  int audioThreadId() const noexcept { return threadId_.load(std::memory_order_relaxed); } // 0 before the first callback
  const LoadHistogram& load() const noexcept { return load_; }

private:
  const double nsPerFrame_;
  bool previousNearBudget_ = false; // audio thread only
  std::atomic<std::uint64_t> callbacks_{0}, frames_{0}, xruns_{0}, xrunsOurs_{0}, xrunsSystem_{0}, overBudget_{0};
  std::atomic<std::uint64_t> firstNs_{0}, lastNs_{0}, busyNs_{0};
  std::atomic<float> peak_{0.0f}, recentPeak_{0.0f};
  std::atomic<double> recentMaxLoad_{0.0};
  std::atomic<int> policy_{-1}, priority_{0}, threadId_{0};
  LoadHistogram load_;
};

} // namespace mvm::live
