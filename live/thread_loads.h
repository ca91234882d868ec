#pragma once
// Load per thread with --threads N: the share of the audio's time each thread spent computing
// blocks, over a window (the meter's tenth of a second, the soak's second, the whole run). The
// audio thread's figure is its callbacks' duration (everything it does for a block, waiting for a
// worker's last task included: what its budget has to cover); a worker's is the time it ran
// tasks (spinning and sleeping between blocks are not work). A thread that did nothing reads 0.
//
// Thread contract: control thread (the counters are the callback's and the pool's relaxed atomics).

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "callback_metrics.h"
#include "mvm/vm/worker_pool.h"

namespace mvm::live {

class ThreadLoads {
public:
  // `pool`: the VM's, or null with one thread. The first window starts at the stream's start.
  ThreadLoads(const CallbackMetrics& metrics, const WorkerPool* pool, double sampleRate)
      : metrics_(metrics), pool_(pool), nsPerFrame_(1e9 / sampleRate), busy_(static_cast<std::size_t>(pool ? pool->threads() : 1), 0) {}

  int threads() const noexcept { return static_cast<int>(busy_.size()); }

  // Each thread's mean load (% of the audio's time) since the last call; empty when no audio played since.
  std::vector<double> take() {
    const std::uint64_t frames = metrics_.frames();
    const double audioNs = static_cast<double>(frames - frames_) * nsPerFrame_;
    std::vector<double> percent;
    if (audioNs <= 0) return percent;
    frames_ = frames;
    for (int t = 0; t < threads(); ++t) {
      const std::uint64_t busy = t == 0 ? metrics_.busyNs() : pool_->busyNs(t);
      percent.push_back(100.0 * static_cast<double>(busy - busy_[static_cast<std::size_t>(t)]) / audioNs);
      busy_[static_cast<std::size_t>(t)] = busy;
    }
    return percent;
  }

private:
  const CallbackMetrics& metrics_;
  const WorkerPool* pool_;
  const double nsPerFrame_;
  std::uint64_t frames_ = 0;
  std::vector<std::uint64_t> busy_; // as of the last call, per thread
};

// "41.2% 38.0%": one figure per thread, the audio thread first.
inline std::string threadLoadsText(const std::vector<double>& percent, int decimals = 1) {
  std::string s;
  for (double p : percent) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.*f%%", s.empty() ? "" : " ", decimals, p);
    s += buf;
  }
  return s;
}

} // namespace mvm::live
