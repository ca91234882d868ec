#pragma once
// Deterministic offline rendering: a patch (plus a score) through the VM in host-sized chunks,
// each chunk handed to a sink. The output depends on the patch, score, sample rate and seed only.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mvm/mvm.h"

namespace mvm::render {

// A hot swap during a render: lands at the first block boundary at or after `seconds`.
struct ScheduledSwap {
  double seconds = 0;
  PatchGraph patch;
};

struct RenderOptions {
  double sampleRate = 48000.0;
  int channels = 2;
  int hostBlock = 512;       // frames per VM::process call; never changes the output
  double seconds = -1.0;     // < 0: from the score (its duration, or last event + tail), else 4 s
  bool overrideSeed = false;
  std::uint64_t seed = 0;
  std::vector<ScheduledSwap> swaps;  // in any order
  double crossfadeMs = 20.0;
  FadeCurve crossfadeCurve = FadeCurve::EqualPower;
  // Host input for AudioIn (non-interleaved channels at sampleRate); silence after its end.
  const std::vector<std::vector<float>>* input = nullptr;
  // Called with each compiler report ("PATCH: feedback: cycle broken at …"), before rendering.
  std::function<void(const std::string&)> diagnose;
};

struct RenderStats {
  std::uint64_t frames = 0;
  float peak = 0.0f;
  double sumSquares = 0.0;
  std::uint64_t clippedSamples = 0;   // |x| > 1
  std::uint64_t guardedBlocks = 0;
  std::uint64_t lateEvents = 0;
  std::uint64_t swaps = 0;
  double wallSeconds = 0.0;
  int channels = 0;
  std::vector<MeterLevel> meters; // the Meter modules of the patch playing at the end

