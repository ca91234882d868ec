// Every module type: ns per 64-frame block at 1 and 16 channels (inputs connected to noise-like
// signals, parameters at their defaults). Registered at start-up from the module registry.

#include <benchmark/benchmark.h>

#include <string>

#include "module_fixture.h"
#include "mvm/dsp/builtin_modules.h"

using namespace mvm;

namespace {

void runModule(benchmark::State& state, const ModuleRegistry::Entry* e, int channels) {
  bench::ModuleFixture m(*e, channels);
  for (auto _ : state) {
    m.process();
    benchmark::DoNotOptimize(m.firstOutput());
    benchmark::ClobberMemory();
  }
  state.counters["channels"] = m.channels();
  state.counters["ns_per_frame"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kBlockFrames, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

} // namespace

int main(int argc, char** argv) {
  for (const auto& e : builtinModules().entries())
    for (int channels : {1, 16})
      benchmark::RegisterBenchmark((e.descriptor->type + "/" + std::to_string(channels) + "ch").c_str(),
                                   [&e, channels](benchmark::State& s) { runModule(s, &e, channels); });
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
