#include "mvm/dsp/modules/plate.h"

#include "mvm/dsp/builtin_modules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;

namespace {

struct PlatePair {
  std::vector<float> l, r;
};

float unitImpulse(int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; }
float silence(int, std::uint64_t) { return 0.0f; }

// The wet response (mix 1 unless given) to a unit impulse into the left input; right unconnected
// (the mono plate) unless `rightSilent` connects it to silence (a stereo input, left only).
PlatePair plateImpulse(std::map<std::string, float> params, double seconds, double rate = 48000.0, bool rightSilent = false) {
  params.emplace("mix", 1.0f);
  ModuleHarness h(builtinModules(), "Plate", params, rate);
  h.input("left", unitImpulse);
  if (rightSilent) h.input("right", silence);
  auto out = h.run(static_cast<std::uint64_t>(seconds * rate));
  return {out.output(0), out.output(1)};
}

// Frames from input to output through Dattorro's tap `at` (at 29761 Hz): every stage before a
// tap (pre-delay 0, bandwidth filter, diffusers, modulated all-pass) has a direct path.
std::size_t tapFrames(int at, double rate) { return static_cast<std::size_t>(std::lround(at * rate / 29761.0)); }

std::size_t firstNonzero(const std::vector<float>& x) {
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] != 0.0f) return i;
  return x.size();
}

double correlation(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// Decay (dB a second) of the band lo..hi Hz: its power, summed over 5 Hz steps, in 0.5 s windows
// from t0 and from t1 (a narrower band or window reads the few modes in it: 20 % off).
double bandDecay(const std::vector<float>& x, double lo, double hi, double t0, double t1) {
  auto power = [&](double t) {
    double p = 0;
    const auto from = static_cast<std::size_t>(t * 48000);
    for (double f = lo; f <= hi; f += 5) p += mvm::test::powerAt(x, f, 48000, from, from + 24000);
    return mvm::test::toDb(p);
  };
  return (power(t0) - power(t1)) / (t1 - t0);
}

} // namespace

TEST(Plate, DecayIsTheMeasuredRt60) {
  struct Case {
    double rate;
    float decay;
  };
  for (const Case c : {Case{48000, 0.5f}, Case{48000, 2.0f}, Case{48000, 8.0f}, Case{44100, 2.0f}, Case{96000, 0.5f}}) {
    auto ir = plateImpulse({{"decay", c.decay}, {"damping", 0.0f}, {"predelay", 0.0f}}, 0.8 * c.decay + 0.5, c.rate);
    const double t20 = mvm::test::rt60(ir.l, c.rate, -5, -25), t30l = mvm::test::rt60(ir.l, c.rate), t30r = mvm::test::rt60(ir.r, c.rate);
    std::printf("[ figures ] Plate at %.0f Hz, decay %.1f s: RT60 measured T20 %.3f s, T30 %.3f s left, %.3f s right\n", c.rate, c.decay, t20,
                t30l, t30r);
    for (double t : {t20, t30l, t30r}) EXPECT_NEAR(t, c.decay, 0.2 * c.decay) << c.rate << " Hz, decay " << c.decay;
  }
}

TEST(Plate, PredelayDelaysTheFirstSampleExactly) {
  for (float predelay : {0.0f, 0.01f, 0.125f}) {
    auto ir = plateImpulse({{"predelay", predelay}}, 0.2);
    const auto frames = static_cast<std::size_t>(std::lround(predelay * 48000.0));
    std::printf("[ figures ] Plate pre-delay %.3f s: first output frame %zu left, %zu right\n", predelay, firstNonzero(ir.l), firstNonzero(ir.r));
    EXPECT_EQ(firstNonzero(ir.l), frames + tapFrames(266, 48000));
    EXPECT_EQ(firstNonzero(ir.r), frames + tapFrames(353, 48000));
  }
}

