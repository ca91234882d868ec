#pragma once
// Euclidean: a Euclidean rhythm of `pulses` onsets spread over `steps` steps by Bjorklund's
// algorithm (E(3,8) = x..x..x.), rotated: step i plays pattern[(i + rotation) mod steps]. Each
// rising clock edge advances one step (the first edge after start or reset plays step 1);
// `gate` follows the clock on onset steps and `trigger` is 1 on the sample of an onset's edge.

#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct EuclideanState {
  int step = -1; // -1: before the first step (after a reset)
  bool on = false;
  RisingEdge clock, reset;
};

class Euclidean final : public ChannelModule<Euclidean, EuclideanState> {
public:
  enum Inputs { kClockIn, kReset };
  enum Params { kSteps, kPulses, kRotation };
  enum Outputs { kGate, kTrigger };
  static constexpr int kMaxSteps = 32;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Euclidean", "Sequencing", "Euclidean rhythm generator (Bjorklund), advanced by a clock.",
        {{"clock", true, "each rising edge advances one step"},
         {"reset", true, "rising edge: the next clock edge plays step 1"}},
        {{"gate", true, "the clock's gate on onset steps"}, {"trigger", true, "1 on the sample an onset starts"}},
        {{"steps", "", 1.0f, 32.0f, 8.0f, "pattern length", 0.0f, {}, false},
         {"pulses", "", 0.0f, 32.0f, 3.0f, "onsets in the pattern (at most steps)", 0.0f, {}, false},
         {"rotation", "", 0.0f, 31.0f, 0.0f, "steps the pattern is rotated by (earlier)", 0.0f, {}, false}}};
    return d;
  }

  // Bjorklund's algorithm: bit (steps - 1 - i) of the result is step i. Allocation-free.
  static std::uint64_t pattern(int steps, int pulses) noexcept {
    steps = math::clamp(steps, 1, kMaxSteps);
    pulses = math::clamp(pulses, 0, steps);
    if (pulses == 0) return 0;
    if (pulses == steps) return (std::uint64_t{1} << steps) - 1;
    struct Group {
      std::uint64_t bits;
      int len;
    };
    Group a[kMaxSteps], b[kMaxSteps];
    int na = pulses, nb = steps - pulses;
    for (int k = 0; k < na; ++k) a[k] = {1, 1};
    for (int k = 0; k < nb; ++k) b[k] = {0, 1};
    while (nb > 1) {
      const int n = na < nb ? na : nb;
      Group rest[kMaxSteps];
      int nr = 0;
      if (na > n) for (int k = n; k < na; ++k) rest[nr++] = a[k];
      else for (int k = n; k < nb; ++k) rest[nr++] = b[k];
      for (int k = 0; k < n; ++k) a[k] = {(a[k].bits << b[k].len) | b[k].bits, a[k].len + b[k].len};
      na = n;
      for (int k = 0; k < nr; ++k) b[k] = rest[k];
      nb = nr;
    }
    std::uint64_t bits = 0;
    for (int k = 0; k < na; ++k) bits = (bits << a[k].len) | a[k].bits;
    for (int k = 0; k < nb; ++k) bits = (bits << b[k].len) | b[k].bits;
    return bits;
  }
  static bool onset(int steps, int pulses, int rotation, int step) noexcept {
    steps = math::clamp(steps, 1, kMaxSteps);
    const int i = (step + rotation) % steps;
    return ((pattern(steps, pulses) >> (steps - 1 - i)) & 1u) != 0;
  }

  void processChannel(const Channel& ch, EuclideanState& s) noexcept {
    const float *stepsP = ch.sharedParam(kSteps), *pulsesP = ch.sharedParam(kPulses), *rotP = ch.sharedParam(kRotation);
    const float *clk = ch.in(kClockIn), *reset = ch.in(kReset);
    float *gate = ch.out(kGate), *trig = ch.out(kTrigger);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (s.reset.rises(reset[i])) s.step = -1;
      const bool rising = s.clock.rises(clk[i]);
      if (rising) {
        const int steps = math::toIndex(stepsP[i] + 0.5f, 1, kMaxSteps);
        const int pulses = math::toIndex(pulsesP[i] + 0.5f, 0, kMaxSteps);
        const int rot = math::toIndex(rotP[i] + 0.5f, 0, kMaxSteps - 1);
        s.step = s.step + 1 >= steps ? 0 : s.step + 1;
        s.on = onset(steps, pulses, rot, s.step);
      }
      gate[i] = (s.on && s.clock.high && s.step >= 0) ? 1.0f : 0.0f;
      trig[i] = (s.on && rising) ? 1.0f : 0.0f;
    }
  }
};

} // namespace mvm::modules
