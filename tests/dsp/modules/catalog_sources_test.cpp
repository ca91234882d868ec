// Robustness of every module registered by registerSourceModules: random in-range params
// (set and audio-rate modulated), random inputs in [-10, 10] on 1..4 channels. Every output
// sample must be written, finite and |x| < 1e4; runs are deterministic; process() never allocates.

#include "mvm/dsp/modules/catalog_sources.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>

#include "mvm/core/aligned_buffer.h"
#include "mvm/core/rt_context.h"
#include "rt_probe.h"

using namespace mvm;

namespace {

ModuleRegistry sourceRegistry() {
  ModuleRegistry r;
  registerSourceModules(r);
  return r;
}

// Runs a module for `blocks` blocks with random settings drawn from `seed`; returns all outputs.
std::vector<float> fuzz(const ModuleRegistry::Entry& e, std::uint32_t seed, int blocks, std::string& failure) {
  const ModuleDescriptor& d = *e.descriptor;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  auto module = e.create();
  ProcessSetup setup;
  setup.sampleRate = seed % 2 ? 44100.0 : 48000.0;
  setup.seed = seed;
  setup.id = "fuzz";
  for (const auto& p : d.params) setup.params.push_back(p.min + (p.max - p.min) * unit(rng));
  module->attach(d, setup);
  const int ins = d.inputPortCount(), outs = static_cast<int>(d.outputs.size());
  module->configure(ins, outs);
  std::vector<int> inCh(static_cast<std::size_t>(ins), 1);
  std::vector<bool> connected(static_cast<std::size_t>(ins), false);
  std::vector<float> modDepth(static_cast<std::size_t>(ins), 0.0f);
  for (int i = 0; i < ins; ++i) {
    connected[static_cast<std::size_t>(i)] = unit(rng) < 0.7f;
    if (connected[static_cast<std::size_t>(i)] && unit(rng) < 0.5f) inCh[static_cast<std::size_t>(i)] = 1 + static_cast<int>(unit(rng) * 3.99f);
    if (i >= static_cast<int>(d.inputs.size())) {
      const auto& p = d.params[static_cast<std::size_t>(i) - d.inputs.size()];
      if (!p.polyphonic) inCh[static_cast<std::size_t>(i)] = 1;
      modDepth[static_cast<std::size_t>(i)] = connected[static_cast<std::size_t>(i)] ? (p.max - p.min) * unit(rng) : 0.0f;
    }
    module->setInputLayout(i, inCh[static_cast<std::size_t>(i)], connected[static_cast<std::size_t>(i)]);
  }
  std::vector<int> outCh(static_cast<std::size_t>(outs), 1);
  module->resolveOutputChannels(inCh.data(), outCh.data());
  for (int o = 0; o < outs; ++o) {
    outCh[static_cast<std::size_t>(o)] = std::clamp(outCh[static_cast<std::size_t>(o)], 1, kMaxChannels);
    module->setOutputChannels(o, outCh[static_cast<std::size_t>(o)]);
  }
  AlignedFloatArray storage(static_cast<std::size_t>(ins + outs) * kMaxChannels * kBlockFrames);
  std::vector<float*> inPtr, outPtr;
  for (int i = 0; i < ins + outs; ++i) {
    float* p = storage.data() + static_cast<std::size_t>(i) * kMaxChannels * kBlockFrames;
    (i < ins ? inPtr : outPtr).push_back(p);
  }
  module->prepare();
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
      for (int k = 0; k < outCh[static_cast<std::size_t>(o)] * kBlockFrames; ++k) {
        const float v = outPtr[static_cast<std::size_t>(o)][k];
        if ((!std::isfinite(v) || std::fabs(v) >= 1e4f) && failure.empty())
          failure = "output " + d.outputs[static_cast<std::size_t>(o)].name + " sample " + std::to_string(k) + " = " + std::to_string(v) + " in block " + std::to_string(b);
        result.push_back(v);
      }
  }
  return result;
}

} // namespace

