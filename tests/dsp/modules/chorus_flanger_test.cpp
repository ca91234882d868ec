#include "mvm/dsp/modules/chorus_flanger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::modules::Chorus;
using mvm::test::ModuleHarness;
using mvm::test::sineSource;

namespace {

// White noise in [-1, 1), a function of the frame alone (the same on every channel).
float noiseAt(int, std::uint64_t n) { return static_cast<float>(mvm::mixSeed(n) >> 40) / 8388608.0f - 1.0f; }

// Pearson correlation of two signals from frame `from` on.
double correlation(const std::vector<float>& a, const std::vector<float>& b, std::size_t from) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = from; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// The gain of Chorus voice k of `voices` on one side (left: cos, right: sin): the law its header
// documents, worked out here in double.
double voiceGain(int k, int voices, double spread, bool left) {
  const double pan = voices == 1 ? 0.0 : spread * (2.0 * k / (voices - 1) - 1.0);
  const double theta = (pan + 1.0) * M_PI / 4.0;
  return std::sqrt(2.0 / voices) * (left ? std::cos(theta) : std::sin(theta));
}

} // namespace

TEST(Flanger, StaticDelayIsACombWithNotchesAtOddMultiplesOfHalfTheInverseDelay) {
  // depth 0: a fixed 1 ms delay mixed 50/50 notches 500 Hz and passes 1 kHz
  auto level = [](double hz) {
    ModuleHarness h(builtinModules(), "Flanger", {{"delay", 0.001f}, {"depth", 0.0f}, {"feedback", 0.0f}, {"mix", 0.5f}});
    h.input("in", sineSource(hz));
    auto y = h.run(48000).output(0);
    return mvm::test::rms(y, 4800) * std::sqrt(2.0);
  };
  EXPECT_LT(level(500), 1e-3);
  EXPECT_LT(level(1500), 1e-3);
  EXPECT_NEAR(level(1000), 1.0, 1e-3);
  EXPECT_NEAR(level(250), std::cos(M_PI * 250 * 0.001), 2e-3); // |(1 + e^-jwd)/2| = |cos(w d / 2)|
}

TEST(Flanger, FeedbackDeepensThePeaks) {
  // with feedback g the comb's peak gain is 1/(1-g) on the wet path
  ModuleHarness h(builtinModules(), "Flanger", {{"delay", 0.001f}, {"depth", 0.0f}, {"feedback", 0.5f}, {"mix", 1.0f}});
  h.input("in", sineSource(1000, 0.01f)); // small: tanh is linear
  auto y = h.run(48000).output(0);
  EXPECT_NEAR(mvm::test::rms(y, 9600) * std::sqrt(2.0) / 0.01, 2.0, 0.01);
}

