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
// over a hot swap (StatefulModule). A module overrides copyStateFrom only when it owns memory
// beyond its State (delay lines, tables). State must be trivially copyable: the carry-over is
// bounded and runs on the audio thread.

#include <array>
#include <cassert>
#include <cstddef>
#include <type_traits>

#include "mvm/core/fields.h"
#include "mvm/core/simd.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm {

// One channel's (V = float) or four channels' (V = simd::f32x4, lane j = channel first() + j) view
// of a module's buffers for one block, frame by frame. Its accessors are forced inline: gcc
// otherwise calls them (a call per buffer per channel per block, 2 % of a 16-voice patch).
template <class V>
class Lanes;

template <>
class Lanes<float> {
public:
  [[gnu::always_inline]] Lanes(const DSPModule& module, const float** inputs, float** outputs, int channel) noexcept
      : module_(module), inputs_(inputs), outputs_(outputs), channel_(channel) {}

  // Input `port`; a mono cable reaches every channel.
  [[gnu::always_inline]] const float* in(int port) const noexcept { return module_.in(inputs_, port, channel_); }
  // Parameter `param` for each frame: its smoothed set value plus its modulation.
  [[gnu::always_inline]] const float* param(int param) const noexcept { return module_.param(inputs_, param, channel_); }
  // A parameter every channel shares (not polyphonic): the first channel of its buffer.
  [[gnu::always_inline]] const float* sharedParam(int param) const noexcept { return module_.param(inputs_, param, 0); }
  [[gnu::always_inline]] float* out(int port) const noexcept { return DSPModule::out(outputs_, port, channel_); }
  // Frame 0 of an input or parameter, and whether the block holds that one value: a steady block
  // lets the math work a coefficient out once.
  float firstIn(int port) const noexcept { return in(port)[0]; }
  float firstParam(int param) const noexcept { return this->param(param)[0]; }
  bool steadyIn(int port) const noexcept { return isSteadyBlock(in(port)); }
  bool steadyParam(int param) const noexcept { return isSteadyBlock(this->param(param)); }
  int index() const noexcept { return channel_; }

private:
  const DSPModule& module_;
  const float** inputs_;
  float** outputs_;
  int channel_;
};

// The view most modules are written against: one channel at a time.
using Channel = Lanes<float>;

// Four channels side by side (any four: the channels that run, when some skip the block): an
// input is interleaved into frames of four lanes when the math asks for it, an output is formed
// in frames of lanes and written back to its channels when the block is done (and only if a
// cable reads it).
template <>
class Lanes<simd::f32x4> {
  using V = simd::f32x4;
  static constexpr int kWidth = simd::kLanes;

public:
  // Room for the interleaved buffers one block of the math asks for.
  struct Scratch {
    static constexpr int kBuffers = 8;
    alignas(16) V frames[kBuffers][kBlockFrames]; // no initialiser: each is written before it is read
    int used = 0;
    int outputs = 0;
    int outputPort[kBuffers];
    int outputBuffer[kBuffers];
  };

  // `channels`: the four channels, lane j holding channels[j]
  [[gnu::always_inline]] Lanes(const DSPModule& module, const float** inputs, float** outputs, const int* channels, Scratch& scratch) noexcept
      : module_(module), inputs_(inputs), outputs_(outputs), channels_(channels), scratch_(scratch) {}

  const V* in(int port) const noexcept { return interleaved(port); }
  const V* param(int param) const noexcept { return interleaved(module_.paramPort(param)); }
  const float* sharedParam(int param) const noexcept { return module_.param(inputs_, param, 0); }
  V* out(int port) const noexcept {
    const int b = take();
    scratch_.outputPort[scratch_.outputs] = port;
    scratch_.outputBuffer[scratch_.outputs++] = b;
    return scratch_.frames[b];
  }
  V firstIn(int port) const noexcept { return first(port); }
  V firstParam(int param) const noexcept { return first(module_.paramPort(param)); }
  bool steadyIn(int port) const noexcept { return steady(port); }
  bool steadyParam(int param) const noexcept { return steady(module_.paramPort(param)); }
  int index() const noexcept { return channels_[0]; }

  // The outputs formed this block, back to their channels.
  void writeBack() const noexcept {
    for (int k = 0; k < scratch_.outputs; ++k) {
      const int port = scratch_.outputPort[k];
      if (!module_.isOutputConnected(port)) continue; // nobody reads it
      float* dst[kWidth];
      for (int j = 0; j < kWidth; ++j) dst[j] = DSPModule::out(outputs_, port, channels_[j]);
      simd::deinterleave(scratch_.frames[scratch_.outputBuffer[k]], dst, kBlockFrames);
    }
  }

private:
  int take() const noexcept {
    assert(scratch_.used < Scratch::kBuffers && "a lane-generic module asks for at most Scratch::kBuffers buffers a block");
    return scratch_.used++;
  }
  const float* channel(int port, int j) const noexcept { return module_.in(inputs_, port, channels_[j]); }
  const V* interleaved(int port) const noexcept {
    const float* ch[kWidth];
    for (int j = 0; j < kWidth; ++j) ch[j] = channel(port, j);
    V* frames = scratch_.frames[take()];
    simd::interleave(ch, frames, kBlockFrames);
    return frames;
  }
  V first(int port) const noexcept {
    V v;
    for (int j = 0; j < kWidth; ++j) v[j] = channel(port, j)[0];
    return v;
  }
  bool steady(int port) const noexcept {
    for (int j = 0; j < kWidth; ++j)
      if (!isSteadyBlock(channel(port, j))) return false;
    return true;
  }

  const DSPModule& module_;
  const float** inputs_;
  float** outputs_;
  const int* channels_;
  Scratch& scratch_;
};