TEST(CatalogSources, RegistersAllTypes) {
  const auto r = sourceRegistry();
  for (const char* t : {"VCO", "SawOsc", "PulseOsc", "TriangleOsc", "Supersaw", "FMOperator", "Wavetable", "SubOsc", "Noise",
                        "SampleHold", "Random", "Bernoulli", "SVF", "Ladder", "OnePole", "Biquad", "Comb", "Allpass", "DCBlocker",
                        "Formant"})
    EXPECT_NE(r.find(t), nullptr) << t;
  EXPECT_EQ(r.entries().size(), 20u);
}

TEST(CatalogSources, DescriptorsAreSane) {
  const auto r = sourceRegistry();
  for (const auto& e : r.entries()) {
    const auto& d = *e.descriptor;
    EXPECT_FALSE(d.doc.empty()) << d.type;
    for (const auto& p : d.inputs) EXPECT_FALSE(p.doc.empty()) << d.type << "." << p.name;
    for (const auto& p : d.outputs) EXPECT_FALSE(p.doc.empty()) << d.type << "." << p.name;
    for (const auto& p : d.params) {
      EXPECT_FALSE(p.doc.empty()) << d.type << "." << p.name;
      EXPECT_TRUE(std::isfinite(p.min) && std::isfinite(p.max) && p.min < p.max) << d.type << "." << p.name;
      EXPECT_TRUE(p.defaultValue >= p.min && p.defaultValue <= p.max) << d.type << "." << p.name;
      if (!p.choices.empty()) {
        EXPECT_TRUE(p.isStepped()) << d.type << "." << p.name;
        EXPECT_EQ(static_cast<float>(p.choices.size() - 1), p.max - p.min) << d.type << "." << p.name;
      }
    }
  }
}

TEST(CatalogSources, FuzzedSettingsGiveFiniteBoundedDeterministicOutput) {
  const auto r = sourceRegistry();
  for (const auto& e : r.entries())
    for (std::uint32_t seed = 1; seed <= 12; ++seed) {
      std::string failure, again;
      const auto a = fuzz(e, seed, 120, failure);
      EXPECT_TRUE(failure.empty()) << e.descriptor->type << " seed " << seed << ": " << failure;
      const auto b = fuzz(e, seed, 120, again);
      EXPECT_TRUE(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0) << e.descriptor->type << " seed " << seed;
    }
}

#include "module_harness.h"

// Polyphony: channel 1 of a 2-channel run equals a mono run fed channel 1's inputs (modules
// whose channels draw from per-channel random streams are left out: their channels differ by design).
TEST(CatalogSources, PolyphonicChannelsAreIndependent) {
  const auto r = sourceRegistry();
  for (const auto& e : r.entries()) {
    const std::string type = e.descriptor->type;
    if (type == "Noise" || type == "Supersaw" || type == "Random" || type == "Bernoulli") continue;
    auto source = [](int port, int c) {
      return [port, c](int, std::uint64_t n) {
        const double f = 97.0 * (port + 1) + 131.0 * c;
        return static_cast<float>(0.8 * std::sin(2.0 * M_PI * f * static_cast<double>(n) / 48000.0));
      };
    };
    test::ModuleHarness poly(type);
    for (std::size_t i = 0; i < e.descriptor->inputs.size(); ++i) {
      const int port = static_cast<int>(i);
      poly.input(e.descriptor->inputs[i].name, [source, port](int c, std::uint64_t n) { return source(port, c)(c, n); }, 2);
    }
    test::ModuleHarness mono(type);
    for (std::size_t i = 0; i < e.descriptor->inputs.size(); ++i) mono.input(e.descriptor->inputs[i].name, source(static_cast<int>(i), 1));
    const auto a = poly.run(4800), b = mono.run(4800);
    for (std::size_t o = 0; o < e.descriptor->outputs.size(); ++o) {
      ASSERT_EQ(a.ports[o].size(), 2u) << type;
      EXPECT_EQ(a.output(static_cast<int>(o), 1), b.output(static_cast<int>(o), 0)) << type << "." << e.descriptor->outputs[o].name;
      EXPECT_NE(a.output(static_cast<int>(o), 0), a.output(static_cast<int>(o), 1)) << type << "." << e.descriptor->outputs[o].name;
    }
  }
}