TEST(Flanger, SweepMovesTheNotch) {
  // with depth the 500 Hz notch is only momentary: the output level varies over an LFO cycle
  ModuleHarness h(builtinModules(), "Flanger", {{"delay", 0.001f}, {"depth", 0.5f}, {"rate", 1.0f}, {"feedback", 0.0f}, {"mix", 0.5f}});
  h.input("in", sineSource(500));
  auto y = h.run(48000).output(0);
  double lo = 1e9, hi = 0;
  for (std::size_t w = 0; w + 960 <= y.size(); w += 960) {
    const double r = mvm::test::rms(y, w, w + 960);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  EXPECT_LT(lo, 0.05);
  EXPECT_GT(hi, 0.45); // at the shortest delay, 0.525 ms: |cos(pi 500 0.000525)| = 0.68 peak
}

TEST(Chorus, PitchModulationMatchesTheSweep) {
  // one voice: d(t) = D (1 + 0.5 depth sin(2 pi r t)); the wet pitch is f (1 - d'(t)), peak deviation f * D * 0.5 * depth * 2 pi r
  const double f = 1000, D = 0.02, depth = 1.0, rate = 2.0;
  ModuleHarness h(builtinModules(), "Chorus", {{"delay", static_cast<float>(D)}, {"depth", static_cast<float>(depth)}, {"rate", static_cast<float>(rate)},
                             {"feedback", 0.0f}, {"mix", 1.0f}, {"voices", 1.0f}});
  h.input("in", sineSource(f));
  const auto out = h.run(48000);
  const auto& y = out.output(Chorus::kLeft);
  EXPECT_EQ(y, out.output(Chorus::kRight)); // one voice sits in the centre
  double lo = 1e9, hi = 0;
  for (std::size_t w = 4800; w + 480 <= y.size(); w += 240) {
    const double est = mvm::test::estimateFrequency(y, 48000, w, w + 480);
    lo = std::min(lo, est);
    hi = std::max(hi, est);
  }
  const double expected = f * D * 0.5 * depth * 2 * M_PI * rate; // 125.7 Hz
  std::printf("[ figures ] chorus deviation: measured +-%.1f Hz, expected +-%.1f Hz, centre %.2f Hz\n", (hi - lo) / 2, expected, (hi + lo) / 2);
  EXPECT_NEAR((hi - lo) / 2, expected, expected * 0.1);
  EXPECT_NEAR((hi + lo) / 2, f, 5.0);
}

TEST(Chorus, VoicesAreOneTapSweptAtEvenPhaseOffsets) {
  // Voice k of 3 reads at LFO phase + k/3: at rate r it is voice 0 T_k = k / (3 r) later. With a
  // sine whose period divides T_1 the input is the same then too, so the one-voice output y1
  // (gain g1 in the centre) gives every tap: left3[n] = sum_k gain_k * y1[n + k T_1] / g1, and so
  // for right. r = 1 Hz: T_1 = 16000 frames, 100 periods of 300 Hz.
  const std::size_t T = 16000, from = 4800, frames = 48000;
  const std::map<std::string, float> common{{"rate", 1.0f}, {"depth", 1.0f}, {"delay", 0.015f}, {"feedback", 0.0f}, {"mix", 1.0f}, {"spread", 1.0f}};
  auto with = [&](float voices) {
    auto p = common;
    p["voices"] = voices;
    ModuleHarness h(builtinModules(), "Chorus", p);
    h.input("in", sineSource(300));
    return h;
  };
  auto one = with(1.0f);
  const auto y1 = one.run(frames + 2 * T).output(Chorus::kLeft);
  auto three = with(3.0f);
  const auto y3 = three.run(frames);
  const double g1 = voiceGain(0, 1, 1.0, true);
  double worst = 0, apart = 1e9;
  for (int side = 0; side < 2; ++side) {
    const auto& got = y3.output(side == 0 ? Chorus::kLeft : Chorus::kRight);
    for (std::size_t n = from; n < frames; ++n) {
      double expected = 0;
      for (int k = 0; k < 3; ++k) expected += voiceGain(k, 3, 1.0, side == 0) * y1[n + k * T] / g1;
      worst = std::max(worst, std::fabs(got[n] - expected));
    }
  }
  // the three taps are distinct: each differs from the next by a large part of their level
  for (std::size_t k = 0; k < 2; ++k) {
    double d = 0;
    for (std::size_t n = from; n < frames; ++n) d += std::pow(static_cast<double>(y1[n + (k + 1) * T]) - y1[n + k * T], 2.0);
    apart = std::min(apart, std::sqrt(d / static_cast<double>(frames - from)));
  }
  std::printf("[ figures ] chorus 3 voices as shifted single voices: max error %.2e, rms between neighbouring taps %.3f\n", worst, apart);
  EXPECT_LT(worst, 2e-4);
  EXPECT_GT(apart, 0.5);
}

TEST(Chorus, VoicesRoundToAWholeNumberWithinOneToSix) {
  auto render = [](float voices) {
    ModuleHarness h(builtinModules(), "Chorus", {{"mix", 1.0f}, {"voices", voices}});
    h.input("in", sineSource(440));
    return h.run(4800).output(Chorus::kLeft);
  };
  EXPECT_EQ(render(2.6f), render(3.0f));
  EXPECT_EQ(render(100.0f), render(6.0f));
  EXPECT_EQ(render(-5.0f), render(1.0f));
  EXPECT_EQ(render(std::numeric_limits<float>::quiet_NaN()), render(1.0f));
  EXPECT_NE(render(2.0f), render(3.0f));
}

TEST(Chorus, SpreadWidensTheStereoImage) {
  auto render = [](float voices, float spread) {
    ModuleHarness h(builtinModules(), "Chorus", {{"mix", 1.0f}, {"voices", voices}, {"spread", spread}, {"depth", 0.7f}, {"rate", 0.8f}});
    h.input("in", noiseAt);
    return h.run(96000);
  };
  for (float voices : {2.0f, 3.0f, 6.0f}) {
    const auto wide = render(voices, 1.0f);
    const double rho = correlation(wide.output(Chorus::kLeft), wide.output(Chorus::kRight), 4800);
    // left and right share only the centre taps' power: with 3 voices 1/3 of it, with 2 none
    double shared = 0, total = 0;
    for (int k = 0; k < voices; ++k) {
      shared += voiceGain(k, static_cast<int>(voices), 1.0, true) * voiceGain(k, static_cast<int>(voices), 1.0, false);
      total += std::pow(voiceGain(k, static_cast<int>(voices), 1.0, true), 2.0);
    }
    std::printf("[ figures ] chorus %g voices, spread 1: wet L/R correlation %.3f (uncorrelated taps: %.3f)\n", voices, rho, shared / total);
    EXPECT_LT(rho, 0.6); // 6 voices: 0.51, their four inner taps reach both sides
    EXPECT_NEAR(rho, shared / total, 0.05);
    const auto narrow = render(voices, 0.0f);
    EXPECT_EQ(narrow.output(Chorus::kLeft), narrow.output(Chorus::kRight)); // bit for bit
    EXPECT_GT(mvm::test::rms(narrow.output(Chorus::kLeft)), 0.3);
  }
}

TEST(Chorus, WetLevelDoesNotGrowWithTheVoices) {
  // broadband input: taps milliseconds apart are uncorrelated, so the sqrt(2 / voices) gains keep the
  // power. (Every tap is -0.9 dB on white noise: the interpolator's loss near Nyquist between frames.)
  const double in = 1.0 / std::sqrt(3.0); // rms of uniform noise in [-1, 1)
  double lo = 1e9, hi = -1e9;
  for (float spread : {0.0f, 1.0f})
    for (float voices : {1.0f, 3.0f, 6.0f}) {
      ModuleHarness h(builtinModules(), "Chorus", {{"mix", 1.0f}, {"voices", voices}, {"spread", spread}});
      h.input("in", noiseAt);
      const auto y = h.run(96000);
      for (int side : {Chorus::kLeft, Chorus::kRight}) {
        const double db = mvm::test::ampToDb(mvm::test::rms(y.output(side), 4800) / in);
        lo = std::min(lo, db);
        hi = std::max(hi, db);
        std::printf("[ figures ] chorus wet level, %g voices, spread %g, %s: %+.2f dB\n", voices, spread, side == Chorus::kLeft ? "left" : "right", db);
      }
    }
  EXPECT_LT(hi - lo, 1.5);
  EXPECT_LT(std::fabs(lo), 1.5);
  EXPECT_LT(std::fabs(hi), 1.5);
}

TEST(Chorus, CubicInterpolationKeepsTheTrebleSteady) {
  // A swept read moves the fraction between frames; linear interpolation's gain at 12 kHz (fs/4)
  // falls to 0.71 (-3 dB) halfway, the cubic's to 0.88 (-1.1 dB). Measured as the spread of the
  // level over windows of 2 ms (with the deviation of the sweep the windows hold a few fractions).
  ModuleHarness h(builtinModules(), "Chorus", {{"mix", 1.0f}, {"voices", 1.0f}, {"rate", 0.2f}, {"depth", 0.2f}});
  h.input("in", sineSource(12000));
  const auto y = h.run(96000).output(Chorus::kLeft);
  double lo = 1e9, hi = 0;
  for (std::size_t w = 4800; w + 96 <= y.size(); w += 96) {
    const double r = mvm::test::rms(y, w, w + 96);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  const double ripple = mvm::test::ampToDb(hi / lo);
  std::printf("[ figures ] chorus 12 kHz wet level: %.3f..%.3f of the input, ripple %.2f dB (linear interpolation: up to 3 dB)\n", lo * std::sqrt(2.0), hi * std::sqrt(2.0), ripple);
  EXPECT_LT(ripple, 1.3);
  EXPECT_GT(lo * std::sqrt(2.0), 0.85);
}

TEST(Chorus, PolyphonicChannelsAreIndependentAndDeterministic) {
  auto render = [] {
    ModuleHarness h(builtinModules(), "Chorus", {{"mix", 1.0f}});
    h.input("in", [](int c, std::uint64_t n) { return c == 0 ? static_cast<float>(std::sin(0.05 * static_cast<double>(n))) : 0.0f; }, 2);
    return h.run(9600);
  };
  auto a = render(), b = render();
  for (int side : {Chorus::kLeft, Chorus::kRight}) {
    EXPECT_EQ(a.output(side, 0), b.output(side, 0));
    EXPECT_GT(mvm::test::rms(a.output(side, 0)), 0.3);
    EXPECT_EQ(mvm::test::peak(a.output(side, 1)), 0.0);
  }
}

TEST(Chorus, StateCarriesOverAHotSwap) {
  const std::map<std::string, float> params{{"mix", 1.0f}, {"rate", 3.0f}, {"voices", 4.0f}, {"feedback", 0.4f}};
  auto make = [&] {
    auto h = std::make_unique<ModuleHarness>(builtinModules(), "Chorus", params);
    h->input("in", sineSource(300));
    return h;
  };
  auto ref = make();
  ref->run(4800);
  const auto expected = ref->run(960);
  auto old = make();
  old->run(4800);
  ModuleHarness b(builtinModules(), "Chorus", params);
  b.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * 300 * static_cast<double>(n + 4800) / 48000.0)); });
  b.module().copyStateFrom(old->module());
  const auto got = b.run(960);
  for (int side : {Chorus::kLeft, Chorus::kRight})
    for (std::size_t i = 0; i < got.output(side).size(); ++i) ASSERT_NEAR(got.output(side)[i], expected.output(side)[i], 1e-6f) << side << " " << i;
}

