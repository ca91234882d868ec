#pragma once
// A module run alone with random settings, and a random patch around a module: shared by the
// library's robustness tests (tests/dsp/builtin_modules_test.cpp) and the frozen fingerprints of
// every module's output (golden/module_fingerprint_test.cpp).

#include <algorithm>
#include <functional>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mvm/core/aligned_buffer.h"
#include "mvm/core/rt_context.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/module_setup.h"
#include "mvm/vm/vm.h"
#include "rt_probe.h"

namespace mvm::test {

// Runs a module for `blocks` blocks with random settings drawn from `seed`; returns all outputs.
inline std::vector<float> fuzz(const ModuleRegistry::Entry& e, std::uint32_t seed, int blocks, std::string& failure) {
  const ModuleDescriptor& d = *e.descriptor;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  auto module = e.create();
  ProcessSetup setup;
  setup.sampleRate = seed % 2 ? 44100.0 : 48000.0;
  setup.seed = seed;
  setup.id = "fuzz";
  // A host bus for AudioOut / AudioIn: two noisy inputs, two outputs.
  static float busOut[2][kBlockFrames], busIn[2][kBlockFrames];
  static HostBus bus;
  bus.numOutputs = bus.numInputs = 2;
  for (int c = 0; c < 2; ++c) {
    bus.outputs[c] = busOut[c];
    bus.inputs[c] = busIn[c];
    for (int i = 0; i < kBlockFrames; ++i) busIn[c][i] = 2.0f * unit(rng) - 1.0f;
  }
  setup.bus = &bus;
  for (const auto& p : d.params) setup.params.push_back(p.min + (p.max - p.min) * unit(rng));
  const int ins = d.inputPortCount(), outs = static_cast<int>(d.outputs.size());
  std::vector<int> inCh(static_cast<std::size_t>(ins), 1);
  std::vector<char> connected(static_cast<std::size_t>(ins), 0);
  std::vector<float> modDepth(static_cast<std::size_t>(ins), 0.0f);
  for (int i = 0; i < ins; ++i) {
    connected[static_cast<std::size_t>(i)] = unit(rng) < 0.7f;
    // Polyphonic cables of 1 to 16 channels, 16 in a quarter of the runs
    if (connected[static_cast<std::size_t>(i)] && unit(rng) < 0.5f)
      inCh[static_cast<std::size_t>(i)] = seed % 4 == 0 ? kMaxChannels : 1 + static_cast<int>(unit(rng) * 15.99f);
    if (i >= static_cast<int>(d.inputs.size())) {
      const auto& p = d.params[static_cast<std::size_t>(i) - d.inputs.size()];
      if (p.fixedAtLoad) connected[static_cast<std::size_t>(i)] = false; // no cable may reach it (the parser refuses one)
      if (!p.polyphonic || p.fixedAtLoad) inCh[static_cast<std::size_t>(i)] = 1;
      modDepth[static_cast<std::size_t>(i)] = connected[static_cast<std::size_t>(i)] ? (p.max - p.min) * unit(rng) : 0.0f;
    }
  }
  // A third of the runs leave outputs unread, as patches do: the module may skip forming them.
  std::vector<char> read(static_cast<std::size_t>(outs), 1);
  if (seed % 3 == 2) {
    std::mt19937 pick(seed);
    for (int o = 0; o < outs; ++o) read[static_cast<std::size_t>(o)] = pick() % 2 == 0;
    if (outs > 0 && std::find(read.begin(), read.end(), 1) == read.end()) read[0] = 1; // one is read
  }
  AlignedFloatArray storage(static_cast<std::size_t>(ins + outs) * kMaxChannels * kBlockFrames);
  std::vector<float*> inPtr, outPtr;
  for (int i = 0; i < ins + outs; ++i) {
    float* p = storage.data() + static_cast<std::size_t>(i) * kMaxChannels * kBlockFrames;
    (i < ins ? inPtr : outPtr).push_back(p);
  }
  const std::vector<int> outCh = bringUpModule(*module, d, setup, {inCh, connected}, read);
  std::vector<float> result;
  std::uniform_real_distribution<float> wide(-10.0f, 10.0f);
  for (int b = 0; b < blocks; ++b) {
    for (int i = 0; i < ins; ++i) {
      const auto ui = static_cast<std::size_t>(i);
      const bool isParam = i >= static_cast<int>(d.inputs.size());
      for (int c = 0; c < inCh[ui]; ++c)
        for (int n = 0; n < kBlockFrames; ++n) {
          float v = 0.0f;
          if (isParam) {
            const auto& p = d.params[ui - d.inputs.size()];
            v = setup.params[ui - d.inputs.size()];
            if (connected[ui]) v += modDepth[ui] * (2.0f * unit(rng) - 1.0f);
            if (p.isStepped()) v = std::clamp(v, p.min, p.max);
          } else if (connected[ui]) {
            // mix of gates, slow values and noise
            const int kind = (i + b / 50) % 3;
            v = kind == 0 ? (unit(rng) < 0.1f ? 1.0f : 0.0f) : (kind == 1 ? wide(rng) : std::sin(0.01f * static_cast<float>(b * kBlockFrames + n)) * 10.0f);
          }
          inPtr[ui][c * kBlockFrames + n] = v;
        }
    }
    for (int o = 0; o < outs; ++o)
      for (int k = 0; k < kMaxChannels * kBlockFrames; ++k) outPtr[static_cast<std::size_t>(o)][k] = std::numeric_limits<float>::quiet_NaN();
    test::resetRtCounts();
    {
      AudioThreadScope audio;
      module->process(const_cast<const float**>(inPtr.data()), outPtr.data());
    }
    if (test::rtCounts().allocations != 0 && failure.empty()) failure = "allocated on the audio thread";
    for (int o = 0; o < outs; ++o)
      for (int k = 0; read[static_cast<std::size_t>(o)] && k < outCh[static_cast<std::size_t>(o)] * kBlockFrames; ++k) {
        const float v = outPtr[static_cast<std::size_t>(o)][k];
        if ((!std::isfinite(v) || std::fabs(v) >= 1e4f) && failure.empty())
          failure = "output " + d.outputs[static_cast<std::size_t>(o)].name + " sample " + std::to_string(k) + " = " + std::to_string(v) + " in block " + std::to_string(b);
        result.push_back(v);
      }
  }
  return result;
}


// A patch around module `type`: every input and parameter fed at audio rate from noise, an LFO, a
// 16-channel LFO (phases spread) or a clock (random amounts), every output into AudioOut. Seeded,
// so failures reproduce.
inline std::string patchAround(const ModuleDescriptor& d, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::string modules = R"({"id": "noise", "type": "Noise"}, {"id": "lfo", "type": "LFO", "params": {"rate": 3.7}},
      {"id": "poly", "type": "LFO", "params": {"rate": 41, "channels": 16, "spread": 1}},
      {"id": "clock", "type": "Clock", "params": {"bpm": 300}}, {"id": "out", "type": "AudioOut"})";
  std::string params;
  for (const auto& p : d.params) {
    float v = p.min + (p.max - p.min) * unit(rng);
    if (p.isStepped()) v = std::round(v);
    params += std::string(params.empty() ? "" : ", ") + "\"" + p.name + "\": " + std::to_string(v);
  }
  modules += R"(, {"id": "dut", "type": ")" + d.type + R"(", "params": {)" + params + "}}";
  std::string cables;
  auto cable = [&](const std::string& from, const std::string& to, float amount) {
    cables += std::string(cables.empty() ? "" : ", ") + R"({"from": ")" + from + R"(", "to": ")" + to + R"(", "amount": )" + std::to_string(amount) + "}";
  };
  const char* sources[] = {"noise.white", "lfo.sine", "poly.tri", "clock.clock"};
  for (const auto& in : d.inputs)
    if (unit(rng) < 0.8f) cable(sources[static_cast<int>(unit(rng) * 3.999f)], "dut." + in.name, 4.0f * unit(rng) - 2.0f);
  for (const auto& p : d.params)
    if (unit(rng) < 0.5f && !p.fixedAtLoad) cable(sources[static_cast<int>(unit(rng) * 2.999f)], "dut." + p.name, (p.max - p.min) * 0.5f * unit(rng));
  for (const auto& o : d.outputs) cable("dut." + o.name, "out.left", 1e-3f);
  return R"({"seed": )" + std::to_string(seed) + R"(, "modules": [)" + modules + R"(], "connections": [)" + cables + "]}";
}

// Plays `blocks` blocks of 256 frames, each after a note event (on every third block, off in
// between) and `beforeBlock(b)` (a test schedules a swap there). Returns the left channel.
inline std::vector<float> playWithNotes(VM& vm, int blocks, const std::function<void(int)>& beforeBlock = {}) {
  std::vector<float> l(256), r(256), all;
  float* ch[] = {l.data(), r.data()};
  for (int b = 0; b < blocks; ++b) {
    if (beforeBlock) beforeBlock(b);
    Event on;
    on.type = b % 3 ? EventType::NoteOff : EventType::NoteOn;
    on.frame = static_cast<std::uint64_t>(b) * 256 + 17;
    on.key = static_cast<std::uint8_t>(40 + (b * 7) % 40);
    on.value = 0.8f;
    vm.postEvent(on);
    vm.process(nullptr, ch, 256);
    all.insert(all.end(), l.begin(), l.end());
  }
  return all;
}

} // namespace mvm::test
