// VM throughput: ns per frame for whole patches, and the share of one core they use in real time.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "mvm/mvm.h"

using namespace mvm;

namespace {

void runPatch(benchmark::State& state, const std::string& path) {
  VM vm;
  vm.load_program(Compiler().compile(PatchParser().parseFromFile(path)));
  const int block = static_cast<int>(state.range(0));
  std::vector<float> l(static_cast<std::size_t>(block)), r(static_cast<std::size_t>(block));
  float* out[] = {l.data(), r.data()};
  for (auto _ : state) {
    vm.process(nullptr, out, block);
    benchmark::DoNotOptimize(l.data());
  }
  const double frames = static_cast<double>(state.iterations()) * block;
  state.SetItemsProcessed(static_cast<std::int64_t>(frames));
  state.counters["ns_per_frame"] = benchmark::Counter(frames, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // Realtime factor at 48 kHz: audio seconds rendered per CPU second.
  state.counters["realtime_x"] = benchmark::Counter(frames / 48000.0, benchmark::Counter::kIsRate);
}

void BM_DemoPatch(benchmark::State& state) { runPatch(state, std::string(MVM_SOURCE_DIR) + "/patches/demo.json"); }
BENCHMARK(BM_DemoPatch)->Arg(64)->Arg(512);

void BM_ChordsPatch(benchmark::State& state) { runPatch(state, std::string(MVM_SOURCE_DIR) + "/golden/patches/chords.json"); }
BENCHMARK(BM_ChordsPatch)->Arg(512);

} // namespace

BENCHMARK_MAIN();
