#include "mvm/dsp/modules/comb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;

namespace {
std::vector<float> impulseResponse(std::map<std::string, float> params, std::size_t frames = 480, float pitch = 0.0f) {
  ModuleHarness h(builtinModules(), "Comb", std::move(params));
  h.input("in", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  if (pitch != 0.0f) h.input("pitch", [pitch](int, std::uint64_t) { return pitch; });
  return h.run(frames).output(0);
}
void expectEchoes(const std::vector<float>& y, std::size_t period, double fb) {
  for (std::size_t n = 0; n < y.size(); ++n) {
    const double e = n % period == 0 ? std::pow(fb, static_cast<double>(n / period)) : 0.0;
    ASSERT_NEAR(y[n], e, 1e-6) << n;
  }
}
} // namespace

TEST(Comb, EchoesEveryDelayScaledByFeedback) {
  expectEchoes(impulseResponse({{"time", 1.0f}, {"feedback", 0.5f}}), 48, 0.5);
  expectEchoes(impulseResponse({{"time", 2.5f}, {"feedback", -0.8f}}), 120, -0.8);
}

TEST(Comb, FreqTunesTheDelayToOnePeriod) {
  expectEchoes(impulseResponse({{"freq", 1000.0f}, {"feedback", 0.9f}}), 48, 0.9);
  expectEchoes(impulseResponse({{"freq", 1000.0f}, {"feedback", 0.9f}}, 480, 1.0f), 24, 0.9); // pitch +1 V: 2 kHz
  // a tuned comb fed with noise has peaks at multiples of freq
  ModuleHarness h(builtinModules(), "Comb", {{"freq", 600.0f}, {"feedback", 0.95f}});
  std::uint32_t s = 1;
  h.input("in", [s](int, std::uint64_t) mutable {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f - 0.5f;
  });
  const auto y = h.run(48000 * 4).output(0);
  const auto p = test::sources::psd(y, 8192);
  for (double f : {600.0, 1200.0, 1800.0})
    EXPECT_GT(test::sources::bandDb(p, f - 5, f + 5, 48000, 8192), test::sources::bandDb(p, f + 290, f + 310, 48000, 8192) + 20.0) << f;
}

TEST(Comb, DampingSoftensAndShortensTheTail) {
  const auto plain = impulseResponse({{"time", 1.0f}, {"feedback", 0.9f}}, 4800);
  const auto damped = impulseResponse({{"time", 1.0f}, {"feedback", 0.9f}, {"damping", 0.7f}}, 4800);
  double ep = 0, ed = 0;
  for (std::size_t n = 1; n < 4800; ++n) {
    ep += static_cast<double>(plain[n]) * plain[n];
    ed += static_cast<double>(damped[n]) * damped[n];
  }
  EXPECT_LT(ed, 0.5 * ep);
  EXPECT_LT(test::peak(damped, 40, 60), 0.9 * 0.5); // first echo smeared
}

TEST(Comb, BoundedAtMaximumFeedbackWithLoudInput) {
  ModuleHarness h(builtinModules(), "Comb", {{"time", 0.05f}, {"feedback", 0.99f}});
  h.input("in", [](int, std::uint64_t) { return 10.0f; });
  const auto y = h.run(48000).output(0);
  EXPECT_NEAR(y.back(), 1000.0, 1.0); // 10 / (1 - 0.99)
  EXPECT_LT(test::peak(y), 1e4);
}

TEST(Comb, CopyStateFromCarriesTheDelayLine) {
  ModuleHarness a(builtinModules(), "Comb", {{"time", 2.0f}, {"feedback", 0.5f}});
  a.input("in", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  a.run(64);
  ModuleHarness b(builtinModules(), "Comb", {{"time", 2.0f}, {"feedback", 0.5f}});
  b.input("in", [](int, std::uint64_t) { return 0.0f; });
  b.module().copyStateFrom(a.module());
  const auto y = b.run(256).output(0);
  EXPECT_NEAR(y[96 - 64], 0.5, 1e-6);
  EXPECT_NEAR(y[192 - 64], 0.25, 1e-6);
}

namespace {
// Seconds for the 10th partial of a comb's impulse response (feedback 0.99, no damping, loop of
// `period` samples) to fall 60 dB: from its level in two 4096-frame windows 0.25 s apart.
double tenthPartialT60(double period) {
  const std::size_t from = 4800, apart = 12000, window = 4096;
  const auto y = impulseResponse({{"time", static_cast<float>(period * 1000.0 / test::kHarnessRate)}, {"feedback", 0.99f}}, from + apart + window);
  const double f = 10.0 * test::kHarnessRate / period;
  const double fall = test::toDb(test::powerAt(y, f, test::kHarnessRate, from, from + window)) -
                      test::toDb(test::powerAt(y, f, test::kHarnessRate, from + apart, from + apart + window));
  return 60.0 * (static_cast<double>(apart) / test::kHarnessRate) / fall;
}
} // namespace

// Karplus-Strong notes keep their sustain from one pitch to the next: the loop reads its delay
// through a first-order all-pass interpolator (unit magnitude), where linear interpolation was a
// low-pass that depended on the fraction (the 10th partial: 1.43 s at 100 samples, 0.24 s at 100.5).
TEST(Comb, DecayDoesNotDependOnTheFractionalPeriod) {
  double lo = 1e9, hi = 0;
  for (double period : {100.0, 100.25, 100.5, 100.75}) {
    const double t60 = tenthPartialT60(period);
    const double ideal = 3.0 / -std::log10(0.99) * period / test::kHarnessRate; // 0.99 per period
    std::printf("[ figures ] Comb period %.2f samples: 10th partial T60 %.3f s (ideal %.3f s)\n", period, t60, ideal);
    EXPECT_NEAR(t60, ideal, 0.05 * ideal) << period;
    lo = std::min(lo, t60);
    hi = std::max(hi, t60);
  }
  EXPECT_LT(hi, 1.1 * lo);
}

// At a fractional delay the interpolator's memory is part of the State: a swapped-in instance
// continues bit for bit what the old one would have played.
TEST(Comb, CopyStateFromCarriesTheInterpolatorAtAFractionalDelay) {
  EXPECT_EQ(test::sources::firstFrameASwapChanges("Comb", {{"time", 10.3f / 48.0f}, {"feedback", 0.9f}, {"damping", 0.3f}}, 64, 192), -1);
}
