#include "mvm/dsp/modules/comb.h"

#include <gtest/gtest.h>

#include <cmath>

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
