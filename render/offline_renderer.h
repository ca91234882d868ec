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
#include "render_summary.h"

namespace mvm::render {

// A hot swap during a render: lands at the first block boundary at or after `seconds`. Swaps
// to the same patch share its graph.
struct ScheduledSwap {
  double seconds = 0;
  std::shared_ptr<const PatchGraph> patch;
};

struct RenderOptions {
  double sampleRate = 48000.0;
  int channels = 2;
  int hostBlock = 512;       // frames per VM::process call; never changes the output
  int threads = 1;           // threads computing each block (vm/worker_pool.h); never changes the output
  std::uint64_t parallelMinCost = TaskPlanOptions{}.minCost; // CompileOptions::parallelMinCost (tests: 0)
  double seconds = -1.0;     // < 0: from the score (its duration, or last event + tail), else 4 s
  bool overrideSeed = false;
  std::uint64_t seed = 0;
  std::vector<ScheduledSwap> swaps;  // in any order
  double crossfadeMs = 20.0;
  FadeCurve crossfadeCurve = FadeCurve::EqualPower;
  // Host input for AudioIn (non-interleaved channels at sampleRate); silence after its end.
  const std::vector<std::vector<float>>* input = nullptr;
  // Called with each compiler report ("PATCH: feedback: cycle broken at …"), as each patch compiles.
  std::function<void(const std::string&)> diagnose;
  // Names the score in the message when a length taken from it is over kMaxRenderSeconds.
  std::string scoreSource = "score";
};

struct RenderStats : OutputStats {
  std::uint64_t lateEvents = 0;
  std::uint64_t swaps = 0;
};

// The frame a swap scheduled at `seconds` lands on: the first block boundary at or after it.
inline std::uint64_t swapFrame(double seconds, double sampleRate) {
  const auto frame = static_cast<std::uint64_t>(std::llround(seconds * sampleRate));
  return (frame + kBlockFrames - 1) / kBlockFrames * kBlockFrames;
}

inline constexpr double kDefaultSeconds = 4.0;
inline constexpr double kScoreTailSeconds = 2.0;
// The longest render, however its length is given: --seconds, a score's duration or last event,
// a MIDI file's end, a session's frames.
inline constexpr double kMaxRenderSeconds = 86400.0;

// Throws PatchError (bad input) when a length taken from the score is over kMaxRenderSeconds.
inline std::uint64_t renderFrames(const RenderOptions& o, const Score* score) {
  double seconds = o.seconds;
  if (seconds < 0) {
    if (score && score->durationSeconds > 0) seconds = score->durationSeconds;
    else if (score && !score->events.empty()) seconds = static_cast<double>(score->lastFrame) / o.sampleRate + kScoreTailSeconds;
    else seconds = kDefaultSeconds;
    if (!(seconds <= kMaxRenderSeconds))
      throw PatchError(o.scoreSource, "", "the render would last " + std::to_string(std::llround(std::min(seconds, 1e18))) +
                                              " s (its last event or end); the limit is 86400 s: give --seconds to render part of it");
  }
  return static_cast<std::uint64_t>(std::llround(std::min(seconds, kMaxRenderSeconds) * o.sampleRate));
}

using Sink = std::function<void(const float* const* channels, int frames)>;
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// A scheduled swap, in the order swaps land (ties keep their command-line order).
struct PendingSwap {
  std::uint64_t frame;
  std::uint64_t generation; // the swap's place on the command line, as live numbering would give
  const PatchGraph* patch;
};

inline std::vector<PendingSwap> pendingSwaps(const RenderOptions& o) {
  std::vector<PendingSwap> swaps;
  for (const ScheduledSwap& s : o.swaps) swaps.push_back({swapFrame(s.seconds, o.sampleRate), swaps.size() + 1, s.patch.get()});
  std::stable_sort(swaps.begin(), swaps.end(), [](const PendingSwap& a, const PendingSwap& b) { return a.frame < b.frame; });
  return swaps;
}

// The host input of frames [done, done + n): the --input WAV, silence after its end.
inline void fillInput(const RenderOptions& o, std::uint64_t done, int n, std::vector<std::vector<float>>& inBuffers) {
  for (std::size_t c = 0; c < inBuffers.size(); ++c) {
    const std::vector<float>& src = (*o.input)[c];
    for (int i = 0; i < n; ++i) {
      const std::uint64_t f = done + static_cast<std::uint64_t>(i);
      inBuffers[c][static_cast<std::size_t>(i)] = f < src.size() ? src[f] : 0.0f;
    }
  }
}

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
  co.threads = o.threads;
  co.parallelMinCost = o.parallelMinCost;
  VM vm(VMConfig{o.sampleRate, o.channels, numInputs, o.threads});
  vm.setCrossfade(o.crossfadeMs, o.crossfadeCurve);
  const auto report = [&](const PatchGraph& g, const Program& p) {
    if (o.diagnose)
      for (const std::string& d : p.diagnostics) o.diagnose(g.source + ": " + d);
  };
  const std::uint64_t total = renderFrames(o, score);
  std::unique_ptr<Program> first = Compiler(builtinModules()).compile(patch, co);
  report(patch, *first);
  vm.loadProgram(std::move(first));

  // A swap's program is compiled at the block boundary it lands on, so memory holds the playing
  // and the incoming program only, however many swaps there are. Offline, compiling costs no
  // audio time: each swap still lands exactly where it is scheduled, the output is unchanged.
  const std::vector<PendingSwap> swaps = pendingSwaps(o);
  std::size_t nextSwap = 0;

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
      std::unique_ptr<Program> p = Compiler(builtinModules()).compile(*swaps[nextSwap].patch, co);
      report(*swaps[nextSwap].patch, *p);
      p->generation = swaps[nextSwap].generation;
      vm.scheduleNewProgram(std::move(p));
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
    fillInput(o, done, n, inBuffers);
    vm.process(numInputs ? inPtrs.data() : nullptr, ptrs.data(), n);
    stats.add(ptrs.data(), n);
    sink(ptrs.data(), n);
    vm.collectRetired();
    done += static_cast<std::uint64_t>(n);
    if (progress) progress(done, total);
  }
  stats.guardedBlocks = vm.counters().guardedBlocks.load();
  stats.lateEvents = vm.counters().lateEvents.load();
  stats.swaps = vm.counters().swaps.load();
  stats.meters = meterLevels(nextSwap > 0 ? *swaps[nextSwap - 1].patch : patch, vm.meters());
  stats.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

} // namespace mvm::render