// NaN in the input is silence and an infinity the largest signal before it reaches the dry path
// or the line: the output is that of the tame input bit for bit, finite, and once the burst has
// left the line (no feedback) the same as without it.
TEST(Chorus, HostileInputLeavesTheOutputFiniteAndPassesThrough) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  auto run = [](float feedback, float bad, float other, bool burst) {
    ModuleHarness h(builtinModules(), "Chorus", {{"mix", 0.7f}, {"voices", 5.0f}, {"feedback", feedback}, {"depth", 1.0f}});
    h.input("in", [=](int, std::uint64_t n) {
      if (burst && n >= 1000 && n < 1064) return n % 3 == 0 ? bad : (n % 3 == 1 ? other : -other);
      return static_cast<float>(std::sin(0.05 * static_cast<double>(n)));
    });
    return h.run(48000);
  };
  const std::size_t gone = 1064 + static_cast<std::size_t>(std::ceil(0.05 * 1.5 * 48000)) + 4; // the burst's last frame, a line later
  for (float feedback : {0.0f, 0.9f}) {
    const auto hostile = run(feedback, nan, inf, true), tame = run(feedback, 0.0f, mvm::math::kMaxSignal, true), clean = run(feedback, 0, 0, false);
    for (int side : {Chorus::kLeft, Chorus::kRight}) {
      const auto &h = hostile.output(side), &t = tame.output(side), &c = clean.output(side);
      for (std::size_t n = 0; n < h.size(); ++n) {
        ASSERT_TRUE(std::isfinite(h[n])) << n;
        ASSERT_EQ(h[n], t[n]) << n;
      }
      if (feedback == 0.0f) {
        EXPECT_TRUE(std::equal(h.begin() + static_cast<std::ptrdiff_t>(gone), h.end(), c.begin() + static_cast<std::ptrdiff_t>(gone)));
      }
      double diff = 0;
      for (std::size_t n = 24000; n < h.size(); ++n) diff = std::max(diff, std::fabs(static_cast<double>(h[n]) - c[n]));
      std::printf("[ figures ] chorus feedback %.1f: after a NaN/Inf burst, largest difference from the clean run half a second on %.2e\n", feedback, diff);
      EXPECT_LT(diff, 1e-3);
    }
  }
}
