#include "mvm/dsp/modules/noise.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;
namespace src = mvm::test::sources;

namespace {
test::ModuleHarness::Output runNoise(std::uint64_t seed = 1, std::size_t frames = 48000 * 8) {
  ModuleHarness h(builtinModules(), "Noise", {}, 48000.0, seed);
  return h.run(frames);
}
} // namespace

TEST(Noise, WhiteIsFlatAndUniform) {
  const auto out = runNoise();
  const auto& w = out.output(0);
  EXPECT_NEAR(test::rms(w), 1.0 / std::sqrt(3.0), 0.005);
  EXPECT_LE(test::peak(w), 1.0);
  EXPECT_NEAR(test::mean(w), 0.0, 0.005);
  const auto p = src::psd(w);
  const double ref = src::bandDb(p, 500, 1000, 48000);
  for (double lo : {100.0, 2000.0, 8000.0, 16000.0}) EXPECT_NEAR(src::bandDb(p, lo, lo * 1.5, 48000), ref, 0.5) << lo;
}

TEST(Noise, PinkFallsThreeDbPerOctave) {
  const auto out = runNoise();
  const auto p = src::psd(out.output(1));
  // over 3 octaves: -9 dB
  const double a = src::bandDb(p, 100, 140, 48000), b = src::bandDb(p, 800, 1120, 48000), c = src::bandDb(p, 6400, 8960, 48000);
  EXPECT_NEAR(b - a, -9.03, 1.0);
  EXPECT_NEAR(c - b, -9.03, 1.0);
  EXPECT_NEAR(test::rms(out.output(1)), 0.44, 0.04);
  EXPECT_LT(test::peak(out.output(1)), 2.0);
}

TEST(Noise, BrownFallsSixDbPerOctaveAboveItsCorner) {
  const auto out = runNoise();
  const auto& b = out.output(2);
  const auto p = src::psd(b, 16384);
  const double x = src::bandDb(p, 200, 280, 48000, 16384), y = src::bandDb(p, 1600, 2240, 48000, 16384);
  EXPECT_NEAR(y - x, -18.06, 1.0);
  EXPECT_NEAR(test::rms(b), 0.5, 0.1);
  EXPECT_NEAR(test::mean(b), 0.0, 0.1);
}

TEST(Noise, SeededDeterministicAndIndependentPerChannel) {
  EXPECT_EQ(runNoise(5, 4800).output(0), runNoise(5, 4800).output(0));
  EXPECT_NE(runNoise(5, 4800).output(0), runNoise(6, 4800).output(0));
  ModuleHarness h(builtinModules(), "Noise");
  h.modulate("amp", [](int, std::uint64_t) { return 0.0f; }, 2);
  const auto out = h.run(48000);
  ASSERT_EQ(out.ports[0].size(), 2u);
  double dot = 0;
  for (std::size_t i = 0; i < 48000; ++i) dot += static_cast<double>(out.output(0, 0)[i]) * out.output(0, 1)[i];
  EXPECT_LT(std::fabs(dot / 48000.0), 0.01); // uncorrelated (variance 1/3 each)
}