TEST(Plate, StereoInputReachesItsOwnSideFirstAndTheSidesAreDecorrelated) {
  auto leftOnly = plateImpulse({{"predelay", 0.0f}}, 2.0, 48000, true);
  EXPECT_EQ(firstNonzero(leftOnly.l), tapFrames(266, 48000));  // the left input's half, tapped at 266 for the left
  EXPECT_EQ(firstNonzero(leftOnly.r), tapFrames(2111, 48000)); // and at 2111 for the right
  ModuleHarness h(builtinModules(), "Plate", {{"mix", 1.0f}, {"predelay", 0.0f}});
  h.input("left", silence).input("right", unitImpulse);
  auto out = h.run(96000);
  EXPECT_EQ(firstNonzero(out.output(1)), tapFrames(353, 48000));
  EXPECT_EQ(firstNonzero(out.output(0)), tapFrames(1990, 48000));
  EXPECT_NE(leftOnly.l, out.output(1)); // the halves differ: not a mirror image
  auto mono = plateImpulse({}, 2.0);
  const double cl = correlation(leftOnly.l, leftOnly.r), cm = correlation(mono.l, mono.r);
  std::printf("[ figures ] Plate L/R correlation of the wet impulse response: left input only %.3f, mono %.3f\n", cl, cm);
  EXPECT_LT(std::fabs(cl), 0.2);
  EXPECT_LT(std::fabs(cm), 0.2);
  auto narrow = plateImpulse({{"width", 0.0f}}, 1.0);
  EXPECT_EQ(narrow.l, narrow.r);
}

TEST(Plate, DampingShortensTheHighs) {
  for (float damping : {0.0f, 0.7f}) {
    auto ir = plateImpulse({{"decay", 4.0f}, {"damping", damping}, {"predelay", 0.0f}}, 2.6);
    const double low = bandDecay(ir.l, 200, 800, 0.25, 2.0), high = bandDecay(ir.l, 7400, 8600, 0.25, 2.0);
    std::printf("[ figures ] Plate damping %.1f, decay 4 s: 500 Hz band falls %.1f dB/s, 8 kHz band %.1f dB/s (RT60 %.2f s, %.2f s)\n", damping,
                low, high, 60 / low, 60 / high);
    EXPECT_NEAR(low, 15.0, 1.5); // 60 dB in 4 s: the lows keep the set decay
    if (damping == 0.0f) EXPECT_NEAR(high, 15.0, 1.5);
    else EXPECT_GT(high, 2.5 * low);
  }
}

TEST(Plate, ModulationMovesTheTailAndStaysDeterministic) {
  auto still = plateImpulse({{"decay", 4.0f}, {"mod", 0.0f}}, 2.0);
  auto moving = plateImpulse({{"decay", 4.0f}, {"mod", 1.0f}}, 2.0);
  auto again = plateImpulse({{"decay", 4.0f}, {"mod", 1.0f}}, 2.0);
  std::vector<float> diff(still.l.size());
  for (std::size_t i = 0; i < diff.size(); ++i) diff[i] = moving.l[i] - still.l[i];
  const double late = mvm::test::rms(diff, 48000, 96000) / mvm::test::rms(still.l, 48000, 96000);
  std::printf("[ figures ] Plate mod 1 against mod 0: difference %.3f of the level in the second second\n", late);
  EXPECT_GT(late, 0.5);
  EXPECT_EQ(moving.l, again.l);
  EXPECT_EQ(moving.r, again.r);
}

TEST(Plate, MixZeroIsDry) {
  ModuleHarness h(builtinModules(), "Plate", {{"mix", 0.0f}});
  h.input("left", [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.1 * static_cast<double>(n))); });
  auto out = h.run(4800);
  for (std::size_t i = 0; i < 4800; ++i) {
    ASSERT_EQ(out.output(0)[i], static_cast<float>(std::sin(0.1 * static_cast<double>(i))));
    ASSERT_EQ(out.output(1)[i], out.output(0)[i]);
  }
}

