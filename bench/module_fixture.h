#pragma once
// One module of the registry set up alone, as the compiler would: parameters at their defaults,
// every input connected to a noise-like signal of `channels` channels (polyphonic ports) or one
// channel, parameter inputs holding their defaults. A module made `channels` wide otherwise gets
// there too: a channel count fixed at load is set to it; without a polyphonic input, the first
// polyphonic parameter input carries `channels` channels; a VoiceController gets `channels` held
// notes. Used by modules_bench and the gate's driver.

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mvm/core/aligned_buffer.h"
#include "mvm/core/random.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/module_setup.h"

namespace mvm::bench {

class ModuleFixture {
public:
  ModuleFixture(const ModuleRegistry::Entry& e, int channels) : module_(e.create()) {
    const ModuleDescriptor& d = *e.descriptor;
    ProcessSetup setup;
    setup.id = "bench";
    setup.seed = 1;
    for (const auto& p : d.params) setup.params.push_back(p.fixedAtLoad ? std::clamp(static_cast<float>(channels), p.min, p.max) : p.defaultValue);
    bus_.numOutputs = bus_.numInputs = 2;
    for (int c = 0; c < 2; ++c) {
      bus_.outputs[c] = busOut_[c];
      bus_.inputs[c] = busIn_[c];
    }
    setup.bus = &bus_;
    const int ins = d.inputPortCount(), outs = static_cast<int>(d.outputs.size());
    std::vector<int> inCh(static_cast<std::size_t>(ins), 1);
    std::vector<char> connected(static_cast<std::size_t>(ins), 1);
    bool polyInput = false;
    for (std::size_t i = 0; i < d.inputs.size(); ++i) {
      inCh[i] = d.inputs[i].polyphonic ? channels : 1;
      polyInput = polyInput || d.inputs[i].polyphonic;
    }
    for (auto i = d.inputs.size(); i < inCh.size(); ++i) {
      const ParamDescriptor& p = d.params[i - d.inputs.size()];
      const bool widen = !polyInput && p.polyphonic && !p.fixedAtLoad;
      if (widen) polyInput = true; // the first one only
      inCh[i] = widen ? channels : 1;
      connected[i] = widen;
    }
    storage_ = AlignedFloatArray(static_cast<std::size_t>(ins + outs) * kMaxChannels * kBlockFrames);
    Random rng(7);
    for (int i = 0; i < ins + outs; ++i) {
      float* p = storage_.data() + static_cast<std::size_t>(i) * kMaxChannels * kBlockFrames;
      (i < ins ? in_ : out_).push_back(p);
      if (i < static_cast<int>(d.inputs.size()))
        for (int k = 0; k < kMaxChannels * kBlockFrames; ++k) p[k] = rng.uniform() < 0.02f ? 1.0f : 0.3f * rng.bipolar();
      else if (i < ins)
        for (int k = 0; k < kMaxChannels * kBlockFrames; ++k) p[k] = d.params[static_cast<std::size_t>(i) - d.inputs.size()].defaultValue;
    }
    const std::vector<int> outCh = bringUpModule(*module_, d, std::move(setup), {inCh, connected});
    channels_ = outs ? outCh[0] : channels;
    if (d.receivesNoteEvents)
      for (int c = 0; c < channels; ++c) {
        Event& e = notes_[static_cast<std::size_t>(c)];
        e.type = EventType::NoteOn;
        e.frame = static_cast<std::uint64_t>(c);
        e.key = static_cast<std::uint8_t>(48 + 3 * c);
        e.value = 0.8f;
      }
    pendingNotes_ = d.receivesNoteEvents ? channels : 0;
  }

  // one 64-frame block (the first delivers the held notes)
  void process() {
    module_->setBlockEvents(std::span<const Event>(notes_.data(), static_cast<std::size_t>(pendingNotes_)));
    module_->process(const_cast<const float**>(in_.data()), out_.data());
    pendingNotes_ = 0;
  }
  float* firstOutput() const { return out_.empty() ? nullptr : out_[0]; }
  int channels() const { return channels_; }

private:
  std::unique_ptr<DSPModule> module_;
  HostBus bus_;
  float busOut_[2][kBlockFrames] = {}, busIn_[2][kBlockFrames] = {};
  AlignedFloatArray storage_;
  std::vector<float*> in_, out_;
  int channels_ = 1;
  std::array<Event, kMaxChannels> notes_{};
  int pendingNotes_ = 0;
};

} // namespace mvm::bench
