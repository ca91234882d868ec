#include "mvm/dsp/modules/vco.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <string>
#include <vector>
#include <cstdio>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::kHarnessRate;
using test::ModuleHarness;

namespace {


struct AliasReport {
  double harmonic = 0, nonHarmonic = 0, worstAlias = 0;
};

// The spectrum of a 5 kHz periodic signal at 48 kHz lies on multiples of 1 kHz: multiples of
// 5 kHz are the harmonics, everything else is aliasing. 1 s rectangular window = exact bins.
AliasReport aliasReport(const std::vector<float>& x, std::size_t from) {
  AliasReport r;
  for (int k = 1; k < 24; ++k) {
    const double p = test::sources::dftPower(x, 1000.0 * k, kHarnessRate, from, 48000);
    if (k % 5 == 0) r.harmonic += p;
    else {
      r.nonHarmonic += p;
      r.worstAlias = std::max(r.worstAlias, p);
    }
  }
  return r;
}

std::vector<float> naiveSaw(double f, std::size_t n) {
  std::vector<float> y(n);
  double p = 0;
  for (auto& v : y) {
    v = static_cast<float>(2.0 * p - 1.0);
    p += f / kHarnessRate;
    p -= std::floor(p);
  }
  return y;
}

} // namespace

TEST(VCO, PitchIsAccurateToATenthOfACentFrom50HzTo5kHz) {
  double worst = 0;
  for (double f : {50.0, 110.0, 440.0, 1000.0, 2500.0, 5000.0}) {
    ModuleHarness h(builtinModules(), "VCO", {{"freq", static_cast<float>(f)}});
    const auto out = h.run(96000);
    for (const char* port : {"sine", "saw", "tri"}) {
      const double est = test::estimateFrequency(out.output(h.outputIndex(port)), kHarnessRate, 100);
      const double cents = 1200.0 * std::log2(est / f);
      EXPECT_LT(std::fabs(cents), 0.1) << port << " at " << f << " Hz: " << cents << " cents";
      worst = std::max(worst, std::fabs(cents));
    }
  }
  std::printf("worst pitch error 50 Hz..5 kHz: %.5f cents\n", worst);
}

TEST(VCO, PitchInputIsOneVoltPerOctaveFromC4) {
  ModuleHarness h(builtinModules(), "VCO");
  h.input("pitch", [](int, std::uint64_t) { return 0.75f; });
  const double est = test::estimateFrequency(h.run(48000).output(0), kHarnessRate, 100);
  EXPECT_LT(std::fabs(1200.0 * std::log2(est / (math::kC4Hz * std::pow(2.0, 0.75)))), 0.1);
}

TEST(VCO, BandLimitedSawAliasesFarLessThanNaiveSaw) {
  ModuleHarness h(builtinModules(), "VCO", {{"freq", 5000.0f}});
  const auto out = h.run(48000 + 1024);
  const auto& saw = out.output(h.outputIndex("saw"));
  const auto naive = naiveSaw(5000.0, 48000 + 1024);
  const AliasReport bl = aliasReport(saw, 1000), nv = aliasReport(naive, 1000);
  const double totalGain = test::toDb(nv.nonHarmonic / nv.harmonic) - test::toDb(bl.nonHarmonic / bl.harmonic);
  const double worstGain = test::toDb(nv.worstAlias) - test::toDb(bl.worstAlias);
  std::printf("5 kHz saw @48k: non-harmonic/harmonic power naive %.1f dB, band-limited %.1f dB (%.1f dB better); "
              "strongest alias naive %.1f dB, band-limited %.1f dB (%.1f dB better)\n",
              test::toDb(nv.nonHarmonic / nv.harmonic), test::toDb(bl.nonHarmonic / bl.harmonic), totalGain,
              test::toDb(nv.worstAlias), test::toDb(bl.worstAlias), worstGain);
  RecordProperty("alias_improvement_total_db", std::to_string(totalGain));
  RecordProperty("alias_improvement_worst_db", std::to_string(worstGain));
  EXPECT_GT(totalGain, 20.0);
  EXPECT_GT(worstGain, 15.0);
  // and the fundamental is the right level: a saw's fundamental has amplitude 2/pi
  EXPECT_NEAR(test::toDb(test::sources::dftPower(saw, 5000.0, kHarnessRate, 1000, 48000)), test::toDb(0.5 * 4.0 / (M_PI * M_PI)), 1.0);
}

