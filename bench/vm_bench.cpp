// VM throughput: whole patches as realtime factors (audio seconds per CPU second at 48 kHz), CPU
// against voice count for the subtractive patch, the VM's dispatch cost per instruction and the
// event queues' throughput. The patches are bench/patches/ (see bench_patches.h).

#include <benchmark/benchmark.h>

#include <ctime>
#include <string>
#include <vector>

#include "bench_patches.h"
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
void renderSeconds(const PatchGraph& patch, const Score* score, double seconds) {
  render::RenderOptions o;
  o.seconds = seconds;
  float sink = 0;
  render::renderPatch(patch, score, o, [&sink](const float* const* ch, int frames) { sink += ch[0][frames - 1]; });
  benchmark::DoNotOptimize(sink);
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
