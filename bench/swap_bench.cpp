// Hot-swap costs: compile time against patch size, and request → audible latency (the first
// block of the new program) through PatchManager while a paced audio thread runs 64-frame blocks.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "audio_driver.h"
#include "bench_patches.h"
#include "mvm/mvm.h"

using namespace mvm;

namespace {

std::string patch(int n, float freq) { return bench::compilePatchJson(n, freq); }

void BM_Compile(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(patch(n, 100));
  for (auto _ : state) benchmark::DoNotOptimize(Compiler(builtinModules()).compile(g));
  state.counters["modules"] = n;
  state.counters["modules_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Compile)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ParseAndCompile(benchmark::State& state) {
  const std::string text = patch(static_cast<int>(state.range(0)), 100);
  for (auto _ : state) benchmark::DoNotOptimize(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(text)));
}
BENCHMARK(BM_ParseAndCompile)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// Request → first block of the new program, in real time: p50 / p99 / max over the iterations.
void BM_SwapLatency(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string a = patch(n, 100), b = patch(n, 200);
  VM vm;
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  test::AudioDriver audio(vm, 64);
  pm.loadPatchFromString(a).wait();
  std::vector<double> audible, compile;
  bool flip = false;
  for (auto _ : state) {
    SwapHandle h = pm.loadPatchFromString((flip = !flip) ? b : a);
    if (h.wait() != SwapState::Faded) state.SkipWithError("swap failed");
    const SwapTimes t = h.times();
    audible.push_back(t.audibleMs());
    compile.push_back(t.compileMs());
    state.SetIterationTime(t.audibleMs() * 1e-3);
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
  };
  state.counters["audible_p50_ms"] = pct(audible, 0.50);
  state.counters["audible_p99_ms"] = pct(audible, 0.99);
  state.counters["audible_max_ms"] = pct(audible, 1.0);
  state.counters["compile_p50_ms"] = pct(compile, 0.50);
  state.counters["max_callback_ms"] = audio.maxCallbackMs();
}
BENCHMARK(BM_SwapLatency)->Arg(10)->Arg(100)->Arg(1000)->UseManualTime()->Iterations(200)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
