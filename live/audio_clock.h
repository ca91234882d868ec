#pragma once
// The audio clock that MIDI and OSC arrivals are stamped against (docs/midi-osc.md, "Timing").
//
// Each callback publishes when it started (steady clock, ns) and the stream frame it starts at
// (VM::framesOutput()). A message that arrives at time t, after the callback that started at
// (t0, f0) and rendered N frames, is given the frame
//
//     f0 + N + kBlockFrames + round((t - t0) · rate)
//
// i.e. its offset into the period in which it arrived, one period plus one VM block later: the
// next callback starts at f0 + N and may already hold up to one block computed ahead, so the frame
// is always in a block the VM has yet to compute — applied exactly there, never late, with a
// constant latency of N + 64 frames and no jitter from where in the period the message arrived.
// Offsets are clamped to [0, N]: a message stamped before the callback it is mapped against (a
// race with the next callback) plays at that period's start.
//
// Thread contract: publish() on the audio thread (wait-free: a sequence lock writer); frameAt()
// on any other thread (it retries while a publish is in progress).

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>

#include "mvm/core/block.h"

namespace mvm::live {

class AudioClock {
public:
  explicit AudioClock(double sampleRate = 48000.0) : rate_(sampleRate) {}

  void setSampleRate(double rate) noexcept { rate_ = rate; }
  double sampleRate() const noexcept { return rate_; }

  // audio thread, wait-free: the callback starting now at stream frame `frame`, for `frames` frames.
  void publish(std::uint64_t ns, std::uint64_t frame, std::uint32_t frames) noexcept {
    const std::uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    ns_.store(ns, std::memory_order_relaxed);
    frame_.store(frame, std::memory_order_relaxed);
    frames_.store(frames, std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
  }

  bool running() const noexcept { return seq_.load(std::memory_order_acquire) != 0; }

  // any thread but the audio thread: the frame for an arrival at steady time `ns`.
  std::uint64_t frameAt(std::uint64_t ns) const noexcept {
    std::uint64_t t0, f0, n, s;
    do {
      s = seq_.load(std::memory_order_acquire);
      t0 = ns_.load(std::memory_order_relaxed);
      f0 = frame_.load(std::memory_order_relaxed);
      n = frames_.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
    } while ((s & 1) || s != seq_.load(std::memory_order_relaxed));
    const double since = ns >= t0 ? static_cast<double>(ns - t0) * 1e-9 * rate_ : 0.0;
    const auto offset = static_cast<std::uint64_t>(std::min(std::llround(since), static_cast<long long>(n)));
    return f0 + n + static_cast<std::uint64_t>(kBlockFrames) + offset;
  }

  // Latency from arrival to sound, in frames, for a period of `frames`.
  static std::uint64_t latencyFrames(std::uint32_t frames) noexcept { return frames + static_cast<std::uint64_t>(kBlockFrames); }

private:
  double rate_;
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> ns_{0}, frame_{0}, frames_{0};
};

} // namespace mvm::live