// The State of a module that remembers nothing from one block to the next.
struct Stateless {};

// What a module remembers from one block to the next, as one plain struct, carried over a hot
// swap by copying it. The base of ChannelModule and LaneModule (one State per channel), and of a
// module whose channels are not independent (VoiceController, Meter). A module overrides
// copyStateFrom only for memory beyond it (delay lines, histories), calling this one first.
template <class State>
class StatefulModule : public DSPModule {
  static_assert(std::is_trivially_copyable_v<State>, "a State is carried over a hot swap by copying it");

public:
  void copyStateFrom(const DSPModule& previous) override { state_ = static_cast<const StatefulModule&>(previous).state_; }

protected:
  // Value-initialised: the member initialisers, zero for what has none.
  State state_ = State();
};

// Whether a module may skip the blocks of a channel no one hears (compiler/voice_gates.h): its
// Self declares `static constexpr bool kPausesWhenUnheard = true;` when its channels are
// independent and nothing but its output would notice a pause (oscillators, filters, shapers,
// channel-wise arithmetic; not envelopes, clocks, sequencers or delays).
template <class Self>
constexpr bool pausesWhenUnheard() noexcept {
  if constexpr (requires { Self::kPausesWhenUnheard; }) return Self::kPausesWhenUnheard;
  else return false;
}

template <class Self, class State>
class ChannelModule : public StatefulModule<std::array<State, kMaxChannels>> {
public:
  // Flattened: each module's math inlined into its channel loop, as when it was written by hand
  // (a call per channel otherwise costs a 64-sine patch 1.7 % of its instructions). A channel
  // that skips the block keeps its state and writes silence.
  [[gnu::flatten]] void process(const float** inputs, float** outputs) override {
    Self& self = static_cast<Self&>(*this);
    const int channels = self.channels();
    for (int c = 0; c < channels; ++c) {
      if (!mvm::pausesWhenUnheard<Self>() || this->isChannelActive(c)) self.processChannel(Channel(*this, inputs, outputs, c), this->state_[static_cast<std::size_t>(c)]);
      else this->silenceChannel(outputs, c);
    }
  }

  bool pausesWhenUnheard() const noexcept override { return mvm::pausesWhenUnheard<Self>(); }

  // The channels that run: those of the first output. A module whose count is set otherwise
  // declares its own channels().
  int channels() const noexcept { return this->outputChannels(0); }
};

// A module whose math is one body for one channel or four lanes:
//
//   template <class V> struct SvfState { V ic1{}, ic2{}; };
//   class SVF final : public LaneModule<SVF, SvfState> {
//     template <class V> void processLanes(const Lanes<V>& ch, SvfState<V>& s) { ... }
//   };
//
// The framework runs the channels four at a time with V = simd::f32x4 and the rest one at a time
// with V = float (of the channels that run this block, in order: a channel's bits do not depend
// on which channels share its lanes). Every lane operation is the IEEE operation of the scalar code and nothing
// contracts into FMA (DESIGN.md decision 9), so a channel gives the same bits whichever way it
// runs. A branch the math takes for a whole block (a steady parameter) must give the same bits as
// the frame-by-frame way, since it is taken for four channels at once. The state is kept per
// channel as State<float>, its members moved into and out of lanes by fields.h: each member of
// State<V> is V, simd::DoubleOf<V> or another lane type of the same width.
template <class Self, template <class> class State>
class LaneModule : public StatefulModule<std::array<State<float>, kMaxChannels>> {
public:
  [[gnu::flatten]] void process(const float** inputs, float** outputs) override {
    Self& self = static_cast<Self&>(*this);
    const int channels = self.channels();
    int run[kMaxChannels]; // the channels that run this block
    int count = 0;
    for (int c = 0; c < channels; ++c) {
      if (!mvm::pausesWhenUnheard<Self>() || this->isChannelActive(c)) run[count++] = c; // only members of a voice gate pause
      else this->silenceChannel(outputs, c);
    }
    int k = 0;
    for (; k + simd::kLanes <= count; k += simd::kLanes) {
      typename Lanes<simd::f32x4>::Scratch scratch;
      const Lanes<simd::f32x4> lanes(*this, inputs, outputs, run + k, scratch);
      State<simd::f32x4> s;
      for (int j = 0; j < simd::kLanes; ++j) toLane(s, this->state_[static_cast<std::size_t>(run[k + j])], j);
      self.processLanes(lanes, s);
      for (int j = 0; j < simd::kLanes; ++j) fromLane(s, this->state_[static_cast<std::size_t>(run[k + j])], j);
      lanes.writeBack();
    }
    for (; k < count; ++k) self.processLanes(Lanes<float>(*this, inputs, outputs, run[k]), this->state_[static_cast<std::size_t>(run[k])]);
  }

  bool pausesWhenUnheard() const noexcept override { return mvm::pausesWhenUnheard<Self>(); }

  int channels() const noexcept { return this->outputChannels(0); }

private:
  // One channel's state into lane j of four, member by member (into nested structs too), and back.
  template <class L, class O>
  static void toLane(L& lanes, const O& one, int j) noexcept {
    if constexpr (std::is_class_v<O>) {
      fields::forEachPair(lanes, one, [j](auto& l, const auto& o) { toLane(l, o, j); });
    } else {
      static_assert(sizeof(L) == simd::kLanes * sizeof(O), "each member of a lane State is a lane type");
      simd::setLane(lanes, j, one);
    }
  }
  template <class L, class O>
  static void fromLane(const L& lanes, O& one, int j) noexcept {
    if constexpr (std::is_class_v<O>) fields::forEachPair(lanes, one, [j](const auto& l, auto& o) { fromLane(l, o, j); });
    else one = simd::lane(lanes, j);
  }
};

} // namespace mvm
