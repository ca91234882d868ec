#include "mvm/dsp/modules/allpass.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;

TEST(Allpass, ImpulseResponseIsSchroeders) {
  const double g = 0.6;
  ModuleHarness h(builtinModules(), "Allpass", {{"time", 1.0f}, {"gain", static_cast<float>(g)}});
  h.input("in", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  const auto y = h.run(48000).output(0);
  for (std::size_t n = 0; n < 960; ++n) {
    double e = 0;
    if (n == 0) e = -g;
    else if (n % 48 == 0) e = (1.0 - g * g) * std::pow(g, static_cast<double>(n / 48 - 1));
    ASSERT_NEAR(y[n], e, 1e-6) << n;
  }
  double energy = 0;
  for (float v : y) energy += static_cast<double>(v) * v;
  EXPECT_NEAR(energy, 1.0, 1e-4); // all-pass: energy preserved
}

TEST(Allpass, MagnitudeIsFlat) {
  for (double f : {50.0, 333.0, 1000.0, 4567.0, 15000.0})
    EXPECT_NEAR(test::sources::sineGainDb("Allpass", {{"time", 3.0f}, {"gain", -0.7f}}, "out", f), 0.0, 0.05) << f;
}

namespace {
// The worst |gain| in dB from 20 Hz to 20 kHz: the magnitude response from the impulse response
// (2^15 frames, long past its decay, FFT bins 1.5 Hz apart) at a delay of `frames` samples.
double worstDeviationDb(double frames, float gain) {
  constexpr std::size_t n = std::size_t{1} << 15;
  ModuleHarness h(builtinModules(), "Allpass", {{"time", static_cast<float>(frames * 1000.0 / test::kHarnessRate)}, {"gain", gain}});
  h.input("in", [](int, std::uint64_t i) { return i == 0 ? 1.0f : 0.0f; });
  const auto y = h.run(n).output(0);
  std::vector<std::complex<double>> a(y.begin(), y.end());
  test::sources::fft(a);
  double worst = 0;
  for (std::size_t k = static_cast<std::size_t>(std::ceil(20.0 * n / test::kHarnessRate)); k <= static_cast<std::size_t>(20000.0 * n / test::kHarnessRate); ++k)
    worst = std::max(worst, std::fabs(20.0 * std::log10(std::abs(a[k]))));
  return worst;
}
} // namespace

// Fractional delays too: the delay is read through a first-order all-pass interpolator, itself of
// unit magnitude, so the loop stays all-pass (linear interpolation gave -3.2 dB at 10 kHz and a
// -51 dB notch near 16 kHz at 240.5 samples, gain 0.5).
TEST(Allpass, MagnitudeIsFlatAtFractionalDelays) {
  for (double frames : {240.5, 100.25, 37.75, 240.0})
    for (float gain : {0.5f, -0.7f}) {
      const double worst = worstDeviationDb(frames, gain);
      std::printf("[ figures ] Allpass %.2f samples, gain %.1f: worst deviation %.1e dB (20 Hz - 20 kHz)\n", frames, static_cast<double>(gain), worst);
      EXPECT_LT(worst, 0.1) << frames << " samples, gain " << gain;
    }
}

TEST(Allpass, CopyStateFromCarriesTheDelayLine) {
  ModuleHarness a(builtinModules(), "Allpass", {{"time", 2.0f}, {"gain", 0.5f}});
  a.input("in", [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; });
  a.run(64);
  ModuleHarness b(builtinModules(), "Allpass", {{"time", 2.0f}, {"gain", 0.5f}});
  b.module().copyStateFrom(a.module());
  const auto y = b.run(128).output(0);
  EXPECT_NEAR(y[96 - 64], 0.75, 1e-6);
}

// At a fractional delay the interpolator's memory is part of the State: a swapped-in instance
// continues bit for bit what the old one would have played.
TEST(Allpass, CopyStateFromCarriesTheInterpolatorAtAFractionalDelay) {
  EXPECT_EQ(test::sources::firstFrameASwapChanges("Allpass", {{"time", 10.3f / 48.0f}, {"gain", -0.7f}}, 64, 192), -1);
}
