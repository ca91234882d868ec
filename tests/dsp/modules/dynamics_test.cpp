#include "mvm/dsp/modules/dynamics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;
using mvm::test::sineSource;

namespace {

// Gain reduction (dB) of a steady sine whose RMS is `levelDb` dBFS.
double measuredReduction(double levelDb, float threshold, float ratio, float detector = 1.0f, float makeup = 0.0f) {
  const double amp = std::pow(10.0, levelDb / 20.0) * std::sqrt(2.0);
  ModuleHarness h(builtinModules(), "Compressor", {{"threshold", threshold}, {"ratio", ratio}, {"attack", 0.005f}, {"release", 0.05f},
                                 {"detector", detector}, {"makeup", makeup}});
  h.input("in", sineSource(997, amp));
  auto y = h.run(48000).output(0);
  const double in = mvm::test::rms(std::vector<float>(48000, 0.0f)) + amp / std::sqrt(2.0);
  return 20 * std::log10(in / mvm::test::rms(y, 24000, 48000));
}

} // namespace

TEST(Compressor, Log2IsAccurate) {
  for (double x = 1e-6; x < 1e4; x *= 1.37) EXPECT_NEAR(mvm::modules::dynamics_detail::log2(x), std::log2(x), 1e-9) << x;
}

TEST(Compressor, StaticCurveMatchesThresholdAndRatioWithinHalfADb) {
  struct Case {
    double level;
    float threshold, ratio;
  };
  for (Case c : {Case{-10, -20, 4}, Case{-6, -30, 2}, Case{-3, -12, 10}, Case{-25, -20, 4}, Case{-15, -20, 8}}) {
    const double over = std::max(0.0, c.level - c.threshold);
    const double expected = over * (1 - 1.0 / c.ratio);
    const double got = measuredReduction(c.level, c.threshold, c.ratio);
    std::printf("%.0f dB into %.0f dB %.0f:1: reduction %.3f dB, expected %.3f dB\n", c.level, c.threshold, c.ratio, got, expected);
    EXPECT_NEAR(got, expected, 0.1) << c.level << " dB into " << c.threshold << " dB " << c.ratio << ":1";
  }
}

TEST(Compressor, PeakDetectorUsesThePeakLevel) {
  // a sine with peak -6 dBFS, threshold -18 dB, ratio 3: reduction 8 dB (peak follower ripple < 1 dB)
  const double rmsLevel = -6 - 20 * std::log10(std::sqrt(2.0));
  EXPECT_NEAR(measuredReduction(rmsLevel, -18.0f, 3.0f, 0.0f), 8.0, 1.0);
}

TEST(Compressor, MakeupAddsGain) {
  EXPECT_NEAR(measuredReduction(-10, -20, 4, 1.0f, 6.0f), 7.5 - 6.0, 0.5);
}

TEST(Compressor, AttackIsFasterThanRelease) {
  ModuleHarness h(builtinModules(), "Compressor", {{"threshold", -20.0f}, {"ratio", 10.0f}, {"attack", 0.001f}, {"release", 0.5f}});
  h.input("in", [](int, std::uint64_t n) {
    const double a = (n >= 24000 && n < 48000) ? 1.0 : 0.01;
    return static_cast<float>(a * std::sin(2 * M_PI * 1000 * static_cast<double>(n) / 48000.0));
  });
  auto out = h.run(96000);
  const auto& gr = out.output(h.outputIndex("gr"));
  EXPECT_GT(gr[24000 + 960], 0.9f * gr[47999]); // within 20 ms of onset nearly all reduction is in
  EXPECT_GT(gr[48000 + 4800], 0.5f * gr[47999]); // 100 ms after the end most of it remains
  EXPECT_NEAR(gr[47999], (-3.01 + 20) * 0.9, 0.3);
}

TEST(Compressor, SidechainDrivesTheReduction) {
  ModuleHarness h(builtinModules(), "Compressor", {{"threshold", -20.0f}, {"ratio", 4.0f}});
  h.input("in", sineSource(440, 0.01));
  h.input("sidechain", sineSource(1000, std::sqrt(2.0) * std::pow(10.0, -10 / 20.0)));
  auto y = h.run(48000).output(0);
  EXPECT_NEAR(20 * std::log10(0.01 / std::sqrt(2.0) / mvm::test::rms(y, 24000)), 7.5, 0.5);
}

