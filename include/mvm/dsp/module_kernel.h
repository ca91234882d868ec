#pragma once
// The frame a module's math is written in. A module whose channels run independently of each
// other derives from ChannelModule<Self, State> and writes one channel's block as its math,
// against a Channel that names the buffers (ch.in(kIn), ch.param(kCutoff), ch.out(kLp)):
//
//   class Slew final : public ChannelModule<Slew, float> {
//     void processChannel(const Channel& ch, float& v) { ... }
//   };
//
// The framework runs it for every channel, keeps one State per channel and carries the States
// over a hot swap. A module overrides copyStateFrom only when it owns memory beyond its State
// (delay lines, tables). State must be trivially copyable: the carry-over is bounded and runs on
// the audio thread.

#include <array>
#include <cstddef>
#include <type_traits>

#include "mvm/dsp/dsp_module.h"

namespace mvm {

// One channel's view of a module's buffers for one block. Its accessors are forced inline: gcc
// otherwise calls them (a call per buffer per channel per block, 2 % of a 16-voice patch).
class Channel {
public:
  [[gnu::always_inline]] Channel(const DSPModule& module, const float** inputs, float** outputs, int channel) noexcept
      : module_(module), inputs_(inputs), outputs_(outputs), channel_(channel) {}

  // Input `port`; a mono cable reaches every channel.
  [[gnu::always_inline]] const float* in(int port) const noexcept { return module_.in(inputs_, port, channel_); }
  // Parameter `param` for each frame: its smoothed set value plus its modulation.
  [[gnu::always_inline]] const float* param(int param) const noexcept { return module_.param(inputs_, param, channel_); }
  // A parameter every channel shares (not polyphonic): the first channel of its buffer.
  [[gnu::always_inline]] const float* sharedParam(int param) const noexcept { return module_.param(inputs_, param, 0); }
  [[gnu::always_inline]] float* out(int port) const noexcept { return DSPModule::out(outputs_, port, channel_); }
  int index() const noexcept { return channel_; }

private:
  const DSPModule& module_;
  const float** inputs_;
  float** outputs_;
  int channel_;
};

// The State of a module that remembers nothing from one block to the next.
struct Stateless {};

template <class Self, class State>
class ChannelModule : public DSPModule {
  static_assert(std::is_trivially_copyable_v<State>, "a State is carried over a hot swap by copying it");

public:
  // State() value-initialises: the member initialisers, zero for what has none.
  ChannelModule() noexcept { state_.fill(State()); }

  // Flattened: each module's math inlined into its channel loop, as when it was written by hand
  // (a call per channel otherwise costs a 64-sine patch 1.7 % of its instructions).
  [[gnu::flatten]] void process(const float** inputs, float** outputs) override {
    Self& self = static_cast<Self&>(*this);
    const int channels = self.channels();
    for (int c = 0; c < channels; ++c) self.processChannel(Channel(*this, inputs, outputs, c), state_[static_cast<std::size_t>(c)]);
  }

  void copyStateFrom(const DSPModule& previous) override { state_ = static_cast<const ChannelModule&>(previous).state_; }

  // The channels that run: those of the first output. A module whose count is set otherwise
  // declares its own channels().
  int channels() const noexcept { return outputChannels(0); }

protected:
  std::array<State, kMaxChannels> state_;
};

} // namespace mvm
