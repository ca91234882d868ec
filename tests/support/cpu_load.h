#pragma once
// Ordinary threads that keep every core busy while they live: the load a real-time path must not
// notice (the test suite's other programs in CI, a compile beside a gig).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace mvm::test {

class CpuLoad {
public:
  // `perCore` busy threads for each core, at normal priority.
  explicit CpuLoad(unsigned perCore) {
    const unsigned n = perCore * std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i)
      threads_.emplace_back([this] {
        std::uint64_t x = 1;
        while (!stop_.load(std::memory_order_relaxed))
          for (int k = 0; k < 1000; ++k) x = x * 6364136223846793005ull + 1442695040888963407ull;
        sink_.fetch_add(x, std::memory_order_relaxed); // the work is not optimised away
      });
  }
  ~CpuLoad() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
  }
  CpuLoad(const CpuLoad&) = delete;
  CpuLoad& operator=(const CpuLoad&) = delete;

private:
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sink_{0};
  std::vector<std::thread> threads_;
};

} // namespace mvm::test