  double peakDb() const { return peak > 0 ? 20.0 * std::log10(static_cast<double>(peak)) : -INFINITY; }
  double rmsDb() const {
    const double n = static_cast<double>(frames) * channels;
    return sumSquares > 0 && n > 0 ? 10.0 * std::log10(sumSquares / n) : -INFINITY;
  }
};

// The frame a swap scheduled at `seconds` lands on: the first block boundary at or after it.
inline std::uint64_t swapFrame(double seconds, double sampleRate) {
  const auto frame = static_cast<std::uint64_t>(std::llround(seconds * sampleRate));
  return (frame + kBlockFrames - 1) / kBlockFrames * kBlockFrames;
}

inline constexpr double kDefaultSeconds = 4.0;
inline constexpr double kScoreTailSeconds = 2.0;

inline std::uint64_t renderFrames(const RenderOptions& o, const Score* score) {
  double seconds = o.seconds;
  if (seconds < 0) {
    if (score && score->durationSeconds > 0) seconds = score->durationSeconds;
    else if (score && !score->events.empty()) seconds = static_cast<double>(score->lastFrame) / o.sampleRate + kScoreTailSeconds;
    else seconds = kDefaultSeconds;
  }
  return static_cast<std::uint64_t>(std::llround(seconds * o.sampleRate));
}

using Sink = std::function<void(const float* const* channels, int frames)>;
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// control thread (runs the VM inline)
inline RenderStats renderPatch(const PatchGraph& patch, const Score* score, const RenderOptions& o, const Sink& sink,
                               const Progress& progress = {}) {
  CompileOptions co;
  co.sampleRate = o.sampleRate;
  co.numOutputs = o.channels;
  co.overrideSeed = o.overrideSeed;
  co.seed = o.seed;
  const int numInputs = o.input ? static_cast<int>(o.input->size()) : 0;
  co.numInputs = numInputs;
  VM vm(VMConfig{o.sampleRate, o.channels, numInputs});
  vm.setCrossfade(o.crossfadeMs, o.crossfadeCurve);
  const auto report = [&](const PatchGraph& g, const Program& p) {
    if (o.diagnose)
      for (const std::string& d : p.diagnostics) o.diagnose(g.source + ": " + d);
  };
  std::unique_ptr<Program> first = Compiler().compile(patch, co);
  report(patch, *first);
  vm.load_program(std::move(first));

  // Swap programs are compiled before the render starts, so every swap lands exactly where it
  // is scheduled whatever compiling costs: the output stays reproducible.
  struct Pending {
    std::uint64_t frame;
    std::unique_ptr<Program> program;
    const PatchGraph* patch;
  };
  std::vector<Pending> swaps;
  for (const ScheduledSwap& s : o.swaps) {
    Pending p{swapFrame(s.seconds, o.sampleRate), Compiler().compile(s.patch, co), &s.patch};
    report(s.patch, *p.program);
    p.program->generation = swaps.size() + 1;
    swaps.push_back(std::move(p));
  }
  std::stable_sort(swaps.begin(), swaps.end(), [](const Pending& a, const Pending& b) { return a.frame < b.frame; });
  std::size_t nextSwap = 0;

  const std::uint64_t total = renderFrames(o, score);
  const int block = std::max(1, o.hostBlock);
  std::vector<std::vector<float>> buffers(static_cast<std::size_t>(o.channels), std::vector<float>(static_cast<std::size_t>(block)));
  std::vector<float*> ptrs;
  for (auto& b : buffers) ptrs.push_back(b.data());
  std::vector<std::vector<float>> inBuffers(static_cast<std::size_t>(numInputs), std::vector<float>(static_cast<std::size_t>(block)));
  std::vector<const float*> inPtrs;
  for (auto& b : inBuffers) inPtrs.push_back(b.data());

  RenderStats stats;
  stats.channels = o.channels;
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t next = 0;
  const std::size_t numEvents = score ? score->events.size() : 0;
  std::uint64_t done = 0;
  while (done < total) {
    // Swaps due at this block boundary go in now; the VM takes them before computing the block.
    for (; nextSwap < swaps.size() && swaps[nextSwap].frame <= done; ++nextSwap) {
      Program& p = *swaps[nextSwap].program; // compiled up front: requested and compiled, as far as the stream knows, now
      p.requestNs = p.compiledNs = steadyNowNs();
      p.requestFrame = p.compiledFrame = done;
      vm.scheduleNewProgram(std::move(swaps[nextSwap].program));
    }
    int n = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(block), total - done));
    if (nextSwap < swaps.size()) n = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(n), swaps[nextSwap].frame - done));
    // Post every event the blocks computed in this call will need. If the queue fills, render
    // only up to the block that needs the first event not posted, then post again.
    const std::uint64_t horizon = done + static_cast<std::uint64_t>(n) + kBlockFrames;
    while (next < numEvents && score->events[next].frame < horizon && vm.postEvent(score->events[next])) ++next;
    if (next < numEvents && score->events[next].frame < horizon) {
      const std::uint64_t blockStart = score->events[next].frame / kBlockFrames * kBlockFrames;
      if (blockStart > done) n = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(n), blockStart - done));
      else n = std::min(n, kBlockFrames);
    }
    for (int c = 0; c < numInputs; ++c) {
      const std::vector<float>& src = (*o.input)[static_cast<std::size_t>(c)];
      for (int i = 0; i < n; ++i) {
        const std::uint64_t f = done + static_cast<std::uint64_t>(i);
        inBuffers[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)] = f < src.size() ? src[f] : 0.0f;
      }
    }
    vm.process(numInputs ? inPtrs.data() : nullptr, ptrs.data(), n);
    for (int c = 0; c < o.channels; ++c)
      for (int i = 0; i < n; ++i) {
        const float x = ptrs[static_cast<std::size_t>(c)][i];
        const float a = std::fabs(x);
        stats.peak = std::max(stats.peak, a);
        stats.sumSquares += static_cast<double>(x) * x;
        stats.clippedSamples += a > 1.0f ? 1 : 0;
      }
    sink(ptrs.data(), n);
    vm.collectRetired();
    done += static_cast<std::uint64_t>(n);
    if (progress) progress(done, total);
  }
  stats.frames = done;
  stats.guardedBlocks = vm.counters().guardedBlocks.load();
  stats.lateEvents = vm.counters().lateEvents.load();
  stats.swaps = vm.counters().swaps.load();
  stats.meters = meterLevels(nextSwap > 0 ? *swaps[nextSwap - 1].patch : patch, vm.meters());
  stats.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

} // namespace mvm::render