TEST(VCO, WaveformsHaveTheirShapes) {
  ModuleHarness h(builtinModules(), "VCO", {{"freq", 200.0f}, {"pw", 0.25f}});
  const auto out = h.run(48000);
  const auto& sine = out.output(0);
  const auto& tri = out.output(1);
  const auto& saw = out.output(2);
  const auto& sqr = out.output(3);
  // sine: pure
  EXPECT_NEAR(test::rms(sine, 480), std::sqrt(0.5), 1e-3);
  EXPECT_LT(test::toDb(test::powerAt(sine, 400, kHarnessRate, 480)), -90.0);
  // triangle: odd harmonics falling as 1/k^2 with alternating sign, no even ones
  const double t1 = test::powerAt(tri, 200, kHarnessRate, 480), t3 = test::powerAt(tri, 600, kHarnessRate, 480);
  EXPECT_NEAR(test::toDb(t1), test::toDb(0.5 * std::pow(8.0 / (M_PI * M_PI), 2)), 0.1);
  EXPECT_NEAR(test::toDb(t3 / t1), -20.0 * std::log10(9.0), 0.2);
  EXPECT_LT(test::toDb(test::powerAt(tri, 400, kHarnessRate, 480) / t1), -80.0);
  EXPECT_NEAR(test::peak(tri, 480), 1.0, 0.01);
  // saw: harmonics 1/k, both even and odd
  const double s1 = test::powerAt(saw, 200, kHarnessRate, 480), s2 = test::powerAt(saw, 400, kHarnessRate, 480);
  EXPECT_NEAR(test::toDb(s2 / s1), -20.0 * std::log10(2.0), 0.1);
  EXPECT_NEAR(test::mean(saw, 480), 0.0, 2e-3);
  // pulse: high for a quarter of the cycle. At 200 Hz the edges fall on samples, whose value is
  // then the edge's midpoint (about 0): half high.
  double high = 0;
  for (std::size_t i = 480; i < sqr.size(); ++i) high += std::fabs(sqr[i]) < 0.1f ? 0.5 : (sqr[i] > 0.0f ? 1.0 : 0.0);
  EXPECT_NEAR(high / static_cast<double>(sqr.size() - 480), 0.25, 0.002);
  EXPECT_NEAR(test::mean(sqr, 480), -0.5, 0.01);
}

TEST(VCO, PulseWidthIsModulatableAtAudioRate) {
  ModuleHarness h(builtinModules(), "VCO", {{"freq", 100.0f}, {"pw", 0.5f}});
  // pw = 0.5 + 0.4 * square LFO at 2 Hz: alternate 0.9 / 0.1 each quarter second
  h.modulate("pw", [](int, std::uint64_t n) { return (n / 12000) % 2 == 0 ? 0.4f : -0.4f; });
  const auto sqr = h.run(48000).output(3);
  for (int q = 0; q < 4; ++q) {
    std::size_t high = 0;
    const std::size_t from = static_cast<std::size_t>(q) * 12000 + 960, to = from + 9600;
    for (std::size_t i = from; i < to; ++i) high += sqr[i] > 0.0f;
    EXPECT_NEAR(static_cast<double>(high) / 9600.0, q % 2 == 0 ? 0.9 : 0.1, 0.01) << q;
  }
}

TEST(VCO, LinearAndExponentialFm) {
  {
    ModuleHarness h(builtinModules(), "VCO", {{"freq", 300.0f}, {"fmLin", 150.0f}});
    h.input("fm", [](int, std::uint64_t) { return 0.5f; });
    EXPECT_NEAR(test::estimateFrequency(h.run(48000).output(0), kHarnessRate, 100), 375.0, 0.02);
  }
  {
    ModuleHarness h(builtinModules(), "VCO", {{"freq", 300.0f}, {"fmExp", 2.0f}});
    h.input("fm", [](int, std::uint64_t) { return -0.5f; });
    EXPECT_NEAR(test::estimateFrequency(h.run(48000).output(0), kHarnessRate, 100), 150.0, 0.01);
  }
}

TEST(VCO, HardSyncResetsThePhaseOnEachRisingEdge) {
  // master: 0/1 pulse at exactly 100 Hz (480 samples), slave at 330 Hz
  ModuleHarness h(builtinModules(), "VCO", {{"freq", 330.0f}});
  h.input("sync", [](int, std::uint64_t n) { return (n % 480) < 240 ? 1.0f : 0.0f; });
  const auto out = h.run(48000);
  const auto& saw = out.output(2);
  // the output repeats with the master's period
  for (std::size_t i = 4800; i < 9600; ++i) ASSERT_NEAR(saw[i], saw[i + 480], 1e-3) << i;
  // the spectrum lies on multiples of 100 Hz, not 330 Hz
  EXPECT_GT(test::toDb(test::powerAt(saw, 100, kHarnessRate, 480)), -30.0);
  EXPECT_LT(test::toDb(test::powerAt(saw, 330, kHarnessRate, 480)), -60.0);
  // after each edge (sync's latency, the outputs' 2 samples, the BLEP's span) the saw restarts from -1
  // and rises at 330 Hz
  const std::size_t latency = modules::SyncEdge::kLatency + modules::blep::kLatency;
  for (std::size_t edge = 4800; edge < 48000 - 480; edge += 480) {
    const double expected = -1.0 + 2.0 * 330.0 / kHarnessRate * 10.5; // edge sits half a sample before `edge`
    EXPECT_NEAR(saw[edge + latency + 10], expected, 0.01) << edge;
  }
}

