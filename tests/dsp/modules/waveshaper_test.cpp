#include "mvm/dsp/modules/waveshaper.h"

#include "mvm/dsp/builtin_modules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::modules::Waveshaper;
using mvm::test::ModuleHarness;

namespace {

constexpr std::size_t kLatency = Waveshaper::kLatency;

ModuleHarness::Source ramp(float amp) {
  // -amp..amp over 4800 samples, repeated
  return [amp](int, std::uint64_t n) { return amp * (static_cast<float>(n % 4800) / 2400.0f - 1.0f); };
}

// Amplitude of each multiple of 1 kHz over 4800 frames from `from`: a 5 kHz sine at 48 kHz repeats
// every 48 frames, so every harmonic and every alias of it falls on one of these bins exactly
// (rectangular window, no leakage).
struct Spectrum {
  double amp[25] = {};
  // The largest component that is not a harmonic of 5 kHz, relative to the fundamental, in dB.
  double aliasDbc() const {
    double worst = 0;
    for (int j = 1; j <= 24; ++j)
      if (j % 5 != 0) worst = std::max(worst, amp[j]);
    return mvm::test::ampToDb(worst / amp[5]);
  }
};
template <class Signal>
Spectrum spectrumOf(const Signal& y, std::size_t from) {
  Spectrum s;
  constexpr int n = 4800;
  for (int j = 1; j <= 24; ++j) {
    std::complex<double> acc = 0;
    for (int k = 0; k < n; ++k) acc += static_cast<double>(y[from + static_cast<std::size_t>(k)]) * std::polar(1.0, -2.0 * M_PI * j * k / 48.0);
    s.amp[j] = std::abs(acc) / n * (j == 24 ? 1.0 : 2.0);
  }
  return s;
}

double sine5k(std::uint64_t n) { return std::sin(2 * M_PI * 5000 * static_cast<double>(n) / 48000.0); }

// The aliasing of the module and of its static curve sampled without antialiasing, on a 5 kHz sine.
struct Aliasing {
  double module, plain;
};
Aliasing aliasingOf5kHzSine(float mode, const char* gain, float g, float (*curve)(float)) {
  ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", mode}, {gain, g}, {"mix", 1.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(sine5k(n)); });
  const auto y = h.run(5760).output(0);
  std::vector<float> plain(y.size());
  for (std::size_t n = 0; n < plain.size(); ++n) plain[n] = curve(g * static_cast<float>(sine5k(n)));
  return {spectrumOf(y, 960).aliasDbc(), spectrumOf(plain, 960).aliasDbc()};
}

} // namespace

TEST(Waveshaper, TanhAtDrive10On5kHzAliasesBelowMinus40Dbc) {
  const Aliasing a = aliasingOf5kHzSine(0.0f, "drive", 10.0f, [](float u) { return mvm::math::tanh(u); });
  std::printf("[ figures ] Waveshaper tanh drive 10, 5 kHz sine at 48 kHz: largest alias %.1f dBc (the curve sampled plainly: %.1f dBc)\n",
              a.module, a.plain);
  EXPECT_LE(a.module, -40.0);
  EXPECT_GT(a.plain, -20.0); // the ruler sees the aliasing there is to remove
}

TEST(Waveshaper, FoldX5On5kHzAliasesBelowMinus25Dbc) {
  const Aliasing a = aliasingOf5kHzSine(1.0f, "fold", 5.0f, Waveshaper::fold);
  std::printf("[ figures ] Waveshaper fold x5, 5 kHz sine at 48 kHz: largest alias %.1f dBc (the curve sampled plainly: %.1f dBc)\n",
              a.module, a.plain);
  EXPECT_LE(a.module, -25.0);
  EXPECT_GT(a.plain, -5.0);
}

// A slow input comes out as the static curve of the input kLatency frames earlier.
TEST(Waveshaper, SlowInputFollowsTheStaticCurveLatencyFramesLate) {
  struct Case {
    float mode;
    const char* gain;
    float g;
    double tolerance;
  };
  for (const Case c : {Case{0.0f, "drive", 3.0f, 1e-4}, Case{1.0f, "fold", 0.9f, 1e-4}, Case{1.0f, "fold", 3.0f, 2e-2}}) {
    ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", c.mode}, {c.gain, c.g}, {"mix", 1.0f}});
    h.input("in", mvm::test::sineSource(100.0));
    const auto y = h.run(4800).output(0);
    double worst = 0;
    for (std::size_t n = 480; n < y.size(); ++n) {
      const float u = c.g * static_cast<float>(std::sin(2 * M_PI * 100 * static_cast<double>(n - kLatency) / 48000.0));
      const double expected = c.mode == 0.0f ? std::tanh(static_cast<double>(u)) : Waveshaper::fold(u);
      worst = std::max(worst, std::fabs(y[n] - expected));
    }
    std::printf("[ figures ] Waveshaper %s x%.1f, 100 Hz sine: largest difference from the static curve %.1e (tolerance %.0e)\n",
                c.mode == 0.0f ? "tanh" : "fold", static_cast<double>(c.g), worst, c.tolerance);
    EXPECT_LE(worst, c.tolerance) << c.mode << " " << c.g;
  }
}

