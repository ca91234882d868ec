#pragma once
// Gate utilities: TriggerToGate, Counter, GateDelay. Gates/triggers are high at >= 0.5; a
// trigger is a rising edge through 0.5; outputs are exactly 0 or 1.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

// A rising edge starts a gate exactly round(length * sampleRate) samples long (at least 1),
// counted from the edge's sample; a new edge restarts it.
struct TriggerToGateState {
  RisingEdge trig;
  std::int64_t remaining = 0; // frames of the gate still to give
};

class TriggerToGate final : public ChannelModule<TriggerToGate, TriggerToGateState> {
public:
  enum Inputs { kTrig };
  enum Params { kLength };
  enum Outputs { kGate };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "TriggerToGate", "Sequencing", "Turns each trigger into a gate of fixed length (exact in samples).",
        {{"trig", true, "rising edges start a gate"}},
        {{"gate", true, "high for length seconds after each trigger"}},
        {{"length", "s", 0.0001f, 10.0f, 0.1f, "gate length, latched at each trigger"}}};
    return d;
  }

  void processChannel(const Channel& ch, TriggerToGateState& s) noexcept {
    const double sr = sampleRate();
    const float *x = ch.in(kTrig), *length = ch.param(kLength);
    float* y = ch.out(kGate);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (s.trig.rises(x[i])) s.remaining = std::max(1L, math::roundFrames(math::clamp(static_cast<double>(length[i]), 0.0001, 10.0) * sr));
      y[i] = s.remaining > 0 ? 1.0f : 0.0f;
      if (s.remaining > 0) --s.remaining;
    }
  }
};
// Counts rising edges modulo max: `count` steps 0, 1, ..., max-1, 0...; `wrap` is 1 on the sample
// the count returns to 0. A rising reset sets the count to 0 (no wrap trigger).
struct CounterState {
  RisingEdge trig, reset;
  int count = 0;
};

class Counter final : public ChannelModule<Counter, CounterState> {
public:
  enum Inputs { kTrig, kReset };
  enum Params { kMax };
  enum Outputs { kCount, kWrap };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Counter", "Sequencing", "Counts triggers modulo max; a trigger on each wrap.",
        {{"trig", true, "rising edges count"}, {"reset", true, "rising edge sets the count to 0"}},
        {{"count", true, "the count, 0..max-1, as a value"}, {"wrap", true, "1 on the sample the count wraps to 0"}},
        {{"max", "", 1.0f, 256.0f, 8.0f, "modulus", 0.0f, {}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, CounterState& s) noexcept {
    const float *x = ch.in(kTrig), *reset = ch.in(kReset), *maxP = ch.sharedParam(kMax);
    float *count = ch.out(kCount), *wrap = ch.out(kWrap);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (s.reset.rises(reset[i])) s.count = 0;
      bool wrapped = false;
      if (s.trig.rises(x[i])) {
        const int m = math::toIndex(maxP[i] + 0.5f, 1, 256);
        if (++s.count >= m) {
          s.count = 0;
          wrapped = true;
        }
      }
      count[i] = static_cast<float>(s.count);
      wrap[i] = wrapped ? 1.0f : 0.0f;
    }
  }

  int count(int channel) const noexcept { return state_[static_cast<std::size_t>(channel)].count; }
};
// Delays a gate by round(time * sampleRate) samples exactly: out[n] = (in[n - d] >= 0.5). The
// history is kept as one bit per sample for the maximum time.
class GateDelay final : public ChannelModule<GateDelay, std::int64_t> {
public:
  enum Inputs { kIn };
  enum Params { kTime };
  enum Outputs { kOut };
  static constexpr float kMaxTime = 10.0f;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "GateDelay", "Sequencing", "Delays a gate or trigger signal by an exact number of samples.",
        {{"in", true, "gate or trigger"}},
        {{"out", true, "the input, delayed, as 0/1"}},
        {{"time", "s", 0.0f, kMaxTime, 0.1f, "delay (rounded to the nearest sample)"}}};
    return d;
  }

  void prepare() override {
    channels_ = outputChannels(kOut);
    words_ = historyWords();
    bits_ = static_cast<std::int64_t>(words_) * 64;
    history_.assign(words_ * static_cast<std::size_t>(channels_), 0);
  }
  PreparedMemory preparedMemory() const override {
    return {sizeof(std::uint64_t) * historyWords() * static_cast<std::size_t>(outputChannels(kOut)), "gate history"};
  }

  // w: the history's write position
  void processChannel(const Channel& ch, std::int64_t& w) noexcept {
    const double sr = sampleRate();
    const float *x = ch.in(kIn), *time = ch.param(kTime);
    float* y = ch.out(kOut);
    std::uint64_t* h = history_.data() + static_cast<std::size_t>(ch.index()) * words_;
    for (int i = 0; i < kBlockFrames; ++i) {
      const std::uint64_t bit = std::uint64_t{1} << (w & 63);
      if (x[i] >= 0.5f) h[w >> 6] |= bit;
      else h[w >> 6] &= ~bit;
      std::int64_t d = static_cast<std::int64_t>(std::llround(math::clamp(static_cast<double>(time[i]), 0.0, 10.0) * sr));
      if (d > bits_ - 1) d = bits_ - 1;
      std::int64_t r = w - d;
      if (r < 0) r += bits_;
      y[i] = ((h[r >> 6] >> (r & 63)) & 1u) ? 1.0f : 0.0f;
      if (++w >= bits_) w = 0;
    }
  }

  // The history is memory beyond the State: carried over, with the write positions, only when
  // it has the same length.
  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const GateDelay&>(previous);
    if (p.bits_ == bits_) {
      const int ch = channels_ < p.channels_ ? channels_ : p.channels_;
      for (std::size_t k = 0; k < words_ * static_cast<std::size_t>(ch); ++k) history_[k] = p.history_[k];
      ChannelModule::copyStateFrom(previous);
    }
  }

private:
  // One bit per frame of kMaxTime (plus two), in whole 64-bit words, per channel.
  std::size_t historyWords() const noexcept {
    const auto bits = static_cast<std::int64_t>(std::ceil(static_cast<double>(kMaxTime) * sampleRate())) + 2;
    return static_cast<std::size_t>((bits + 63) / 64);
  }
  std::vector<std::uint64_t> history_;
  std::size_t words_ = 0;
  std::int64_t bits_ = 0;
  int channels_ = 0;
};

} // namespace mvm::modules
