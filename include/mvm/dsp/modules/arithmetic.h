#pragma once
// Small arithmetic utilities, exact to the float operation: Attenuverter, Constant, Add,
// Multiply, Abs, MinMax, Clamp.

#include <algorithm>
#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

// Attenuverter: out = in * scale + offset.
class Attenuverter final : public ChannelModule<Attenuverter, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kScale, kOffset };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Attenuverter", "Utilities", "Scales (and inverts) a signal and adds an offset: in * scale + offset.",
        {{"in", true, "signal"}},
        {{"out", true, "in * scale + offset"}},
        {{"scale", "x", -2.0f, 2.0f, 1.0f, "gain; negative inverts"},
         {"offset", "V", -10.0f, 10.0f, 0.0f, "added after scaling"}}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    mapFrames(ch.out(kOut), kBlockFrames, [](int, auto x, auto s, auto o) { return x * s + o; }, ch.in(kIn), ch.param(kScale), ch.param(kOffset));
  }
};

// Constant: outputs value on `channels` channels (more if value is modulated by a wider cable).
class Constant final : public ChannelModule<Constant, Stateless> {
public:
  enum Params { kValue, kChannels };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Constant", "Utilities", "A constant value, optionally on several channels.",
        {},
        {{"out", true, "value on every channel"}},
        {{"value", "V", -10.0f, 10.0f, 0.0f, "the output value"},
         {"channels", "", 1.0f, 16.0f, 1.0f, "output channels (at least the width of a cable into value)", 0.0f, {}, false, true}}};
    return d;
  }

  void resolveOutputChannels(const int* inputChannels, int* outputChannels) const override {
    DSPModule::resolveOutputChannels(inputChannels, outputChannels);
    const int n = math::clamp(static_cast<int>(initialParam(kChannels) + 0.5f), 1, kMaxChannels);
    outputChannels[kOut] = std::max(outputChannels[kOut], n);
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    mapFrames(ch.out(kOut), kBlockFrames, [](int, auto v) { return v; }, ch.param(kValue));
  }
};

// Add: out = a + b + c + d (unconnected inputs are 0).
class Add final : public ChannelModule<Add, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kA, kB, kC, kD };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Add", "Utilities", "Sums up to four signals.",
        {{"a", true, "addend"}, {"b", true, "addend"}, {"c", true, "addend"}, {"d", true, "addend"}},
        {{"out", true, "a + b + c + d"}},
        {}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    mapFrames(ch.out(kOut), kBlockFrames, [](int, auto a, auto b, auto c, auto d) { return ((a + b) + c) + d; }, ch.in(kA), ch.in(kB), ch.in(kC), ch.in(kD));
  }
};

// Multiply: out = a * b, a ring modulator. An unconnected b reads as 1 (out = a), an
// unconnected a reads as 0.
class Multiply final : public ChannelModule<Multiply, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kA, kB };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Multiply", "Utilities", "Multiplies two signals (ring modulation); b reads as 1 when unconnected.",
        {{"a", true, "signal"}, {"b", true, "multiplier; 1 when unconnected"}},
        {{"out", true, "a * b"}},
        {}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    if (isInputConnected(kB)) mapFrames(ch.out(kOut), kBlockFrames, [](int, auto a, auto b) { return a * b; }, ch.in(kA), ch.in(kB));
    else mapFrames(ch.out(kOut), kBlockFrames, [](int, auto a) { return a; }, ch.in(kA));
  }
};

// Abs: full-wave |x| and half-wave max(x, 0) rectifiers.
class Abs final : public ChannelModule<Abs, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Outputs { kAbs, kHalf };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Abs", "Utilities", "Rectifier: full-wave |in| and half-wave max(in, 0).",
        {{"in", true, "signal"}},
        {{"abs", true, "|in|"}, {"half", true, "max(in, 0)"}},
        {}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float* x = ch.in(kIn);
    float* a = ch.out(kAbs);
    for (int i = 0; i < kBlockFrames; ++i) a[i] = std::fabs(x[i]);
    mapFrames(ch.out(kHalf), kBlockFrames, [](int, auto v) { return simd::select(v > 0.0f, v, decltype(v){}); }, x);
  }
};

// MinMax: min(a, b) and max(a, b).
class MinMax final : public ChannelModule<MinMax, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kA, kB };
  enum Outputs { kMin, kMax };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "MinMax", "Utilities", "The smaller and the larger of two signals.",
        {{"a", true, "signal"}, {"b", true, "signal"}},
        {{"min", true, "min(a, b)"}, {"max", true, "max(a, b)"}},
        {}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *a = ch.in(kA), *b = ch.in(kB);
    float *lo = ch.out(kMin), *hi = ch.out(kMax);
    for (int i = 0; i < kBlockFrames; ++i) {
      lo[i] = std::fmin(a[i], b[i]);
      hi[i] = std::fmax(a[i], b[i]);
    }
  }
};

// Clamp: in limited to [min, max] (the bounds are swapped if min > max).
class Clamp final : public ChannelModule<Clamp, Stateless> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kMinimum, kMaximum };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Clamp", "Utilities", "Limits a signal to [min, max].",
        {{"in", true, "signal"}},
        {{"out", true, "in clamped to [min, max]"}},
        {{"min", "V", -10.0f, 10.0f, -1.0f, "lower bound"},
         {"max", "V", -10.0f, 10.0f, 1.0f, "upper bound"}}};
    return d;
  }

  void processChannel(const Channel& ch, Stateless&) noexcept {
    const float *x = ch.in(kIn), *mn = ch.param(kMinimum), *mx = ch.param(kMaximum);
    float* y = ch.out(kOut);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float lo = std::fmin(mn[i], mx[i]), hi = std::fmax(mn[i], mx[i]);
      y[i] = math::clamp(x[i], lo, hi);
    }
  }
};

} // namespace mvm::modules
