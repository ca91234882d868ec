// Every module type: ns per 64-frame block at 1 and 16 channels (inputs connected to noise-like
// signals, parameters at their defaults). Registered at start-up from the module registry.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "mvm/core/aligned_buffer.h"
#include "mvm/core/random.h"
#include "mvm/dsp/builtin_modules.h"

using namespace mvm;

namespace {

void runModule(benchmark::State& state, const ModuleRegistry::Entry* e, int channels) {
  const ModuleDescriptor& d = *e->descriptor;
  auto module = e->create();
  ProcessSetup setup;
  setup.id = "bench";
  setup.seed = 1;
  for (const auto& p : d.params) setup.params.push_back(p.defaultValue);
  static float busOut[2][kBlockFrames], busIn[2][kBlockFrames];
  static HostBus bus;
  bus.numOutputs = bus.numInputs = 2;
  for (int c = 0; c < 2; ++c) {
    bus.outputs[c] = busOut[c];
    bus.inputs[c] = busIn[c];
  }
  setup.bus = &bus;
  module->attach(d, setup);
  const int ins = d.inputPortCount(), outs = static_cast<int>(d.outputs.size());
  module->configure(ins, outs);
  std::vector<int> inCh(static_cast<std::size_t>(ins), 1);
  for (std::size_t i = 0; i < d.inputs.size(); ++i) {
    inCh[i] = d.inputs[i].polyphonic ? channels : 1;
    module->setInputLayout(static_cast<int>(i), inCh[i], true);
  }
  for (int i = static_cast<int>(d.inputs.size()); i < ins; ++i) module->setInputLayout(i, 1, false);
  std::vector<int> outCh(static_cast<std::size_t>(outs), 1);
  module->resolveOutputChannels(inCh.data(), outCh.data());
  for (int o = 0; o < outs; ++o) module->setOutputChannels(o, outCh[static_cast<std::size_t>(o)]);
  AlignedFloatArray storage(static_cast<std::size_t>(ins + outs) * kMaxChannels * kBlockFrames);
  std::vector<float*> inPtr, outPtr;
  Random rng(7);
  for (int i = 0; i < ins + outs; ++i) {
    float* p = storage.data() + static_cast<std::size_t>(i) * kMaxChannels * kBlockFrames;
    (i < ins ? inPtr : outPtr).push_back(p);
    if (i < static_cast<int>(d.inputs.size()))
      for (int k = 0; k < kMaxChannels * kBlockFrames; ++k) p[k] = rng.uniform() < 0.02f ? 1.0f : 0.3f * rng.bipolar();
    else if (i < ins)
      for (int k = 0; k < kMaxChannels * kBlockFrames; ++k) p[k] = d.params[static_cast<std::size_t>(i) - d.inputs.size()].defaultValue;
  }
  module->prepare();
  for (auto _ : state) {
    module->process(const_cast<const float**>(inPtr.data()), outPtr.data());
    benchmark::DoNotOptimize(outPtr[0]);
    benchmark::ClobberMemory();
  }
  state.counters["channels"] = outs ? outCh[0] : channels;
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
