#pragma once
// Bernoulli: a coin-toss gate router (VCV Bernoulli Gate style). On each rising edge of `trig`
// (through 0.5) a seeded coin with probability p chooses output a (else b); the chosen output
// then follows the trigger input — 1 while it stays high, 0 after — and the other stays 0. In
// latch mode the chosen output instead stays 1 until the next toss.

#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/core/random.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct BernoulliState {
  mvm::Random rng; // the coin
  RisingEdge trig;
  bool toA = false, tossed = false;
};

class Bernoulli final : public ChannelModule<Bernoulli, BernoulliState> {
public:
  enum Inputs { kTrig };
  enum Params { kP, kMode };
  enum Outputs { kA, kB };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Bernoulli", "Random", "Routes each trigger/gate to a with probability p, else to b.",
        {{"trig", true, "trigger or gate; each rising edge through 0.5 tosses the coin"}},
        {{"a", true, "gate, 0/1: the input while high when the toss chose a"},
         {"b", true, "gate, 0/1: the input while high when the toss chose b"}},
        {{"p", "", 0.0f, 1.0f, 0.5f, "probability of choosing a"},
         {"mode", "", 0.0f, 1.0f, 0.0f, "gate: follow the input; latch: hold until the next toss", 0.0f, {"gate", "latch"}, false}}};
    return d;
  }

  void prepare() override {
    for (int c = 0; c < kMaxChannels; ++c) state_[c].rng.reseed(seed() + 0xA0761D6478BD642Full * static_cast<std::uint64_t>(c + 1));
  }

  void processChannel(const Channel& ch, BernoulliState& v) noexcept {
    const float *trig = ch.in(kTrig), *p = ch.param(kP), *mode = ch.param(kMode);
    float *ya = ch.out(kA), *yb = ch.out(kB);
    for (int i = 0; i < kBlockFrames; ++i) {
      if (v.trig.rises(trig[i])) {
        v.toA = v.rng.uniform() < math::clamp(p[i], 0.0f, 1.0f);
        v.tossed = true;
      }
      const bool on = v.tossed && (mode[i] + 0.5f >= 1.0f || v.trig.high);
      ya[i] = on && v.toA ? 1.0f : 0.0f;
      yb[i] = on && !v.toA ? 1.0f : 0.0f;
    }
  }
};

} // namespace mvm::modules
