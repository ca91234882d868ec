#pragma once
// Worker threads that run a program's TaskGraph (compiler/task_graph.h) beside the audio thread,
// one block at a time: the audio thread posts the block's ready tasks, works on its own, and
// returns when the last task is done. A finished task releases its successors by lock-free
// dependency counting. Each thread has a bounded lock-free queue of ready tasks, the tasks planned
// for it (the planner's thread, modulo the pool's threads), and runs them first, so a voice's
// state stays in one core's cache block after block; with none ready, it takes another's. Which
// thread runs a task never changes what it computes (the graph orders every pair of tasks that
// share anything): the output is bit for bit the one-thread output.
//
// While a block runs, no thread allocates, locks or blocks. Between blocks, a worker spins for
// about kSpinRounds pauses (offline renders post the next block sooner; kRealtimeSpinRounds once
// it runs at real-time priority, setScheduling), then sleeps on a futex
// (std::atomic::wait) until the audio thread posts a block; the audio thread wakes sleepers with
// one futex wake, a system call that does not block, and only when a worker sleeps.
// Every worker flushes denormals as the audio thread does (the same arithmetic on every thread).

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "mvm/compiler/program.h"
#include "mvm/compiler/task_graph.h"
#include "mvm/compiler/task_planner.h"
#include "mvm/core/clock.h"
#include "mvm/core/denormals.h"
#include "mvm/core/rt_context.h"
#include "mvm/rt/lock_free_queue.h"
#include "mvm/rt/thread_scheduling.h"
#include "mvm/vm/interpreter.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace mvm {

class WorkerPool {
public:
  static constexpr int kMaxThreads = 64;
  static constexpr int kSpinRounds = 1 << 14;
  // A real-time worker spins less: it wakes promptly, and while it spins no ordinary thread gets its core.
  static constexpr int kRealtimeSpinRounds = 1 << 10;

  // control thread: `threads` in all, the audio thread included (threads - 1 workers start here).
  explicit WorkerPool(int threads) {
    const int n = std::clamp(threads, 1, kMaxThreads);
    for (int i = 0; i < n; ++i) ready_.push_back(std::make_unique<ReadyQueue>());
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i] { workerMain(i); });
  }
  ~WorkerPool() {
    stop_.store(true, std::memory_order_seq_cst);
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    epoch_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const noexcept { return static_cast<int>(workers_.size()) + 1; }

  // control thread: gives every worker the audio thread's scheduling (a live runner calls it once
  // the audio thread is known), so a worker is not preempted by ordinary threads in mid-task.
  // Returns 0, or the error of the first worker refused (EPERM without the right to real time).
  int setScheduling(int policy, int priority) noexcept {
    for (std::thread& t : workers_)
      if (const int error = setThreadScheduling(t, policy, priority); error != 0) return error;
    if (policy == SCHED_FIFO || policy == SCHED_RR) spinRounds_.store(kRealtimeSpinRounds, std::memory_order_relaxed);
    return 0;
  }
  // any thread: tasks thread `thread` ran so far (0: the audio thread, then the workers), and the
  // time it spent running them (its share of the work; the rest of its time it waited or slept)
  std::uint64_t tasksRun(int thread) const noexcept { return stats_[thread].tasks.load(std::memory_order_relaxed); }
  std::uint64_t busyNs(int thread) const noexcept { return stats_[thread].busyNs.load(std::memory_order_relaxed); }

  // Wake-up latency: from the audio thread posting a block to a worker that was asleep running,
  // counted in buckets a quarter of an octave wide (bucket b holds latencies below wakeBucketNs(b)).
  static constexpr int kWakeBuckets = 4 * 40;
  static std::uint64_t wakeBucketNs(int b) noexcept {
    return static_cast<std::uint64_t>(std::ldexp(1.0 + 0.25 * ((b & 3) + 1), b >> 2)); // the bucket's upper bound
  }
  // any thread: the latencies seen so far, all workers together
  std::vector<std::uint64_t> wakeHistogram() const {
    std::vector<std::uint64_t> h(kWakeBuckets, 0);
    for (int t = 1; t < threads(); ++t)
      for (int b = 0; b < kWakeBuckets; ++b) h[static_cast<std::size_t>(b)] += stats_[t].wakes[b].load(std::memory_order_relaxed);
    return h;
  }
  // The upper bound of the bucket holding quantile q (0..1) of `histogram`, in ns; 0 when empty.
  static std::uint64_t wakeQuantileNs(const std::vector<std::uint64_t>& histogram, double q) {
    std::uint64_t total = 0, seen = 0;
    for (std::uint64_t n : histogram) total += n;
    for (int b = 0; b < kWakeBuckets && total > 0; ++b)
      if ((seen += histogram[static_cast<std::size_t>(b)]) >= static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total))))
        return wakeBucketNs(b);
    return 0;
  }

  // audio thread: one block of `p` (whose task graph is not empty), with `interpreter`'s resolved
  // parameter events; returns when every task is done, so nothing of `p` is touched after.
  void run(Program& p, const Interpreter& interpreter) noexcept MVM_NONBLOCKING {
    TaskGraph& g = p.tasks;
    program_ = &p;
    interpreter_ = &interpreter;
    for (std::size_t t = 0; t < g.tasks.size(); ++t) g.pending[t].store(g.tasks[t].predecessors, std::memory_order_relaxed);
    remaining_.store(static_cast<std::uint32_t>(g.tasks.size()), std::memory_order_release);
    for (std::uint32_t t : g.roots) post(t);
    postedNs_.store(steadyNowNs(), std::memory_order_relaxed); // before the epoch: a worker woken by it sees it
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) wake();
    work(0);
  }

