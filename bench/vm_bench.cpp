// VM throughput: whole patches as realtime factors (audio seconds per CPU second at 48 kHz), CPU
// against voice count for the subtractive patch, the VM's dispatch cost per instruction and the
// event queues' throughput. The patches are bench/patches/ (see bench_patches.h).

#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>
#include <thread>
#include <string>
#include <vector>

#include "bench_patches.h"
#include "mono_voices_patch.h"
#include "mvm/mvm.h"
#include "offline_renderer.h"

using namespace mvm;

namespace {

// CPU time of this thread, the clock Google Benchmark's cpu_time reads.
double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs body (audioSecondsPerIteration of audio) and reports the realtime factor and the share of
// one core the patch needs in real time, in percent, as plain numbers (rate counters would print
// them with a "/s" or "s" unit).
template <class Body>
void measureRealtime(benchmark::State& state, double audioSecondsPerIteration, Body body) {
  const double cpuStart = threadCpuSeconds();
  for (auto _ : state) body();
  const double cpu = threadCpuSeconds() - cpuStart;
  const double audio = audioSecondsPerIteration * static_cast<double>(state.iterations());
  state.counters["realtime_x"] = audio / cpu;
  state.counters["cpu_percent"] = 100.0 * cpu / audio;
}

// Exactly what mvm-render does (compile, post the score's events, run the VM in 512-frame host
// blocks), with the output discarded.
// Returns the wall time of the rendering itself (compiling excluded).
double renderSeconds(const PatchGraph& patch, const Score* score, double seconds, int threads = 1) {
  render::RenderOptions o;
  o.seconds = seconds;
  o.threads = threads;
  float sink = 0;
  const render::RenderStats stats =
      render::renderPatch(patch, score, o, [&sink](const float* const* ch, int frames) { sink += ch[0][frames - 1]; });
  benchmark::DoNotOptimize(sink);
  return stats.wallSeconds;
}

void BM_Patch_Sines64(benchmark::State& state) {
  const PatchGraph g = bench::sinesPatch();
  measureRealtime(state, 2.0, [&] { renderSeconds(g, nullptr, 2.0); });
}
BENCHMARK(BM_Patch_Sines64)->Unit(benchmark::kMillisecond);

void BM_Patch_Subtractive16(benchmark::State& state) {
  const PatchGraph g = bench::subtractivePatch(16);
  const Score s = bench::subtractiveScore(16, 2.0);
  measureRealtime(state, 2.0, [&] { renderSeconds(g, &s, 2.0); });
}
BENCHMARK(BM_Patch_Subtractive16)->Unit(benchmark::kMillisecond);

// CPU against voice count for (b): cpu_percent is the share of one core at 48 kHz.
void BM_Voices(benchmark::State& state) {
  const int voices = static_cast<int>(state.range(0));
  const PatchGraph g = bench::subtractivePatch(voices);
  const Score s = bench::subtractiveScore(voices, 1.0);
  measureRealtime(state, 1.0, [&] { renderSeconds(g, &s, 1.0); });
  state.counters["voices"] = voices;
}
BENCHMARK(BM_Voices)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Arg(32)->Arg(48)->Arg(64)->Arg(96)->Arg(128)->Unit(benchmark::kMillisecond);

// Multi-core (vm/worker_pool.h): the same render on one thread and on state.range(0) threads,
// alternated in every iteration so both meet the same machine; speedup = the render's wall time
// (compiling excluded) on one thread over that on N. The output is the same bit for bit
// (tests/vm/worker_pool_test.cpp).
template <class Render>
void measureThreadSpeedup(benchmark::State& state, double audioSeconds, Render render) {
  const int threads = static_cast<int>(state.range(0));
  double one = 0, many = 0;
  for (auto _ : state) {
    one += render(1);
    many += render(threads);
  }
  const double audio = audioSeconds * static_cast<double>(state.iterations());
  state.counters["speedup"] = one / many;
  state.counters["realtime_x_1"] = audio / one;
  state.counters["realtime_x_n"] = audio / many;
}

void BM_Threads_MonoVoices2500(benchmark::State& state) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(mvm::test::monoVoicesPatchJson(2500), "voices2500");
  measureThreadSpeedup(state, 1.0, [&](int threads) { return renderSeconds(g, nullptr, 1.0, threads); });
}
BENCHMARK(BM_Threads_MonoVoices2500)->Arg(2)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Threads_Ladder64(benchmark::State& state) {
  const PatchGraph g = bench::subtractivePatch(64, "ladder16.json");
  const Score s = bench::subtractiveScore(64, 2.0);
  measureThreadSpeedup(state, 2.0, [&](int threads) { return renderSeconds(g, &s, 2.0, threads); });
}
BENCHMARK(BM_Threads_Ladder64)->Arg(2)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();

// A small patch stays on one thread (below the task planner's work threshold): speedup about 1.
void BM_Threads_Demo(benchmark::State& state) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromFile(std::string(MVM_SOURCE_DIR) + "/patches/demo.json");
  measureThreadSpeedup(state, 4.0, [&](int threads) { return renderSeconds(g, nullptr, 4.0, threads); });
}
BENCHMARK(BM_Threads_Demo)->Arg(2)->Iterations(10)->Unit(benchmark::kMillisecond)->UseRealTime();

