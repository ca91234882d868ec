#pragma once
// Meter: level of the input (polyphonic channels summed). `peak` jumps to |x| and otherwise
// falls by 60 dB in `release` seconds (exponentially); `rms` is the square root of a one-pole
// mean square with time constant `window`. The last values of each block are published on the
// VM's MeterBoard (dsp/meter_board.h) under the module's id, for the control side.

#include <cmath>
#include <cstdint>

#include "mvm/core/hash.h"
#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

// The State: the levels, carried over a swap; the board slot is this instance's own.
struct MeterLevel {
  float peak = 0.0f;
  float ms = 0.0f; // mean square
};

class Meter final : public StatefulModule<MeterLevel> {
public:
  enum Inputs { kIn };
  enum Params { kRelease, kWindow };
  enum Outputs { kPeak, kRms };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Meter", "Utilities", "Peak (with release) and RMS level of the summed input, as signals and for the UI.",
        {{"in", true, "signal; polyphonic channels are summed"}},
        {{"peak", false, "peak level, linear"}, {"rms", false, "RMS level, linear"}},
        {{"release", "s", 0.01f, 10.0f, 1.5f, "time for the peak to fall by 60 dB", 5.0f, {}, false},
         {"window", "s", 0.001f, 5.0f, 0.3f, "RMS averaging time constant", 5.0f, {}, false}},
        false, HostBusUse::Reads};
    return d;
  }

  void prepare() override { key_ = fnv1a64(id()); }

  void process(const float** in, float** out) override {
    const int channels = inputChannels(kIn);
    const float* release = param(in, kRelease, 0);
    const float* window = param(in, kWindow, 0);
    float* yp = DSPModule::out(out, kPeak, 0);
    float* yr = DSPModule::out(out, kRms, 0);
    const double sr = sampleRate();
    for (int i = 0; i < kBlockFrames; ++i) {
      float x = 0.0f;
      for (int c = 0; c < channels; ++c) x += in[kIn][c * kBlockFrames + i];
      x = math::limit(x, math::kMaxSignal);
      if (moved(lastRelease_, release[i])) {
        // 10^(-3 / (release * sr)) = 2^(-3 log2(10) / n)
        const double n = math::clamp(static_cast<double>(release[i]), 0.01, 10.0) * sr;
        decay_ = static_cast<float>(math::exp2(-9.965784284662087 / n));
      }
      if (moved(lastWindow_, window[i])) {
        const double n = math::clamp(static_cast<double>(window[i]), 0.001, 5.0) * sr;
        coef_ = static_cast<float>(1.0 - math::exp(-1.0 / n));
      }
      const float a = std::fabs(x);
      state_.peak = a > state_.peak * decay_ ? a : state_.peak * decay_;
      state_.ms += coef_ * (x * x - state_.ms);
      yp[i] = state_.peak;
      yr[i] = rms();
    }
    if (MeterBoard* board = hostBus() ? hostBus()->meters : nullptr) {
      if (slot_ == kUnclaimed) slot_ = board->claim(key_);
      if (slot_ >= 0) board->publish(slot_, yp[kBlockFrames - 1], yr[kBlockFrames - 1]);
    }
  }

  // audio thread, or while not processing: the levels at the end of the last processed block
  float peak() const noexcept { return state_.peak; }
  float rms() const noexcept { return std::sqrt(state_.ms > 0.0f ? state_.ms : 0.0f); }

private:
  static constexpr int kUnclaimed = -2; // -1: the board is full
  float lastRelease_ = -1.0f, lastWindow_ = -1.0f;
  float decay_ = 1.0f, coef_ = 1.0f;
  std::uint64_t key_ = 0;
  int slot_ = kUnclaimed;
};

} // namespace mvm::modules
