#include "mvm/dsp/modules/reverb.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;

namespace {

struct Ir {
  std::vector<float> l, r;
};

Ir reverbResponse(float size, float damping, float width = 1.0f, double seconds = 6.0) {
  ModuleHarness h(builtinModules(), "Reverb", {{"size", size}, {"damping", damping}, {"mix", 1.0f}, {"width", width}});
  h.input("left", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  auto out = h.run(static_cast<std::uint64_t>(seconds * 48000));
  return {out.output(0), out.output(1)};
}

} // namespace

TEST(Reverb, DecayGrowsWithSize) {
  const double small = mvm::test::rt60(reverbResponse(0.2f, 0.5f).l, 48000);
  const double medium = mvm::test::rt60(reverbResponse(0.6f, 0.5f).l, 48000);
  const double large = mvm::test::rt60(reverbResponse(0.95f, 0.5f).l, 48000);
  std::printf("RT60: size 0.2 %.3f s, 0.6 %.3f s, 0.95 %.3f s\n", small, medium, large);
  EXPECT_GT(small, 0.1);
  EXPECT_GT(medium, small * 1.5);
  EXPECT_GT(large, medium * 1.5);
}

TEST(Reverb, DampingShortensTheHighFrequencies) {
  // the late tail with strong damping has less high-frequency energy than with none
  auto bright = reverbResponse(0.8f, 0.0f).l;
  auto dark = reverbResponse(0.8f, 1.0f).l;
  const std::size_t from = 24000, to = 48000;
  const double pb = mvm::test::powerAt(bright, 8000, 48000, from, to) / mvm::test::powerAt(bright, 300, 48000, from, to);
  const double pd = mvm::test::powerAt(dark, 8000, 48000, from, to) / mvm::test::powerAt(dark, 300, 48000, from, to);
  EXPECT_LT(pd, pb * 0.1);
}

TEST(Reverb, ImpulseResponseIsDenseAndFinite) {
  auto ir = reverbResponse(0.7f, 0.3f, 1.0f, 20.0);
  // dense: after 100 ms almost every sample is nonzero and the echo density is high
  std::size_t nonzero = 0;
  for (std::size_t i = 4800; i < 9600; ++i) nonzero += std::fabs(ir.l[i]) > 1e-7f ? 1 : 0;
  EXPECT_GT(nonzero, 4700u);
  for (float v : ir.l) ASSERT_TRUE(std::isfinite(v));
  // finite: it has decayed by more than 100 dB after 20 s
  EXPECT_LT(mvm::test::peak(ir.l, 19 * 48000), mvm::test::peak(ir.l) * 1e-5);
  EXPECT_GT(mvm::test::peak(ir.l), 0.01);
}

TEST(Reverb, StereoSidesDecorrelatedAndWidthZeroIsMono) {
  auto wide = reverbResponse(0.5f, 0.5f, 1.0f, 1.0);
  double dot = 0, el = 0, er = 0;
  for (std::size_t i = 0; i < wide.l.size(); ++i) {
    dot += static_cast<double>(wide.l[i]) * wide.r[i];
    el += static_cast<double>(wide.l[i]) * wide.l[i];
    er += static_cast<double>(wide.r[i]) * wide.r[i];
  }
  EXPECT_LT(std::fabs(dot / std::sqrt(el * er)), 0.3);
  auto narrow = reverbResponse(0.5f, 0.5f, 0.0f, 1.0);
  for (std::size_t i = 0; i < narrow.l.size(); ++i) ASSERT_NEAR(narrow.l[i], narrow.r[i], 1e-6f);
}

TEST(Reverb, MixZeroIsDry) {
  ModuleHarness h(builtinModules(), "Reverb", {{"mix", 0.0f}});
  h.input("left", [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.1 * static_cast<double>(n))); });
  auto out = h.run(4800);
  for (std::size_t i = 0; i < 4800; ++i) ASSERT_FLOAT_EQ(out.output(0)[i], static_cast<float>(std::sin(0.1 * static_cast<double>(i))));
}

TEST(Reverb, Deterministic) {
  auto a = reverbResponse(0.8f, 0.2f, 0.7f, 1.0);
  auto b = reverbResponse(0.8f, 0.2f, 0.7f, 1.0);
  EXPECT_EQ(a.l, b.l);
  EXPECT_EQ(a.r, b.r);
}

TEST(Reverb, StateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "Reverb", {{"mix", 1.0f}});
  a.input("left", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  a.run(4800);
  auto expected = a.run(4800).output(0);
  ModuleHarness a2(builtinModules(), "Reverb", {{"mix", 1.0f}});
  a2.input("left", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  a2.run(4800);
  ModuleHarness b(builtinModules(), "Reverb", {{"mix", 1.0f}});
  b.module().copyStateFrom(a2.module());
  auto got = b.run(4800).output(0);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_FLOAT_EQ(got[i], expected[i]) << i;
}