// How fast a sleeping worker wakes: 200 mono voices on two threads, one 64-frame block every
// 1.33 ms as a sound card would ask (the workers fall asleep between blocks), 3 s. Wake-up
// latency: the audio thread posting a block -> the worker running (vm/worker_pool.h), p50 and p99.
void BM_Threads_WakeLatency(benchmark::State& state) {
  VM vm(VMConfig{48000.0, 2, 0, 2});
  CompileOptions o;
  o.threads = 2;
  vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(mvm::test::monoVoicesPatchJson(200), "voices200"), o));
  float l[kBlockFrames], r[kBlockFrames];
  float* out[] = {l, r};
  for (auto _ : state) {
    auto next = std::chrono::steady_clock::now();
    for (int b = 0; b < 2250; ++b) {
      vm.process(nullptr, out, kBlockFrames);
      next += std::chrono::microseconds(1333);
      std::this_thread::sleep_until(next);
    }
  }
  const std::vector<std::uint64_t> h = vm.workerPool()->wakeHistogram();
  std::uint64_t wakes = 0;
  for (std::uint64_t n : h) wakes += n;
  state.counters["tasks"] = static_cast<double>(vm.program()->tasks.tasks.size());
  state.counters["wakes"] = static_cast<double>(wakes);
  state.counters["wake_p50_us"] = static_cast<double>(WorkerPool::wakeQuantileNs(h, 0.5)) * 1e-3;
  state.counters["wake_p99_us"] = static_cast<double>(WorkerPool::wakeQuantileNs(h, 0.99)) * 1e-3;
}
BENCHMARK(BM_Threads_WakeLatency)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Demo and golden patches at two host block sizes: ns per frame.
void runPatchFile(benchmark::State& state, const std::string& path) {
  VM vm;
  vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromFile(path)));
  const int block = static_cast<int>(state.range(0));
  std::vector<float> l(static_cast<std::size_t>(block)), r(static_cast<std::size_t>(block));
  float* out[] = {l.data(), r.data()};
  measureRealtime(state, static_cast<double>(block) / 48000.0, [&] {
    vm.process(nullptr, out, block);
    benchmark::DoNotOptimize(l.data());
  });
  const double frames = static_cast<double>(state.iterations()) * block;
  state.counters["ns_per_frame"] = benchmark::Counter(frames, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
void BM_DemoPatch(benchmark::State& state) { runPatchFile(state, std::string(MVM_SOURCE_DIR) + "/patches/demo.json"); }
BENCHMARK(BM_DemoPatch)->Arg(64)->Arg(512);
void BM_ChordsPatch(benchmark::State& state) { runPatchFile(state, std::string(MVM_SOURCE_DIR) + "/golden/patches/chords.json"); }
BENCHMARK(BM_ChordsPatch)->Arg(512);

// VM dispatch: n Constant modules (two PARAM and one PROCESS instruction each, little work
// behind them). ns_per_instruction is an upper bound on the interpreter's overhead.
void BM_Dispatch(benchmark::State& state) {
  VM vm;
  auto program = Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(bench::dispatchPatchJson(static_cast<int>(state.range(0)))));
  const double instructions = static_cast<double>(bench::instructionCount(*program));
  vm.loadProgram(std::move(program));
  float l[kBlockFrames], r[kBlockFrames];
  float* out[] = {l, r};
  for (auto _ : state) {
    vm.process(nullptr, out, kBlockFrames);
    benchmark::DoNotOptimize(l);
  }
  state.counters["instructions"] = instructions;
  state.counters["ns_per_instruction"] =
      benchmark::Counter(instructions * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Dispatch)->Arg(10)->Arg(1000);

// Event queues: one push + one pop per item, one thread (the cost each side pays).
template <class Queue>
void queueRoundTrip(benchmark::State& state) {
  static Queue q;
  Event e, out;
  for (auto _ : state) {
    for (int i = 0; i < 64; ++i) {
      e.frame = static_cast<std::uint64_t>(i);
      q.tryPush(e);
    }
    for (int i = 0; i < 64; ++i) q.tryPop(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
void BM_QueueMpmc(benchmark::State& state) { queueRoundTrip<MpmcLockFreeQueue<Event, 4096>>(state); }
BENCHMARK(BM_QueueMpmc);
void BM_QueueSpsc(benchmark::State& state) { queueRoundTrip<LockFreeQueue<Event, 4096>>(state); }
BENCHMARK(BM_QueueSpsc);

// VM::postEvent, then the VM drains the queue in process() (an empty patch: the queue's cost).
void BM_PostEvent(benchmark::State& state) {
  VM vm;
  vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(bench::dispatchPatchJson(0))));
  float l[kBlockFrames], r[kBlockFrames];
  float* out[] = {l, r};
  Event e;
  e.frame = kFrameNow;
  e.type = EventType::ControlChange;
  for (auto _ : state) {
    for (int i = 0; i < 32; ++i) vm.postEvent(e);
    vm.process(nullptr, out, kBlockFrames);
  }
  state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_PostEvent);

} // namespace

BENCHMARK_MAIN();
