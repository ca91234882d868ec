#pragma once
// A stand-in sound card for tests: a thread calling VM::process (no inputs) every `frames` frames of
// wall-clock time (sleep_until a fixed schedule, so it does not drift), counting its callbacks.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "mvm/vm/vm.h"

namespace mvm::test {

class AudioDriver {
public:
  AudioDriver(VM& vm, int frames, double sampleRate = 48000.0)
      : vm_(vm), frames_(frames), period_(std::chrono::nanoseconds(static_cast<long long>(1e9 * frames / sampleRate))) {
    left_.resize(static_cast<std::size_t>(frames));
    right_.resize(static_cast<std::size_t>(frames));
    thread_ = std::thread([this] { run(); });
  }
  ~AudioDriver() { stop(); }

  void stop() {
    running_.store(false);
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t callbacks() const { return callbacks_.load(); }
  // Callbacks that started later than one period after their scheduled time.
  std::uint64_t lateCallbacks() const { return late_.load(); }
  double maxCallbackMs() const { return static_cast<double>(maxCallbackNs_.load()) * 1e-6; }
  float lastPeak() const { return lastPeak_.load(); }

private:
  void run() {
    auto next = std::chrono::steady_clock::now();
    float* out[] = {left_.data(), right_.data()};
    while (running_.load()) {
      std::this_thread::sleep_until(next);
      const auto start = std::chrono::steady_clock::now();
      if (start - next > period_) late_.fetch_add(1);
      vm_.process(nullptr, out, frames_);
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
      maxCallbackNs_.store(std::max(maxCallbackNs_.load(), static_cast<long long>(ns)));
      float peak = 0;
      for (float x : left_) peak = std::max(peak, x < 0 ? -x : x);
      lastPeak_.store(peak);
      callbacks_.fetch_add(1);
      next += period_;
    }
  }

  VM& vm_;
  int frames_;
  std::chrono::nanoseconds period_;
  std::vector<float> left_, right_;
  std::atomic<bool> running_{true};
  std::atomic<std::uint64_t> callbacks_{0}, late_{0};
  std::atomic<long long> maxCallbackNs_{0};
  std::atomic<float> lastPeak_{0};
  std::thread thread_;
};

} // namespace mvm::test