TEST(Limiter, OutputNeverExceedsTheCeiling) {
  for (float lookahead : {0.0f, 0.002f, 0.01f}) {
    ModuleHarness h(builtinModules(), "Limiter", {{"ceiling", -3.0f}, {"release", 0.05f}, {"lookahead", lookahead}});
    h.input("in", [](int, std::uint64_t n) {
      const double env = (n / 3000) % 3 == 0 ? 8.0 : ((n / 3000) % 3 == 1 ? 0.2 : 2.5);
      const double spike = (n % 5003 == 0) ? 9.0 : 0.0;
      return static_cast<float>(env * std::sin(0.07 * static_cast<double>(n)) + spike);
    });
    auto y = h.run(96000).output(0);
    const double ceiling = std::pow(10.0, -3.0 / 20.0);
    EXPECT_LE(mvm::test::peak(y), ceiling * (1 + 1e-6)) << lookahead;
    EXPECT_GT(mvm::test::peak(y), ceiling * 0.99) << lookahead;
  }
}

TEST(Limiter, QuietSignalPassesUnchangedAfterTheLookahead) {
  ModuleHarness h(builtinModules(), "Limiter", {{"ceiling", -1.0f}, {"lookahead", 0.005f}});
  auto src = sineSource(440, 0.5);
  h.input("in", src);
  auto y = h.run(9600).output(0);
  for (std::size_t n = 240; n < y.size(); ++n) ASSERT_FLOAT_EQ(y[n], src(0, n - 240)) << n;
  for (std::size_t n = 0; n < 240; ++n) ASSERT_EQ(y[n], 0.0f);
}

TEST(Limiter, LookaheadRampsTheGainBeforeAPeak) {
  // a single loud step: with lookahead the gain is already down on the sample the step arrives
  ModuleHarness h(builtinModules(), "Limiter", {{"ceiling", 0.0f}, {"lookahead", 0.002f}, {"release", 0.1f}});
  h.input("in", [](int, std::uint64_t n) { return n >= 4800 ? 4.0f : 0.5f; });
  auto out = h.run(9600);
  const auto& g = out.output(1);
  const auto& y = out.output(0);
  EXPECT_NEAR(y[4800 + 96], 1.0f, 1e-6f);
  EXPECT_LT(g[4800 + 90], 0.6f); // already ramping down before the step reaches the output at 4896
  EXPECT_GT(g[4799], 0.999f); // nothing before the step enters the lookahead buffer
}

TEST(Compressor, PolyphonicChannelsAreCompressedIndependently) {
  ModuleHarness h(builtinModules(), "Compressor", {{"threshold", -20.0f}, {"ratio", 4.0f}});
  h.input("in", [](int c, std::uint64_t n) {
    const double amp = c == 0 ? std::sqrt(2.0) * std::pow(10.0, -10 / 20.0) : 0.01;
    return static_cast<float>(amp * std::sin(2 * M_PI * 997 * static_cast<double>(n) / 48000.0));
  }, 2);
  const auto out = h.run(48000);
  EXPECT_NEAR(out.output(1, 0)[47999], 7.5f, 0.1f);
  EXPECT_EQ(out.output(1, 1)[47999], 0.0f); // the quiet channel is untouched
}

TEST(Compressor, StateCarriesOverAHotSwap) {
  auto loud = sineSource(997, std::sqrt(2.0) * std::pow(10.0, -10 / 20.0));
  ModuleHarness a(builtinModules(), "Compressor", {{"threshold", -20.0f}, {"ratio", 4.0f}, {"release", 1.0f}});
  a.input("in", loud);
  a.run(24000);
  ModuleHarness b(builtinModules(), "Compressor", {{"threshold", -20.0f}, {"ratio", 4.0f}, {"release", 1.0f}});
  b.module().copyStateFrom(a.module());
  const auto gr = b.run(64).output(1);
  EXPECT_NEAR(gr[0], 7.5f, 0.2f); // no fresh attack: the reduction is already there
}

TEST(Limiter, PolyphonicChannelsAreLimitedIndependently) {
  ModuleHarness h(builtinModules(), "Limiter", {{"ceiling", -6.0f}, {"lookahead", 0.0f}});
  h.input("in", [](int c, std::uint64_t n) { return (c == 0 ? 4.0f : 0.25f) * static_cast<float>(std::sin(0.05 * static_cast<double>(n))); }, 2);
  const auto out = h.run(48000);
  EXPECT_LE(mvm::test::peak(out.output(0, 0)), std::pow(10.0, -6.0 / 20.0) * (1 + 1e-6));
  for (std::size_t n = 0; n < 48000; n += 101) ASSERT_FLOAT_EQ(out.output(0, 1)[n], 0.25f * static_cast<float>(std::sin(0.05 * static_cast<double>(n))));
}
