#include "mvm/dsp/modules/biquad.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::kHarnessRate;
using test::ModuleHarness;
using cd = std::complex<double>;

namespace {


// The cookbook's analogue prototypes, evaluated at the prewarped frequency: exactly the digital
// response of the bilinear-transformed cookbook biquad.
cd expected(int mode, double fc, double q, double db, double f) {
  const double A = std::pow(10.0, db / 40.0), sa = std::sqrt(A);
  const cd s(0.0, std::tan(M_PI * f / kHarnessRate) / std::tan(M_PI * fc / kHarnessRate));
  const cd s2 = s * s;
  switch (mode) {
  case 0: return 1.0 / (s2 + s / q + 1.0);
  case 1: return s2 / (s2 + s / q + 1.0);
  case 2: return (s / q) / (s2 + s / q + 1.0);
  case 3: return (s2 + 1.0) / (s2 + s / q + 1.0);
  case 4: return (s2 + s * (A / q) + 1.0) / (s2 + s / (A * q) + 1.0);
  case 5: return A * (s2 + (sa / q) * s + A) / (A * s2 + (sa / q) * s + 1.0);
  case 6: return A * (A * s2 + (sa / q) * s + 1.0) / (s2 + (sa / q) * s + A);
  default: return (s2 - s / q + 1.0) / (s2 + s / q + 1.0);
  }
}

// Measured complex response at f (an even number of Hz: whole periods in the half-second window).
cd measured(int mode, double fc, double q, double db, double f) {
  ModuleHarness h(builtinModules(), "Biquad", {{"mode", static_cast<float>(mode)}, {"cutoff", static_cast<float>(fc)}, {"q", static_cast<float>(q)}, {"gain", static_cast<float>(db)}});
  h.input("in", [f](int, std::uint64_t n) { return static_cast<float>(0.25 * std::cos(2.0 * M_PI * f * static_cast<double>(n) / kHarnessRate)); });
  const auto y = h.run(48000).output(0);
  cd acc = 0;
  for (std::size_t n = 24000; n < 48000; ++n) acc += static_cast<double>(y[n]) * std::polar(1.0, -2.0 * M_PI * f * static_cast<double>(n) / kHarnessRate);
  return acc / (0.125 * 24000.0);
}

} // namespace

TEST(Biquad, EveryModeMatchesTheCookbookResponse) {
  const char* names[] = {"lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass"};
  for (int mode = 0; mode < 8; ++mode)
    for (double f : {100.0, 500.0, 1000.0, 2000.0, 8000.0}) {
      const double fc = 1000.0, q = mode == 2 ? 2.0 : 0.7071, db = 9.0;
      const cd e = expected(mode, fc, q, db, f), m = measured(mode, fc, q, db, f);
      EXPECT_LT(std::abs(m - e), 2e-3 * std::max(1.0, std::abs(e))) << names[mode] << " at " << f << " Hz: " << m << " vs " << e;
    }
}

TEST(Biquad, DefiningPoints) {
  auto db = [](int mode, double fc, double q, double g, double f) { return 20.0 * std::log10(std::abs(measured(mode, fc, q, g, f))); };
  EXPECT_NEAR(db(0, 2000, 0.70710678, 0, 2000), -3.01, 0.02);  // lowpass, Butterworth
  EXPECT_NEAR(db(1, 2000, 0.70710678, 0, 2000), -3.01, 0.02);  // highpass
  EXPECT_NEAR(db(2, 2000, 5.0, 0, 2000), 0.0, 0.02);           // bandpass: 0 dB peak
  EXPECT_NEAR(db(4, 2000, 2.0, -12.0, 2000), -12.0, 0.02);     // peak gain
  EXPECT_NEAR(db(5, 2000, 0.70710678, 6.0, 40), 6.0, 0.05);    // low shelf: full gain in the bass
  EXPECT_NEAR(db(5, 2000, 0.70710678, 6.0, 2000), 3.0, 0.05);  // half the gain (dB) at the midpoint
  EXPECT_NEAR(db(6, 2000, 0.70710678, 6.0, 16000), 6.0, 0.15); // high shelf
  EXPECT_NEAR(db(7, 2000, 0.70710678, 0, 500), 0.0, 0.02);     // all-pass: flat...
  EXPECT_NEAR(std::arg(measured(7, 2000, 0.70710678, 0, 2000)), M_PI, 0.01); // ...and -180 degrees at cutoff
}

TEST(Biquad, StableUnderAudioRateModulation) {
  ModuleHarness h(builtinModules(), "Biquad", {{"mode", 4.0f}, {"q", 20.0f}, {"gain", 24.0f}});
  std::uint32_t s = 3;
  auto noise = [s](int, std::uint64_t) mutable {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f * 20.0f - 10.0f;
  };
  h.input("in", noise).modulate("cutoff", [](int, std::uint64_t n) { return (n % 5) * 5000.0f - 10000.0f; }).modulate("q", noise).modulate("gain", noise);
  const auto y = h.run(96000).output(0);
  EXPECT_LT(test::peak(y), 1e4);
  for (float v : y) ASSERT_TRUE(std::isfinite(v));
}