TEST(VCO, HardSyncFromEveryMasterWaveformLeavesNoInharmonicFloor) {
  // A master whose period is not a whole number of samples (65536 / 154 = 425.5 samples) presents
  // its edge at a different fraction of a sample each period; a crossing found with jitter spreads
  // the slave's spectrum between the master's harmonics. Measured below 20 kHz (as the aliasing
  // figures of polyblep.h): a perfect sync leaves the slave's own aliasing (-71 dB for its saw); a
  // straight-line crossing on the master's band-limited square gave -39.3 dB over the whole band.
  const std::size_t n = 65536, bin = 154, from = 4096;
  const double master = kHarnessRate * bin / n;
  for (const char* wave : {"sqr", "saw", "tri", "sine"}) {
    ModuleHarness m(builtinModules(), "VCO", {{"freq", static_cast<float>(master)}, {"pw", 0.3f}});
    const auto sync = m.run(from + n).output(m.outputIndex(wave));
    ModuleHarness h(builtinModules(), "VCO", {{"freq", 347.0f}});
    h.input("sync", [&](int, std::uint64_t i) { return sync[i]; });
    const auto out = h.run(from + n);
    for (const char* port : {"saw", "sine"}) {
      const auto& y = out.output(h.outputIndex(port));
      std::vector<std::complex<double>> a(n);
      for (std::size_t i = 0; i < n; ++i) a[i] = y[from + i];
      test::sources::fft(a);
      double harmonic = 0, other = 0;
      for (std::size_t k = 1; k < n * 20 / 48; ++k) (k % bin == 0 ? harmonic : other) += std::norm(a[k]); // below 20 kHz
      const double floorDb = test::toDb(other / harmonic);
      std::printf("[ figures ] hard sync from a %s master, %s out: inharmonic floor below 20 kHz %.1f dB\n", wave, port, floorDb);
      EXPECT_LT(floorDb, std::string(port) == "saw" ? -65.0 : -85.0) << wave << " -> " << port;
    }
  }
}

TEST(VCO, SyncEdgeTimesABandLimitedJumpAndARampExactly) {
  // The crossing SyncEdge reports, less its latency, is the same in every period: for a square (a
  // jump) to 0.002 sample (the centroid is exact where the kernel's spectrum is 0 at multiples of
  // the sample rate; the windowed sinc's is not quite: 1.1e-3 measured; a straight line: 0.15),
  // for a saw (a ramp) to the master's own rounding.
  ModuleHarness m(builtinModules(), "VCO", {{"freq", 112.79f}});
  const auto out = m.run(48000);
  for (const char* wave : {"sqr", "saw"}) {
    const auto& x = out.output(m.outputIndex(wave));
    modules::SyncEdge edge;
    std::vector<double> times;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (const double t = edge.push(x[i]); t > 0.0) times.push_back(static_cast<double>(i) - 1.0 + t);
    ASSERT_GT(times.size(), 100u);
    double lo = 1e9, hi = -1e9;
    const double period = (times.back() - times[1]) / static_cast<double>(times.size() - 2);
    for (std::size_t k = 1; k < times.size(); ++k) {
      const double offset = times[k] - times[1] - period * static_cast<double>(k - 1);
      lo = std::min(lo, offset), hi = std::max(hi, offset);
    }
    std::printf("[ figures ] sync crossings of a %s master: spread %.2e sample\n", wave, hi - lo);
    EXPECT_LT(hi - lo, std::string(wave) == "sqr" ? 2e-3 : 1e-4) << wave;
  }
}

TEST(VCO, PolyphonicPitchRunsIndependentVoices) {
  ModuleHarness h(builtinModules(), "VCO", {{"freq", 100.0f}});
  h.input("pitch", [](int c, std::uint64_t) { return static_cast<float>(c); }, 3);
  const auto out = h.run(48000);
  ASSERT_EQ(out.ports[0].size(), 3u);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(test::estimateFrequency(out.output(2, c), kHarnessRate, 100), 100.0 * (1 << c), 0.005);
}

TEST(VCO, CopyStateFromContinuesEveryWaveform) {
  ModuleHarness a(builtinModules(), "VCO", {{"freq", 1441.0f}});
  a.run(6400);
  ModuleHarness b(builtinModules(), "VCO", {{"freq", 1441.0f}});
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64);
  ModuleHarness whole(builtinModules(), "VCO", {{"freq", 1441.0f}});
  const auto all = whole.run(6464);
  for (int o = 0; o < 4; ++o)
    for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(next.output(o)[i], all.output(o)[6400 + i]) << o << " " << i;
}

TEST(VCO, OutputIsBoundedUnderWildModulation) {
  ModuleHarness h(builtinModules(), "VCO", {{"fmLin", 10000.0f}, {"fmExp", 8.0f}});
  std::uint32_t s = 1;
  auto noise = [s](int, std::uint64_t) mutable {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f * 20.0f - 10.0f;
  };
  h.input("fm", noise).input("sync", noise).input("pitch", noise).modulate("pw", noise);
  const auto out = h.run(48000);
  for (int o = 0; o < 4; ++o) EXPECT_LT(test::peak(out.output(o)), 3.0) << o;
}
