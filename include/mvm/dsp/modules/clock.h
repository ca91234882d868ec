#pragma once
// Clock and ClockDivider.
//
// Clock: pulses at bpm * division per minute. The position in pulses is computed from an integer
// frame count since the last tempo change (anchor + frames * rate / (60 * sampleRate), in
// double), never accumulated, so pulse k starts at frame ceil(k * period) without drift however
// long it runs.
// Swing delays every second pulse by swing * period. The gate is high for half of the
// (unswung) pulse period scaled by (1 - swing); `trigger` is high on the first sample of each pulse.
//
// ClockDivider: `div` passes every Nth input pulse (the first, N+1th, ...) through unchanged;
// `mult` emits M evenly spaced pulses per input pulse, spaced by the measured input period / M
// and rounded to whole samples (the first coincides with the input edge).

#include <cmath>
#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct ClockState {
  double anchor = 0.0;       // position in pulses at the anchor
  std::uint64_t frames = 0;  // frames run since the anchor
  double rate = 0.0;         // pulses per minute
  std::int64_t lastPulse = -1;
  RisingEdge reset;
};

class Clock final : public ChannelModule<Clock, ClockState> {
public:
  enum Inputs { kReset, kRun };
  enum Params { kBpm, kSwing, kDivision };
  enum Outputs { kClock, kTrigger };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Clock", "Sequencing", "Master clock: bpm * division pulses per minute, sample exact, with swing.",
        {{"reset", false, "rising edge restarts at pulse 0 (emitted on that sample)"},
         {"run", false, "the clock runs while high (always when unconnected)"}},
        {{"clock", false, "gate, high for the first half of each pulse (shortened by swing)"},
         {"trigger", false, "1 on the first sample of each pulse"}},
        {{"bpm", "bpm", 1.0f, 999.0f, 120.0f, "tempo in beats per minute", 5.0f, {}, false},
         {"swing", "", 0.0f, 0.75f, 0.0f, "delay of every second pulse, as a fraction of the pulse period", 5.0f, {}, false},
         {"division", "ppqn", 1.0f, 64.0f, 4.0f, "pulses per beat", 0.0f, {}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, ClockState& st) noexcept {
    const float *reset = ch.in(kReset), *run = ch.in(kRun), *bpm = ch.param(kBpm), *swing = ch.param(kSwing), *division = ch.param(kDivision);
    const bool runConnected = isInputConnected(kRun);
    float *gate = ch.out(kClock), *trig = ch.out(kTrigger);
    const double sr = sampleRate();
    for (int i = 0; i < kBlockFrames; ++i) {
      if (st.reset.rises(reset[i])) {
        st.anchor = 0.0;
        st.frames = 0;
        st.lastPulse = -1;
      }
      const bool running = !runConnected || run[i] >= 0.5f;
      const int div = math::toIndex(division[i] + 0.5f, 1, 64);
      // pulses per minute; position = frames * rate / (60 sr): one rounding of an exact product,
      // so a pulse whose exact start is a whole frame is never late by rounding
      const double rate = math::clamp(static_cast<double>(bpm[i]), 1.0, 999.0) * div;
      const double framesPerMinute = 60.0 * sr;
      if (rate != st.rate) {
        if (st.rate > 0.0) st.anchor += static_cast<double>(st.frames) * st.rate / framesPerMinute;
        st.frames = 0;
        st.rate = rate;
      }
      if (!running) {
        gate[i] = 0.0f;
        trig[i] = 0.0f;
        continue;
      }
      const double pos = st.anchor + static_cast<double>(st.frames) * st.rate / framesPerMinute;
      ++st.frames;
      const double sw = math::clamp(static_cast<double>(swing[i]), 0.0, 0.75);
      const double pair = std::floor(pos * 0.5);
      const double u = pos - 2.0 * pair; // 0..2 within a pair of pulses
      const bool second = u >= 1.0 + sw;
      const std::int64_t pulse = static_cast<std::int64_t>(pair) * 2 + (second ? 1 : 0);
      const double start = second ? 1.0 + sw : 0.0;
      const bool high = (u - start) < 0.5 * (1.0 - sw);
      const bool fresh = pulse != st.lastPulse;
      st.lastPulse = pulse;
      gate[i] = high ? 1.0f : 0.0f;
      trig[i] = fresh ? 1.0f : 0.0f;
    }
  }
};
struct ClockDividerState {
  RisingEdge clock, reset;
  bool passing = false; // the divided output passes this clock pulse
  int count = 0;
  int edges = 0;        // seen, up to 2: the period is known from the second
  int mults = 1;
  std::int64_t sinceEdge = 0;
  std::int64_t period = 0;
};

class ClockDivider final : public ChannelModule<ClockDivider, ClockDividerState> {
public:
  enum Inputs { kClockIn, kReset };
  enum Params { kDivide, kMultiply };
  enum Outputs { kDiv, kMult };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "ClockDivider", "Sequencing", "Divides a clock by 1..16 and multiplies it by 1..4 (by its measured period).",
        {{"clock", true, "input clock (rising edges through 0.5)"},
         {"reset", true, "rising edge: the next clock pulse counts as the first"}},
        {{"div", true, "every Nth input pulse, passed through"},
         {"mult", true, "M pulses per input period, gate width half the multiplied period"}},
        {{"divide", "", 1.0f, 16.0f, 2.0f, "division factor N", 0.0f, {}, false},
         {"multiply", "", 1.0f, 4.0f, 2.0f, "multiplication factor M", 0.0f, {}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, ClockDividerState& s) noexcept {
    const float *clk = ch.in(kClockIn), *reset = ch.in(kReset), *divideP = ch.sharedParam(kDivide), *multiplyP = ch.sharedParam(kMultiply);
    float *dv = ch.out(kDiv), *ml = ch.out(kMult);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (s.reset.rises(reset[i])) s.count = 0;
      const bool rising = s.clock.rises(clk[i]), high = s.clock.high;
      ++s.sinceEdge;
      if (rising) {
        const int n = math::toIndex(divideP[i] + 0.5f, 1, 16);
        s.passing = (s.count % n) == 0;
        s.count = (s.count + 1) % n;
        if (s.edges > 0) s.period = s.sinceEdge;
        if (s.edges < 2) ++s.edges;
        s.sinceEdge = 0;
        s.mults = math::toIndex(multiplyP[i] + 0.5f, 1, 4);
      }
      dv[i] = (high && s.passing) ? 1.0f : 0.0f;
      // multiplied output: pulse j starts at round(j * period / M) after the edge
      float m = 0.0f;
      if (s.edges >= 2 && s.period > 0) {
        const std::int64_t t = s.sinceEdge;
        const std::int64_t M = s.mults, P = s.period;
        auto slotStart = [&](std::int64_t j) { return (j * P * 2 + M) / (2 * M); }; // round(j * P / M)
        std::int64_t j = (t * M) / P;
        if (j > 0 && slotStart(j) > t) --j;
        if (slotStart(j + 1) <= t) ++j;
        if (j < M) {
          const std::int64_t width = P / (2 * M) > 0 ? P / (2 * M) : 1;
          m = (t - slotStart(j)) < width ? 1.0f : 0.0f;
        }
      } else {
        m = high ? 1.0f : 0.0f;
      }
      ml[i] = m;
    }
  }
};

} // namespace mvm::modules
