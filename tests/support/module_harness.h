#pragma once
// Runs one module in isolation, wired the way the compiler wires it: inputs and parameter
// buffers the test fills, outputs it reads back. For measuring a module's defining behaviour.
//
//   mvm::test::ModuleHarness h(builtinModules(), "SVF", {{"cutoff", 1000.0f}});
//   h.input("in", [](int c, std::uint64_t n) { return noise(); });   // connect a source
//   auto y = h.run(48000);            // y.output("lp", 0) is a std::vector<float>
//
// Parameters without a modulation source hold their set value; `modulate("cutoff", f)` feeds
// the parameter's buffer per sample instead (set value + f). All processing happens inside an
// AudioThreadScope, so the rt_probe counts any allocation a module makes.

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mvm/core/aligned_buffer.h"
#include "mvm/core/hash.h"
#include "mvm/core/rt_context.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/module_setup.h"

namespace mvm::test {

// The sample rate a harness runs at unless the test gives another.
inline constexpr double kHarnessRate = 48000.0;

class ModuleHarness {
public:
  using Source = std::function<float(int channel, std::uint64_t frame)>;

  struct Output {
    std::vector<std::vector<std::vector<float>>> ports; // [port][channel][frame]
    const std::vector<float>& output(int port, int channel = 0) const { return ports.at(static_cast<std::size_t>(port)).at(static_cast<std::size_t>(channel)); }
  };

  ModuleHarness(const ModuleRegistry& registry, const std::string& type, std::map<std::string, float> params = {},
                double sampleRate = kHarnessRate, std::uint64_t seed = 1)
      : sampleRate_(sampleRate) {
    const auto* e = registry.find(type);
    if (!e) throw std::invalid_argument("no module type " + type);
    desc_ = e->descriptor;
    module_ = e->create();
    values_.resize(desc_->params.size());
    for (std::size_t p = 0; p < desc_->params.size(); ++p) values_[p] = desc_->params[p].defaultValue;
    for (auto& [name, v] : params) values_.at(static_cast<std::size_t>(paramIndex(name))) = v;
    seed_ = mixSeed(seed ^ fnv1a64("module"));
    sources_.resize(static_cast<std::size_t>(desc_->inputPortCount()));
    channels_.assign(static_cast<std::size_t>(desc_->inputPortCount()), 1);
  }

  // Connect a source to an input port (or a parameter's modulation input) with `channels` channels.
  ModuleHarness& input(const std::string& port, Source source, int channels = 1) {
    const int i = portIndex(port);
    sources_[static_cast<std::size_t>(i)] = std::move(source);
    channels_[static_cast<std::size_t>(i)] = channels;
    return *this;
  }
  ModuleHarness& modulate(const std::string& param, Source source, int channels = 1) {
    return input(param, std::move(source), channels);
  }
  // Set a parameter's value at a frame (applied without smoothing); before prepare() it sets the patch value.
  ModuleHarness& set(const std::string& param, float value, std::uint64_t frame = 0) {
    changes_.push_back({frame, paramIndex(param), value});
    if (!prepared_ && frame == 0) values_[static_cast<std::size_t>(paramIndex(param))] = value;
    return *this;
  }
  // Note events for modules that receive them; frame is absolute.
  ModuleHarness& event(Event e) {
    events_.push_back(e);
    return *this;
  }

  // Frames are rounded up to whole blocks. Can be called repeatedly; state carries on.
  Output run(std::uint64_t frames) {
    prepare();
    Output out;
    out.ports.resize(desc_->outputs.size());
    for (std::size_t o = 0; o < desc_->outputs.size(); ++o)
      out.ports[o].assign(static_cast<std::size_t>(module_->outputChannels(static_cast<int>(o))), {});
    const std::uint64_t blocks = (frames + kBlockFrames - 1) / kBlockFrames;
    for (std::uint64_t b = 0; b < blocks; ++b) {
      fillInputs();
      std::vector<Event> blockEvents;
      for (const Event& e : events_)
        if (e.frame >= frame_ && e.frame < frame_ + kBlockFrames) {
          Event r = e;
          r.frame -= frame_;
          blockEvents.push_back(r);
        }
      module_->setBlockEvents(blockEvents);
      {
        AudioThreadScope audio;
        module_->process(const_cast<const float**>(inPtrs_.data()), outPtrs_.data());
      }
      module_->setBlockEvents({});
      for (std::size_t o = 0; o < desc_->outputs.size(); ++o)
        for (std::size_t c = 0; c < out.ports[o].size(); ++c)
          out.ports[o][c].insert(out.ports[o][c].end(), outPtrs_[o] + c * kBlockFrames, outPtrs_[o] + (c + 1) * kBlockFrames);
      frame_ += kBlockFrames;
    }
    return out;
  }

