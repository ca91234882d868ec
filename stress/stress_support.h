#pragma once
// Helpers of the stress tests: run lengths from the environment (ci/nightly-stress makes them
// long), offline audio processing and the process's resident memory.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mvm/mvm.h"

namespace mvm::stress {

// The value of environment variable `name` as a number, or `fallback`.
inline double envNumber(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  return end && *end == '\0' && x > 0 ? x : fallback;
}

// Seconds each contention test runs (MVM_STRESS_SECONDS, default 2).
inline std::chrono::milliseconds stressDuration() {
  return std::chrono::milliseconds(static_cast<long long>(1000.0 * envNumber("MVM_STRESS_SECONDS", 2.0)));
}

// A stereo host buffer that processes `frames` at a time on the calling thread.
class OfflineAudio {
public:
  explicit OfflineAudio(VM& vm, int frames = 256) : vm_(vm), frames_(frames), left_(static_cast<std::size_t>(frames)), right_(left_) {}
  // Returns the peak of the block.
  float process() {
    float* ch[] = {left_.data(), right_.data()};
    vm_.process(nullptr, ch, frames_);
    float peak = 0;
    for (int i = 0; i < frames_; ++i) {
      peak = std::max(peak, std::abs(left_[static_cast<std::size_t>(i)]));
      if (!std::isfinite(left_[static_cast<std::size_t>(i)]) || !std::isfinite(right_[static_cast<std::size_t>(i)])) nonFinite_ = true;
    }
    return peak;
  }
  // Processes until the request is final (or `maxBlocks` pass); returns its state.
  SwapState runUntilFinal(const SwapHandle& h, int maxBlocks = 1 << 20) {
    for (int i = 0; i < maxBlocks && !h.finished(); ++i) process();
    return h.state();
  }
  bool sawNonFinite() const { return nonFinite_; }
  int frames() const { return frames_; }

private:
  VM& vm_;
  int frames_;
  std::vector<float> left_, right_;
  bool nonFinite_ = false;
};

// Resident set size in bytes (Linux /proc/self/statm), 0 when unknown.
inline std::size_t residentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * 4096ul : 0;
}

// A patch: a sine of `freq` through a gain into both outputs (module ids fixed, so state carries over).
// The text of an example patch in patches/ (throws, naming the path, when it cannot be read).
inline std::string examplePatch(const std::string& name) {
  return PatchParser::readTextFile(std::string(MVM_SOURCE_DIR) + "/patches/" + name);
}

inline std::string sinePatch(double freq, double gain = 0.5) {
  return R"({"modules": [{"id": "osc", "type": "SineGen", "params": {"freq": )" + std::to_string(freq) +
         R"(}}, {"id": "g", "type": "Gain", "params": {"gain": )" + std::to_string(gain) +
         R"(}}, {"id": "out", "type": "AudioOut"}], "connections": [{"from": "osc.out", "to": "g.in"}, {"from": "g.out", "to": "out.left"}, {"from": "g.out", "to": "out.right"}]})";
}

} // namespace mvm::stress
