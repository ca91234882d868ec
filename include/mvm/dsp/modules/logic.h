#pragma once
// Logic: AND, OR, XOR, NAND of gates a and b, and NOT a. An input is high when >= 0.5; the
// outputs are exactly 0 or 1.

#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

class Logic final : public ChannelModule<Logic, Stateless> {
public:
  enum Inputs { kA, kB };
  enum Outputs { kAnd, kOr, kXor, kNand, kNot };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Logic", "Logic", "Boolean gates: a AND b, a OR b, a XOR b, a NAND b, NOT a.",
        {{"a", true, "gate, high when >= 0.5"}, {"b", true, "gate, high when >= 0.5"}},
        {{"and", true, "1 when a and b are high"},
         {"or", true, "1 when a or b is high"},
         {"xor", true, "1 when exactly one of a, b is high"},
         {"nand", true, "0 when a and b are high, else 1"},
         {"not", true, "1 when a is low"}},
        {}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *a = ch.in(kA), *b = ch.in(kB);
    float *yAnd = ch.out(kAnd), *yOr = ch.out(kOr), *yXor = ch.out(kXor), *yNand = ch.out(kNand), *yNot = ch.out(kNot);
    for (int i = 0; i < kBlockFrames; ++i) {
      const bool x = a[i] >= 0.5f, z = b[i] >= 0.5f;
      yAnd[i] = (x && z) ? 1.0f : 0.0f;
      yOr[i] = (x || z) ? 1.0f : 0.0f;
      yXor[i] = (x != z) ? 1.0f : 0.0f;
      yNand[i] = (x && z) ? 0.0f : 1.0f;
      yNot[i] = x ? 0.0f : 1.0f;
    }
  }
};

} // namespace mvm::modules