  DSPModule& module() {
    prepare();
    return *module_;
  }
  int outputIndex(const std::string& name) const {
    const int o = desc_->findOutput(name);
    if (o < 0) throw std::invalid_argument("no output " + name);
    return o;
  }
  double sampleRate() const { return sampleRate_; }

private:
  struct Change {
    std::uint64_t frame;
    int param;
    float value;
  };

  int paramIndex(const std::string& name) const {
    const int p = desc_->findParam(name);
    if (p < 0) throw std::invalid_argument(desc_->type + " has no parameter " + name);
    return p;
  }
  int portIndex(const std::string& name) const {
    int i = desc_->findInput(name);
    if (i < 0 && desc_->findParam(name) >= 0) i = static_cast<int>(desc_->inputs.size()) + desc_->findParam(name);
    if (i < 0) throw std::invalid_argument(desc_->type + " has no input " + name);
    return i;
  }

  void prepare() {
    if (prepared_) return;
    prepared_ = true;
    ProcessSetup setup;
    setup.sampleRate = sampleRate_;
    setup.seed = seed_;
    setup.bus = &bus_;
    setup.id = "module";
    setup.params = values_;
    bus_.numOutputs = 2;
    for (int c = 0; c < 2; ++c) bus_.outputs[c] = busOut_[c];
    const int ins = desc_->inputPortCount(), outs = static_cast<int>(desc_->outputs.size());
    std::vector<char> connected(static_cast<std::size_t>(ins));
    for (std::size_t i = 0; i < connected.size(); ++i) connected[i] = sources_[i] != nullptr;
    storage_ = AlignedFloatArray(static_cast<std::size_t>(ins + outs) * kMaxChannels * kBlockFrames);
    for (int i = 0; i < ins + outs; ++i) {
      float* p = storage_.data() + static_cast<std::size_t>(i) * kMaxChannels * kBlockFrames;
      if (i < ins) inPtrs_.push_back(p);
      else outPtrs_.push_back(p);
    }
    bringUpModule(*module_, *desc_, std::move(setup), {channels_, connected});
  }

  void fillInputs() {
    const std::size_t numIn = desc_->inputs.size();
    for (std::size_t i = 0; i < inPtrs_.size(); ++i) {
      const bool isParam = i >= numIn;
      const int channels = channels_[i];
      for (int c = 0; c < channels; ++c)
        for (int n = 0; n < kBlockFrames; ++n) {
          const std::uint64_t frame = frame_ + static_cast<std::uint64_t>(n);
          float v = 0.0f;
          if (isParam) {
            const int p = static_cast<int>(i - numIn);
            for (const Change& ch : changes_)
              if (ch.param == p && ch.frame <= frame) values_[static_cast<std::size_t>(p)] = ch.value;
            v = values_[static_cast<std::size_t>(p)];
          }
          if (sources_[i]) v += sources_[i](c, frame);
          inPtrs_[i][c * kBlockFrames + n] = v;
        }
    }
    for (auto& b : busOut_)
      for (float& x : b) x = 0.0f;
  }

  double sampleRate_;
  std::uint64_t seed_;
  const ModuleDescriptor* desc_;
  std::unique_ptr<DSPModule> module_;
  std::vector<float> values_;
  std::vector<Source> sources_;
  std::vector<int> channels_;
  std::vector<Change> changes_;
  std::vector<Event> events_;
  AlignedFloatArray storage_;
  std::vector<float*> inPtrs_, outPtrs_;
  HostBus bus_;
  float busOut_[2][kBlockFrames] = {};
  bool prepared_ = false;
  std::uint64_t frame_ = 0;
};

// Sources several module tests feed in (at kHarnessRate, the same on every channel).
// A sine of `hz` and amplitude `amp`.
inline ModuleHarness::Source sineSource(double hz, double amp = 1.0) {
  return [hz, amp](int, std::uint64_t n) { return static_cast<float>(amp * std::sin(2.0 * M_PI * hz * static_cast<double>(n) / kHarnessRate)); };
}
// A gate that is 1 for `width` frames every `period` frames from frame `start` on, else 0.
inline ModuleHarness::Source pulseTrain(std::uint64_t period, std::uint64_t width, std::uint64_t start = 0) {
  return [=](int, std::uint64_t n) { return n >= start && (n - start) % period < width ? 1.0f : 0.0f; };
}

} // namespace mvm::test