// Where the curve is nearly linear (tanh at drive 0.1), the antialiasing leaves the band flat to
// 15 kHz: the decimator undoes ADAA-1's droop.
TEST(Waveshaper, NearlyLinearCurvePassesTheBandFlat) {
  for (const double hz : {1000.0, 10000.0, 15000.0, 18000.0, 20000.0}) {
    ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", 0.0f}, {"drive", 0.1f}, {"mix", 1.0f}});
    h.input("in", mvm::test::sineSource(hz, 1.0));
    const auto y = h.run(9600).output(0);
    const double gainDb = mvm::test::toDb(mvm::test::powerAt(y, hz, 48000, 960)) - mvm::test::toDb(0.5 * 0.1 * 0.1);
    std::printf("[ figures ] Waveshaper tanh drive 0.1, %.0f Hz: %+.2f dB\n", hz, gainDb);
    const double tolerance = hz <= 15000.0 ? 0.1 : (hz <= 18000.0 ? 0.5 : 4.0); // -3.6 dB at 20 kHz
    EXPECT_NEAR(gainDb, 0.0, tolerance) << hz;
  }
}

// A steady input makes consecutive shaper inputs equal: the ill-conditioned quotient gives way to the curve.
TEST(Waveshaper, SteadyInputGivesTheCurveItself) {
  for (float mode : {0.0f, 1.0f}) {
    ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", mode}, {"drive", 3.0f}, {"fold", 3.0f}, {"mix", 1.0f}});
    h.input("in", [](int, std::uint64_t) { return 0.5f; });
    const auto y = h.run(256).output(0);
    const float expected = mode == 0.0f ? std::tanh(1.5f) : 0.5f; // fold(1.5) = 0.5
    for (std::size_t n = 128; n < y.size(); ++n) ASSERT_NEAR(y[n], expected, 1e-6f) << mode << " " << n;
  }
}

TEST(Waveshaper, FoldModeIsIdentityInsideAndReflectsOutside) {
  ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", 1.0f}, {"fold", 1.0f}, {"mix", 1.0f}});
  h.input("in", ramp(3.0f));
  auto y = h.run(9600).output(0);
  // away from the ramp's jump and from the corners, which the antialiasing rounds off
  for (std::size_t n = 4800 + 100; n < 9600 - 100; ++n) {
    const double x = 3.0 * (static_cast<double>(n - kLatency - 4800) / 2400.0 - 1.0);
    if (std::fabs(std::fabs(x) - 1.0) < 0.05) continue;
    double expected = x;
    if (x > 1 && x <= 3) expected = 2 - x;   // reflected at +1
    if (x < -1 && x >= -3) expected = -2 - x; // reflected at -1
    ASSERT_NEAR(y[n], expected, 1e-4) << x;
  }
}

TEST(Waveshaper, OutputBoundedForLoudInputsInBothModes) {
  for (float mode : {0.0f, 1.0f}) {
    ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", mode}, {"drive", 50.0f}, {"fold", 20.0f}, {"mix", 1.0f}});
    h.input("in", [](int, std::uint64_t n) { return 10.0f * static_cast<float>(std::sin(0.01 * static_cast<double>(n))); });
    auto y = h.run(48000).output(0);
    std::printf("[ figures ] Waveshaper %s, loud input: peak %.4f\n", mode == 0.0f ? "tanh x50" : "fold x20", mvm::test::peak(y));
    EXPECT_LE(mvm::test::peak(y), Waveshaper::kShapedBound + 1e-6) << mode;
    // tanh: a square at 76 Hz, which overshoots once band-limited; fold: it folds faster than the
    // sample rate at the peaks, and the antialiasing takes away what lies above Nyquist
    EXPECT_GT(mvm::test::peak(y), mode == 0.0f ? 1.0 : 0.9) << mode;
    EXPECT_LE(mvm::test::peak(y), mode == 0.0f ? 1.2 : 1.0) << mode;
  }
}

TEST(Waveshaper, TanhOfASineMakesOddHarmonicsOnly) {
  ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", 0.0f}, {"drive", 4.0f}, {"mix", 1.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * 1000 * static_cast<double>(n) / 48000.0)); });
  auto y = h.run(48000).output(0);
  const double h3 = mvm::test::powerAt(y, 3000, 48000);
  const double h2 = mvm::test::powerAt(y, 2000, 48000);
  EXPECT_GT(mvm::test::toDb(h3), -20.0);
  EXPECT_LT(mvm::test::toDb(h2), -100.0);
}

TEST(Waveshaper, MixBlendsDryDelayedByTheLatency) {
  ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", 1.0f}, {"fold", 4.0f}, {"mix", 0.0f}});
  h.input("in", ramp(5.0f));
  auto y = h.run(4800).output(0);
  for (std::size_t n = 0; n < kLatency; ++n) ASSERT_EQ(y[n], 0.0f) << n;
  for (std::size_t n = kLatency; n < 4800; ++n) ASSERT_FLOAT_EQ(y[n], 5.0f * (static_cast<float>(n - kLatency) / 2400.0f - 1.0f));
}

// NaN in the input is silence and an infinity the largest signal, before it reaches any state:
// the output is the same, bit for bit, and finite.
TEST(Waveshaper, HostileInputIsLimitedBeforeItReachesTheState) {
  for (float mode : {0.0f, 1.0f}) {
    auto run = [mode](float bad, float stand) {
      ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", mode}, {"drive", 5.0f}, {"fold", 5.0f}, {"mix", 0.5f}});
      h.input("in", [=](int, std::uint64_t n) {
        if (n >= 100 && n < 110) return n % 2 ? bad : stand;
        return static_cast<float>(std::sin(0.05 * static_cast<double>(n)));
      });
      return h.run(640).output(0);
    };
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const auto hostile = run(nan, inf), tame = run(0.0f, mvm::math::kMaxSignal);
    ASSERT_EQ(hostile.size(), tame.size());
    for (std::size_t n = 0; n < hostile.size(); ++n) {
      ASSERT_TRUE(std::isfinite(hostile[n])) << n;
      ASSERT_EQ(hostile[n], tame[n]) << n;
    }
  }
}
