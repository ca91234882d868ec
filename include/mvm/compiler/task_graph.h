#pragma once
// A program's block split into tasks that threads may run at the same time
// (compiler/task_planner.h builds it, vm/worker_pool.h runs it). A task is a list of bytecode
// ranges, run in order, meant for one thread; an edge orders two tasks that touch the same buffer
// or module, in program order, so every order the edges allow computes exactly what the bytecode
// run from start to end does. Empty: the program runs on one thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace mvm {

struct TaskGraph {
  struct Task {
    std::uint32_t firstRange = 0, rangeCount = 0; // into ranges
    std::uint32_t predecessors = 0;    // tasks that must finish first
    std::uint32_t firstSuccessor = 0;  // into successors
    std::uint32_t successorCount = 0;
    std::uint32_t thread = 0;          // the thread it was planned for (modulo the threads running it)
    std::uint64_t cost = 0;            // estimated work (module channels)
  };

  std::vector<Task> tasks;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges; // bytecode offsets [begin, end)
  std::vector<std::uint32_t> successors;
  std::vector<std::uint32_t> roots;    // tasks without predecessors
  std::uint64_t totalCost = 0;         // estimated work of the block
  std::uint64_t makespan = 0;          // of the planned schedule: totalCost / makespan is the speed-up it expects
  // Per task, reset each block: predecessors still running. Written on the audio and worker threads.
  std::unique_ptr<std::atomic<std::uint32_t>[]> pending;

  bool empty() const noexcept { return tasks.empty(); }
};

} // namespace mvm
