#pragma once
// How a module instance is brought up: the one sequence the compiler, the test harnesses and the
// benchmarks share, so that a module run alone sees exactly what it sees in a program. The steps
// must run in this order:
//   1. attachModule: descriptor, setup and port counts;
//   2. resolveModuleChannels: an input layout in, output channel counts out; the compiler repeats
//      it across the whole graph until feedback cables stop widening anything;
//   3. setModuleLayout: the final channel counts and which outputs a cable reads;
//   4. DSPModule::prepare(), left to the caller: the compiler checks every module's memory first.
// A module alone runs them all with bringUpModule(), or steps 1 to 3 with layOutModule().

#include <algorithm>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "mvm/core/block.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/module_descriptor.h"

namespace mvm {

// Input ports include the parameter inputs (dsp_module.h); `connected` is per input port, nonzero
// when a cable reaches it.
struct ModuleInputLayout {
  std::span<const int> channels;
  std::span<const char> connected;
};

inline void attachModule(DSPModule& module, const ModuleDescriptor& descriptor, ProcessSetup setup) {
  module.attach(descriptor, std::move(setup));
  module.configure(descriptor.inputPortCount(), static_cast<int>(descriptor.outputs.size()));
}

// The input layout is set first: resolveOutputChannels may ask which inputs are connected (Merge).
inline void resolveModuleChannels(DSPModule& module, ModuleInputLayout inputs, std::span<int> outputChannels) {
  for (std::size_t p = 0; p < inputs.channels.size(); ++p)
    module.setInputLayout(static_cast<int>(p), inputs.channels[p], inputs.connected[p] != 0);
  std::fill(outputChannels.begin(), outputChannels.end(), 1);
  module.resolveOutputChannels(inputs.channels.data(), outputChannels.data());
  for (int& c : outputChannels) c = std::clamp(c, 1, kMaxChannels);
}

// `outputRead` empty: every output is read.
inline void setModuleLayout(DSPModule& module, ModuleInputLayout inputs, std::span<const int> outputChannels,
                            std::span<const char> outputRead = {}) {
  for (std::size_t p = 0; p < inputs.channels.size(); ++p)
    module.setInputLayout(static_cast<int>(p), inputs.channels[p], inputs.connected[p] != 0);
  for (std::size_t o = 0; o < outputChannels.size(); ++o) {
    module.setOutputChannels(static_cast<int>(o), outputChannels[o]);
    module.setOutputConnected(static_cast<int>(o), outputRead.empty() || outputRead[o] != 0);
  }
}

// Steps 1 to 3 for one module alone; returns its output channel counts. prepare() is the caller's
// (a test measures what the module says it will allocate before it does).
inline std::vector<int> layOutModule(DSPModule& module, const ModuleDescriptor& descriptor, ProcessSetup setup,
                                     ModuleInputLayout inputs, std::span<const char> outputRead = {}) {
  attachModule(module, descriptor, std::move(setup));
  std::vector<int> outputChannels(descriptor.outputs.size(), 1);
  resolveModuleChannels(module, inputs, outputChannels);
  setModuleLayout(module, inputs, outputChannels, outputRead);
  return outputChannels;
}

// All four steps for one module alone; returns its output channel counts.
inline std::vector<int> bringUpModule(DSPModule& module, const ModuleDescriptor& descriptor, ProcessSetup setup,
                                      ModuleInputLayout inputs, std::span<const char> outputRead = {}) {
  std::vector<int> outputChannels = layOutModule(module, descriptor, std::move(setup), inputs, outputRead);
  module.prepare();
  return outputChannels;
}

} // namespace mvm