private:
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
  }

  // The futex wake is a system call, but not a blocking one: RTSan's contract is lifted for it alone.
  void wake() noexcept MVM_NONBLOCKING {
#ifdef MVM_RTSAN
    __rtsan::ScopedDisabler allowed;
#endif
    epoch_.notify_all();
  }

  // Queues a ready task for its thread. A queue holds every task of a block (kMaxTasks), so the
  // push cannot fail.
  void post(std::uint32_t t) noexcept MVM_NONBLOCKING {
    (void)ready_[program_->tasks.tasks[t].thread % ready_.size()]->tryPush(t);
  }

  // Runs tasks until the block has none left: its own first, else another thread's (a thread that
  // is late, asleep or preempted never holds up the block).
  void work(int thread) noexcept MVM_NONBLOCKING {
    AudioThreadScope audioThread;
    const std::size_t n = ready_.size();
    while (remaining_.load(std::memory_order_acquire) != 0) {
      std::uint32_t t;
      bool found = false;
      for (std::size_t k = 0; k < n && !found; ++k) found = ready_[(static_cast<std::size_t>(thread) + k) % n]->tryPop(t);
      if (found) {
        const std::uint64_t start = steadyNowNs();
        runTask(t, thread);
        std::atomic<std::uint64_t>& busy = stats_[thread].busyNs;
        busy.store(busy.load(std::memory_order_relaxed) + (steadyNowNs() - start), std::memory_order_relaxed); // one writer
      } else {
        pause();
      }
    }
  }

  void runTask(std::uint32_t t, int thread) noexcept MVM_NONBLOCKING {
    stats_[thread].tasks.store(stats_[thread].tasks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); // one writer
    TaskGraph& g = program_->tasks;
    const TaskGraph::Task& task = g.tasks[t];
    for (std::uint32_t r = task.firstRange; r < task.firstRange + task.rangeCount; ++r)
      interpreter_->executeRange(*program_, g.ranges[r].first, g.ranges[r].second);
    for (std::uint32_t i = 0; i < task.successorCount; ++i) {
      const std::uint32_t s = g.successors[task.firstSuccessor + i];
      if (g.pending[s].fetch_sub(1, std::memory_order_acq_rel) == 1) post(s);
    }
    remaining_.fetch_sub(1, std::memory_order_acq_rel); // last: the audio thread may move on after it
  }

  void countWake(int thread, std::uint64_t ns) noexcept {
    int b = 0;
    while (b + 1 < kWakeBuckets && ns >= wakeBucketNs(b)) ++b;
    std::atomic<std::uint64_t>& n = stats_[thread].wakes[b];
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); // one writer
  }

  void workerMain(int thread) noexcept {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t now = epoch_.load(std::memory_order_acquire);
      const int spinRounds = spinRounds_.load(std::memory_order_relaxed);
      for (int i = 0; now == seen && i < spinRounds; ++i) {
        pause();
        now = epoch_.load(std::memory_order_acquire);
      }
      if (now == seen) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        epoch_.wait(seen, std::memory_order_seq_cst);
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        now = epoch_.load(std::memory_order_acquire);
        const std::uint64_t posted = postedNs_.load(std::memory_order_relaxed), woke = steadyNowNs();
        if (posted != 0 && !stop_.load(std::memory_order_relaxed)) countWake(thread, woke - std::min(posted, woke));
      }
      seen = now;
      if (stop_.load(std::memory_order_acquire)) return;
      flushDenormals();
      work(thread);
    }
  }

  struct alignas(64) ThreadStats { // a cache line each: threads count side by side
    std::atomic<std::uint64_t> tasks{0}, busyNs{0};
    std::atomic<std::uint64_t> wakes[kWakeBuckets] = {};
  };

  using ReadyQueue = MpmcLockFreeQueue<std::uint32_t, kMaxTasks + 1>;

  ThreadStats stats_[kMaxThreads];
  std::vector<std::unique_ptr<ReadyQueue>> ready_; // per thread: its tasks whose predecessors are done
  std::vector<std::thread> workers_;
  std::atomic<std::uint32_t> remaining_{0};
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<int> spinRounds_{kSpinRounds};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> postedNs_{0}; // when the audio thread last posted a block
  // Set by the audio thread before it posts a block's tasks; read by whoever runs one of them.
  Program* program_ = nullptr;
  const Interpreter* interpreter_ = nullptr;
};

} // namespace mvm