TEST(Plate, PolyphonicInputsAreSummed) {
  ModuleHarness poly(builtinModules(), "Plate", {{"mix", 0.5f}});
  poly.input("left", [](int c, std::uint64_t n) { return n == 0 ? (c == 0 ? 1.0f : 0.5f) : 0.0f; }, 2);
  const auto summed = plateImpulse({{"mix", 0.5f}}, 0.5);
  const auto got = poly.run(24000);
  ASSERT_EQ(got.output(0).size(), summed.l.size());
  for (std::size_t i = 0; i < summed.l.size(); ++i) ASSERT_NEAR(got.output(0)[i], 1.5f * summed.l[i], 1e-6f) << i; // one impulse of 1.5
}

TEST(Plate, HostileInputLeavesTheWetFiniteAndItRecovers) {
  // Noise, with a burst of NaN, infinities and 1e30 into both inputs and every parameter from 0.1 s to 0.12 s.
  auto noise = [](std::uint64_t n) { return static_cast<float>(std::sin(0.37 * static_cast<double>(n)) * std::sin(0.011 * static_cast<double>(n))); };
  auto hostile = [&](int, std::uint64_t n) {
    if (n < 4800 || n >= 4800 + 4 * 256) return noise(n);
    const float burst[] = {NAN, INFINITY, -INFINITY, 1e30f};
    return burst[(n - 4800) / 256];
  };
  auto nanBurst = [](int, std::uint64_t n) { return n >= 4800 && n < 5760 ? NAN : 0.0f; };
  auto run = [&](bool withBurst) {
    ModuleHarness h(builtinModules(), "Plate", {{"mix", 1.0f}, {"decay", 0.3f}});
    h.input("left", withBurst ? ModuleHarness::Source(hostile) : [&](int, std::uint64_t n) { return noise(n); });
    h.input("right", withBurst ? ModuleHarness::Source(hostile) : [&](int, std::uint64_t n) { return noise(n); });
    if (withBurst)
      for (const char* p : {"decay", "predelay", "damping", "bandwidth", "mod", "width"}) h.modulate(p, nanBurst);
    return h.run(4 * 48000);
  };
  auto clean = run(false), hit = run(true);
  // The dry path carries the input as it is, as Reverb's does (NaN x 0 is NaN: the output guard
  // stops it); every other frame, the 1e30 ones included, is finite.
  for (int o = 0; o < 2; ++o)
    for (std::size_t n = 0; n < hit.output(o).size(); ++n)
      if (n < 4800 || n >= 4800 + 3 * 256) {
        ASSERT_TRUE(std::isfinite(hit.output(o)[n])) << n;
      }
  // 1e30 enters as the line limit 1e4, then decays 60 dB every 0.3 s: gone after 3.5 s (of a
  // 0.3 s RT60) and the plate sounds as one that never saw the burst.
  const double ratio = mvm::test::rms(hit.output(0), 3 * 48000) / mvm::test::rms(clean.output(0), 3 * 48000);
  std::printf("[ figures ] Plate after a NaN/Inf/1e30 burst: finite from its first 1e30 frame on; level 2.9 s later %.4f of a clean run's\n", ratio);
  EXPECT_NEAR(ratio, 1.0, 0.01);
}

TEST(Plate, StateCarriesOverAHotSwap) {
  auto make = [] {
    auto h = std::make_unique<ModuleHarness>(builtinModules(), "Plate", std::map<std::string, float>{{"mix", 1.0f}});
    h->input("left", unitImpulse);
    return h;
  };
  auto a = make();
  a->run(4800);
  const auto expected = a->run(4800);
  auto a2 = make();
  a2->run(4800);
  ModuleHarness b(builtinModules(), "Plate", {{"mix", 1.0f}});
  b.module().copyStateFrom(a2->module());
  const auto got = b.run(4800);
  EXPECT_GT(mvm::test::rms(got.output(0)), 1e-3);
  EXPECT_EQ(got.output(0), expected.output(0));
  EXPECT_EQ(got.output(1), expected.output(1));
}
