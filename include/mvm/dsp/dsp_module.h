#pragma once
// The unit of DSP. A module processes exactly one block of kBlockFrames frames per call on
// 1..kMaxChannels channels; everything else (construction, buffers, channel counts, sample
// rate) is settled on the compile thread before the audio thread ever calls process().
//
// Input index space: the descriptor's inputs first, then one input per parameter carrying that
// parameter's effective value per sample (smoothed set value + modulation cables x amount).

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mvm/core/block.h"
#include "mvm/core/event.h"
#include "mvm/core/signal.h"
#include "mvm/dsp/host_bus.h"
#include "mvm/dsp/module_descriptor.h"

namespace mvm {

struct ProcessSetup {
  double sampleRate = 48000.0;
  std::uint64_t seed = 0;   // per module: derived from the patch seed and the module id
  HostBus* bus = nullptr;   // the program's host bus (AudioOut, AudioIn)
  std::string id;           // the module's id in the patch
  std::vector<float> params; // the patch's value of each parameter (channel counts may depend on them)
};

// The memory a module allocates when prepared, and what it is (for the message that refuses it).
struct PreparedMemory {
  std::size_t bytes = 0;
  const char* what = "buffers";
};

// Counts every module instance alive, so tests and soak runs can prove instances are freed.
inline std::atomic<long> gLiveModuleCount{0};

class DSPModule {
public:
  DSPModule() noexcept { gLiveModuleCount.fetch_add(1, std::memory_order_relaxed); }
  virtual ~DSPModule() { gLiveModuleCount.fetch_sub(1, std::memory_order_relaxed); }
  DSPModule(const DSPModule&) = delete;
  DSPModule& operator=(const DSPModule&) = delete;

  // control thread: port counts (inputs include the parameter inputs); called once, first.
  virtual void configure(int numInputs, int numOutputs) {
    inputChannels_.assign(static_cast<std::size_t>(numInputs), 1);
    inputConnected_.assign(static_cast<std::size_t>(numInputs), 0);
    outputChannels_.assign(static_cast<std::size_t>(numOutputs), 1);
    outputsUnread_ = 0;
  }

  // control thread: output channel counts from input channel counts (isInputConnected() is valid
  // here). The default is VCV Rack's:
  // a polyphonic output carries as many channels as the widest polyphonic input; mono outputs 1.
  virtual void resolveOutputChannels(const int* inputChannels, int* outputChannels) const {
    int widest = 1;
    const auto& d = *descriptor_;
    for (std::size_t i = 0; i < d.inputs.size(); ++i)
      if (d.inputs[i].polyphonic && inputChannels[i] > widest) widest = inputChannels[i];
    for (std::size_t p = 0; p < d.params.size(); ++p)
      if (d.params[p].polyphonic && inputChannels[d.inputs.size() + p] > widest)
        widest = inputChannels[d.inputs.size() + p];
    for (std::size_t o = 0; o < d.outputs.size(); ++o) outputChannels[o] = d.outputs[o].polyphonic ? widest : 1;
  }

  // control thread, may allocate: size delay lines, compute constants. Channel counts are known.
  virtual void prepare() {}

  // control thread, after the channel counts are set and before prepare(): at least the bytes
  // prepare() will allocate (from the sample rate, channel counts and fixed maxima), so that the
  // compiler refuses a patch over limits::kMaxModuleBytes before anything is allocated. A module
  // that allocates in prepare() overrides it, computing its sizes with the same function as
  // prepare() does. Tables shared by every instance and built once are not counted.
  virtual PreparedMemory preparedMemory() const { return {}; }

  // audio thread, wait-free: one block. inputs[i] holds inputChannels(i) channels, outputs[o]
  // holds outputChannels(o) channels, each kBlockFrames long; outputs never alias inputs.
  virtual void process(const float** inputs, float** outputs) = 0;

  // audio thread, bounded and allocation-free: take over the state of the instance this one
  // replaces in a hot swap (same id, same type; channel counts may differ).
  virtual void copyStateFrom(const DSPModule& previous) { (void)previous; }

  // control thread: an input whose channel, zero through a block, makes the channel of every
  // output zero whatever the other inputs hold (a VCA's cv), or -1. What a voice is heard
  // through (compiler/voice_gates.h).
  virtual int silencingInput() const noexcept { return -1; }
  // control thread: whether a channel may skip blocks no one hears, keeping its state and writing
  // silence, to resume unheard where it stopped (compiler/voice_gates.h). Only ChannelModule and
  // LaneModule skip channels (their Self declares kPausesWhenUnheard).
  virtual bool pausesWhenUnheard() const noexcept { return false; }
  // control thread: an input whose silent channels the module skips (a sum over channels), or
  // -1. When that input reads a voice gate's output in place, the VM tells the module before each
  // block which of its channels hold +0.0 throughout (setQuietChannels).
  virtual int skipsQuietChannelsOf() const noexcept { return -1; }
  // audio thread, after process(): the voices the module holds (a VoiceController's); the VM
  // counts them over its note listeners (VMCounters::activeVoices).
  virtual int heldVoices() const noexcept { return 0; }

