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
// With JACK a message can carry better than its arrival time: the JACK frame it was sent at
// (jack_last_frame_time + its offset in the period, read from JACK's own MIDI buffer). Each
// callback then also publishes the JACK frame its period starts at, and the message gets
//
//     f0 + N + kBlockFrames + (its JACK frame - the period's JACK frame)
//
// the same constant latency of N + 64 frames, and exact to the frame wherever in the period it
// was sent and whenever it is read (the VM's frames and JACK's advance together).
//
// Thread contract: publish() on the audio thread (wait-free: a sequence lock writer); frameAt()
// and frameAtJackFrame() on any other thread (they retry while a publish is in progress).

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

  // audio thread, wait-free: the callback starting now at stream frame `frame`, for `frames` frames
  // (with JACK, its period starting at JACK frame `jackFrame`).
  void publish(std::uint64_t ns, std::uint64_t frame, std::uint32_t frames, std::uint32_t jackFrame = 0) noexcept {
    const std::uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    ns_.store(ns, std::memory_order_relaxed);
    frame_.store(frame, std::memory_order_relaxed);
    frames_.store(frames, std::memory_order_relaxed);
    jackFrame_.store(jackFrame, std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
  }

  bool running() const noexcept { return seq_.load(std::memory_order_acquire) != 0; }

  // any thread but the audio thread: the frame for an arrival at steady time `ns`.
  std::uint64_t frameAt(std::uint64_t ns) const noexcept {
    const Period p = period();
    const double since = ns >= p.ns ? static_cast<double>(ns - p.ns) * 1e-9 * rate_ : 0.0;
    const auto offset = static_cast<std::uint64_t>(std::min(std::llround(since), static_cast<long long>(p.frames)));
    return p.frame + p.frames + static_cast<std::uint64_t>(kBlockFrames) + offset;
  }

  // any thread but the audio thread: the frame for a message sent at JACK frame `jackFrame`. A
  // message from before the period last published (read late) keeps its distance to it; one
  // from further back than the frames the VM has played starts at once.
  std::uint64_t frameAtJackFrame(std::uint32_t jackFrame) const noexcept {
    const Period p = period();
    const auto since = static_cast<std::int32_t>(jackFrame - p.jackFrame); // JACK's frame counter wraps
    const std::uint64_t at = p.frame + p.frames + static_cast<std::uint64_t>(kBlockFrames);
    return since >= 0 ? at + static_cast<std::uint64_t>(since) : at - std::min(at, static_cast<std::uint64_t>(-static_cast<std::int64_t>(since)));
  }

  // Latency from arrival to sound, in frames, for a period of `frames`.
  static std::uint64_t latencyFrames(std::uint32_t frames) noexcept { return frames + static_cast<std::uint64_t>(kBlockFrames); }

private:
  struct Period {
    std::uint64_t ns, frame, frames;
    std::uint32_t jackFrame;
  };
  Period period() const noexcept {
    Period p;
    std::uint64_t s;
    do {
      s = seq_.load(std::memory_order_acquire);
      p.ns = ns_.load(std::memory_order_relaxed);
      p.frame = frame_.load(std::memory_order_relaxed);
      p.frames = frames_.load(std::memory_order_relaxed);
      p.jackFrame = jackFrame_.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
    } while ((s & 1) || s != seq_.load(std::memory_order_relaxed));
    return p;
  }

  double rate_;
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> ns_{0}, frame_{0}, frames_{0};
  std::atomic<std::uint32_t> jackFrame_{0};
};

} // namespace mvm::live
