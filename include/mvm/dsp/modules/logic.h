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

  // 1 where c holds, else 0: for a frame (bool) or four (a mask).
  static float gate(bool c) noexcept { return c ? 1.0f : 0.0f; }
  static simd::f32x4 gate(simd::i32x4 c) noexcept { return simd::select(c, simd::splat(1.0f), simd::splat(0.0f)); }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *a = ch.in(kA), *b = ch.in(kB);
    mapFrames(ch.out(kAnd), kBlockFrames, [](int, auto x, auto z) { return gate(simd::both(x >= 0.5f, z >= 0.5f)); }, a, b);
    mapFrames(ch.out(kOr), kBlockFrames, [](int, auto x, auto z) { return gate(simd::either(x >= 0.5f, z >= 0.5f)); }, a, b);
    mapFrames(ch.out(kXor), kBlockFrames, [](int, auto x, auto z) { return gate((x >= 0.5f) != (z >= 0.5f)); }, a, b);
    mapFrames(ch.out(kNand), kBlockFrames, [](int, auto x, auto z) { return 1.0f - gate(simd::both(x >= 0.5f, z >= 0.5f)); }, a, b);
    mapFrames(ch.out(kNot), kBlockFrames, [](int, auto x) { return 1.0f - gate(x >= 0.5f); }, a);
  }
};

} // namespace mvm::modules