  // ---- set by the compiler (control thread) ----
  void attach(const ModuleDescriptor& descriptor, ProcessSetup setup) {
    descriptor_ = &descriptor;
    setup_ = std::move(setup);
  }
  void setInputLayout(int port, int channels, bool connected) {
    inputChannels_[static_cast<std::size_t>(port)] = channels;
    inputConnected_[static_cast<std::size_t>(port)] = connected ? 1 : 0;
  }
  void setOutputChannels(int port, int channels) { outputChannels_[static_cast<std::size_t>(port)] = channels; }
  // An output no cable reads: the module may leave its buffer unwritten (outputs count as connected
  // until the compiler says otherwise).
  void setOutputConnected(int port, bool connected) {
    const std::uint64_t bit = std::uint64_t{1} << port; // descriptors have fewer than 64 outputs
    outputsUnread_ = connected ? outputsUnread_ & ~bit : outputsUnread_ | bit;
  }
  // audio thread: the note events of the current block, frames relative to the block start
  void setBlockEvents(std::span<const Event> events) noexcept { blockEvents_ = events; }
  // audio thread: the channels that run this block (bit c: channel c), set by the VM's GATE
  // instruction for a module that pauses when unheard; every channel otherwise.
  void setActiveChannels(std::uint32_t channels) noexcept { activeChannels_ = channels; }
  // audio thread: the channels of input skipsQuietChannelsOf() that hold +0.0 through this block
  // (those a voice gate silences), set by the GATE instruction; none otherwise.
  void setQuietChannels(std::uint32_t channels) noexcept { quietChannels_ = channels; }
  // audio thread, after process(): the channels the module knows it wrote +0.0 to on every
  // output through the block (an envelope at rest); a voice gate then need not read them.
  std::uint32_t restingChannels() const noexcept { return restingChannels_; }

  // ---- for implementations ----
  const ModuleDescriptor& descriptor() const noexcept { return *descriptor_; }
  const std::string& id() const noexcept { return setup_.id; }
  double sampleRate() const noexcept { return setup_.sampleRate; }
  std::uint64_t seed() const noexcept { return setup_.seed; }
  HostBus* hostBus() const noexcept { return setup_.bus; }
  // control thread: the patch's value of a parameter (for channel counts and memory sizing).
  float initialParam(int param) const noexcept { return setup_.params[static_cast<std::size_t>(param)]; }
  int numInputs() const noexcept { return static_cast<int>(inputChannels_.size()); }
  int numOutputs() const noexcept { return static_cast<int>(outputChannels_.size()); }
  [[gnu::always_inline]] int inputChannels(int port) const noexcept { return inputChannels_[static_cast<std::size_t>(port)]; }
  bool isInputConnected(int port) const noexcept { return inputConnected_[static_cast<std::size_t>(port)] != 0; }
  int outputChannels(int port) const noexcept { return outputChannels_[static_cast<std::size_t>(port)]; }
  bool isOutputConnected(int port) const noexcept { return (outputsUnread_ >> port & 1) == 0; }
  [[gnu::always_inline]] int paramPort(int param) const noexcept { return static_cast<int>(descriptor_->inputs.size()) + param; }
  std::span<const Event> blockEvents() const noexcept { return blockEvents_; }
  std::uint32_t activeChannels() const noexcept { return activeChannels_; }
  bool isChannelActive(int c) const noexcept { return (activeChannels_ >> c & 1) != 0; }
  bool isChannelQuiet(int c) const noexcept { return (quietChannels_ >> c & 1) != 0; }
  // Whether channel c rested through this block (see restingChannels), said for every channel every block.
  void setResting(int c, bool resting) noexcept {
    const std::uint32_t bit = std::uint32_t{1} << c;
    restingChannels_ = resting ? restingChannels_ | bit : restingChannels_ & ~bit;
  }
  // audio thread: channel c of every output a cable reads, silent (a channel that skips a block).
  void silenceChannel(float** outputs, int c) const noexcept {
    for (std::uint64_t read = ~outputsUnread_ & ((std::uint64_t{1} << numOutputs()) - 1); read != 0; read &= read - 1) {
      const int o = std::countr_zero(read); // the outputs a cable reads, one bit each
      if (c < outputChannels(o)) fillFrames(channelOf(outputs[o], c), kBlockFrames, 0.0f);
    }
  }

  // Forced inline, as Channel's (module_kernel.h): called for every buffer of every channel.
  // Channel c of input `port`, mono inputs broadcast.
  [[gnu::always_inline]] const float* in(const float** inputs, int port, int c) const noexcept {
    return channelOf(inputs[port], inputChannels(port), c);
  }
  // Channel c of parameter `param`'s per-sample value.
  [[gnu::always_inline]] const float* param(const float** inputs, int param, int c) const noexcept { return in(inputs, paramPort(param), c); }
  // Channel c of output `port`.
  [[gnu::always_inline]] static float* out(float** outputs, int port, int c) noexcept { return channelOf(outputs[port], c); }

private:
  const ModuleDescriptor* descriptor_ = nullptr;
  ProcessSetup setup_;
  std::vector<int> inputChannels_;
  std::vector<int> outputChannels_;
  std::vector<char> inputConnected_;
  std::uint64_t outputsUnread_ = 0; // bit o: no cable reads output o
  std::span<const Event> blockEvents_;
  std::uint32_t activeChannels_ = ~std::uint32_t{0};
  std::uint32_t quietChannels_ = 0;
  std::uint32_t restingChannels_ = 0;
};

} // namespace mvm
