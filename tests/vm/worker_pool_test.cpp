// The multi-core VM (vm/worker_pool.h): bit for bit the one-thread output at every thread count
// and host block size, with notes, hot swaps and crossfades, workers waking from sleep; no
// allocation on any thread that computes a block (the rt probe counts the workers too).

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mvm/mvm.h"
#include "random_patch.h"

using namespace mvm;

namespace {

std::unique_ptr<Program> compile(const std::string& json, int threads) {
  CompileOptions o;
  o.threads = threads;
  o.parallelMinCost = 0; // every program split, however small
  return Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, "<test>"), o);
}

std::string patchFile(const char* name) {
  std::ifstream in(std::string(MVM_SOURCE_DIR) + "/patches/" + name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Event note(bool on, int key) {
  Event e;
  e.type = on ? EventType::NoteOn : EventType::NoteOff;
  e.frame = kFrameNow;
  e.key = static_cast<std::uint8_t>(key);
  e.value = 0.8f;
  return e;
}

// Drives a VM through a fixed script: notes, and a swap to the next patch every `swapEvery`
// buffers (0: none). Host buffers take sizes from `blocks`, cycling. Returns both channels.
std::vector<float> play(int threads, const std::vector<std::string>& patches, int buffers, std::vector<int> blocks,
                        int swapEvery, int sleepMsAt = -1) {
  VM vm(VMConfig{48000.0, 2, 0, threads});
  vm.setCrossfade(10.0, FadeCurve::EqualPower);
  vm.loadProgram(compile(patches[0], threads));
  std::vector<float> out, l(4096), r(4096);
  float* ch[] = {l.data(), r.data()};
  std::size_t next = 1;
  for (int b = 0; b < buffers; ++b) {
    if (b % 7 == 0) vm.postEvent(note((b / 7) % 2 == 0, 40 + (b * 5) % 36));
    if (swapEvery > 0 && b > 0 && b % swapEvery == 0) vm.scheduleNewProgram(compile(patches[next++ % patches.size()], threads));
    if (b == sleepMsAt) std::this_thread::sleep_for(std::chrono::milliseconds(30)); // the workers fall asleep
    const int n = blocks[static_cast<std::size_t>(b) % blocks.size()];
    vm.process(nullptr, ch, n);
    out.insert(out.end(), l.begin(), l.begin() + n);
    out.insert(out.end(), r.begin(), r.begin() + n);
    vm.collectRetired();
  }
  return out;
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

} // namespace

TEST(WorkerPool, RandomPatchesWithNotesRenderTheSameOnEveryThreadCountAndHostBlock) {
  std::mt19937 rng(7);
  for (int n = 0; n < 24; ++n) {
    const std::vector<std::string> patch{test::randomPatch(rng, 20)};
    EXPECT_TRUE(sameBits(play(1, patch, 60, {256}, 0), play(2, patch, 60, {256}, 0))) << "2 threads, patch " << patch[0];
    // Notes land at the buffer they are posted before: the same buffers on one thread.
    EXPECT_TRUE(sameBits(play(1, patch, 150, {100, 37, 163}, 0), play(3, patch, 150, {100, 37, 163}, 0))) << "3 threads, patch " << patch[0];
  }
}

TEST(WorkerPool, HotSwapsAndCrossfadesStayBitIdentical) {
  std::mt19937 rng(11);
  std::vector<std::string> patches{patchFile("poly-subtractive.json"), patchFile("generative.json")};
  for (int n = 0; n < 4; ++n) patches.push_back(test::randomPatch(rng, 16));
  const std::vector<float> one = play(1, patches, 400, {128}, 25);
  EXPECT_TRUE(sameBits(one, play(2, patches, 400, {128}, 25)));
  EXPECT_TRUE(sameBits(one, play(4, patches, 400, {128}, 25)));
}

TEST(WorkerPool, WorkersAsleepBetweenBlocksWakeForTheNextAndShareTheWork) {
  const std::vector<std::string> patch{patchFile("poly-subtractive.json")};
  const std::vector<float> one = play(1, patch, 120, {512}, 0);
  EXPECT_TRUE(sameBits(one, play(2, patch, 120, {512}, 0, 60)));

  VM vm(VMConfig{48000.0, 2, 0, 2});
  vm.loadProgram(compile(patch[0], 2));
  ASSERT_NE(vm.workerPool(), nullptr);
  std::vector<float> l(512), r(512);
  float* ch[] = {l.data(), r.data()};
  vm.postEvent(note(true, 48));
  vm.postEvent(note(true, 55));
  const std::size_t tasks = vm.program()->tasks.tasks.size();
  const WorkerPool& pool = *vm.workerPool();
  // The worker takes part once the machine gives it a core (on a loaded machine the audio thread
  // may run whole blocks alone first: it takes the tasks of a worker that has not started).
  std::uint64_t buffers = 0, processNs = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((buffers < 200 || pool.tasksRun(1) == 0) && std::chrono::steady_clock::now() < deadline) {
    const std::uint64_t start = steadyNowNs();
    vm.process(nullptr, ch, 512);
    processNs += steadyNowNs() - start;
    if (++buffers > 200) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  EXPECT_GT(pool.tasksRun(1), 0u) << "the worker took part";
  EXPECT_EQ(pool.tasksRun(0) + pool.tasksRun(1), buffers * 8 * tasks) << "every task of every block ran once";
  // The time each thread ran tasks (the live runner's load per thread): the tasks are nearly all
  // of a block's work, and no thread runs tasks outside the blocks (a preemption's worth of slack).
  const double busy0 = static_cast<double>(pool.busyNs(0)), busy1 = static_cast<double>(pool.busyNs(1)), blocks = static_cast<double>(processNs);
  std::printf("[ figures ] %llu buffers in %.1f ms: tasks ran %.1f ms on the audio thread, %.1f ms on the worker\n",
              static_cast<unsigned long long>(buffers), blocks * 1e-6, busy0 * 1e-6, busy1 * 1e-6);
  EXPECT_GT(busy1, 0.0);
  EXPECT_GT(busy0 + busy1, 0.5 * blocks);
  EXPECT_LT(busy0, 1.5 * blocks);
  EXPECT_LT(busy1, 1.5 * blocks);

  // A worker asleep (no block for 50 ms) is woken by the next block, and the wake is measured.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::uint64_t wakes = 0;
  std::vector<std::uint64_t> histogram;
  while (wakes == 0 && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(20)) {
    vm.process(nullptr, ch, 512);
    std::this_thread::sleep_for(std::chrono::milliseconds(2)); // time for the worker to count its wake
    histogram = pool.wakeHistogram();
    wakes = 0;
    for (std::uint64_t k : histogram) wakes += k;
  }
  EXPECT_GE(wakes, 1u);
  const std::uint64_t p99 = WorkerPool::wakeQuantileNs(histogram, 0.99);
  EXPECT_GT(p99, 0u);
  EXPECT_LT(p99, 50'000'000u) << "not the 50 ms it slept";
}

// The live runner gives the workers the audio thread's scheduling; a refusal is an error code,
// and the pool keeps working either way.
TEST(WorkerPool, WorkersTakeTheSchedulingAskedOrSayWhyNot) {
  const std::vector<std::string> patch{patchFile("poly-subtractive.json")};
  VM vm(VMConfig{48000.0, 2, 0, 2});
  vm.loadProgram(compile(patch[0], 2));
  ASSERT_NE(vm.workerPool(), nullptr);
  EXPECT_EQ(vm.workerPool()->setScheduling(SCHED_FIFO, 100000), EINVAL) << "no such priority";
  EXPECT_EQ(vm.workerPool()->setScheduling(SCHED_OTHER, 0), 0);
  std::vector<float> l(256), r(256);
  float* ch[] = {l.data(), r.data()};
  vm.postEvent(note(true, 48));
  for (int b = 0; b < 50; ++b) vm.process(nullptr, ch, 256);
  float peak = 0;
  for (float x : l) peak = std::max(peak, std::fabs(x));
  EXPECT_GT(peak, 0.01f) << "still playing";
}

TEST(WorkerPool, ProgramsRunAnywhere) {
  // A program planned for threads runs on a one-thread VM, and a one-thread program on a pool.
  const std::string patch = patchFile("poly-subtractive.json");
  const auto render = [&](int vmThreads, int compileThreads) {
    VM vm(VMConfig{48000.0, 2, 0, vmThreads});
    vm.loadProgram(compile(patch, compileThreads));
    vm.postEvent(note(true, 50));
    std::vector<float> out, l(256), r(256);
    float* ch[] = {l.data(), r.data()};
    for (int b = 0; b < 50; ++b) {
      vm.process(nullptr, ch, 256);
      out.insert(out.end(), l.begin(), l.end());
    }
    return out;
  };
  const std::vector<float> one = render(1, 1);
  EXPECT_TRUE(sameBits(one, render(1, 3)));
  EXPECT_TRUE(sameBits(one, render(3, 1)));
  EXPECT_TRUE(sameBits(one, render(3, 3)));
}
