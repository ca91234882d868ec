#include "mvm/dsp/modules/pitch.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Octave, TransposesByOctavesSemitonesAndCents) {
  ModuleHarness h(builtinModules(), "Octave", {{"octave", -2.0f}, {"semitone", 7.0f}, {"fine", 50.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(n) / 64.0f; });
  const auto y = h.run(64).output(0);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_NEAR(y[i], static_cast<double>(i) / 64.0 - 2.0 + 7.0 / 12.0 + 0.5 / 12.0, 1e-6);
  // stepped params snap: 2.4 octaves are 2, -3.6 semitones are -4
  ModuleHarness s(builtinModules(), "Octave", {{"octave", 2.4f}, {"semitone", -3.6f}});
  EXPECT_NEAR(s.run(64).output(0)[0], 2.0 - 4.0 / 12.0, 1e-6);
}

TEST(PitchToHz, OneVoltPerOctaveFromC4) {
  ModuleHarness h(builtinModules(), "PitchToHz");
  h.input("pitch", [](int c, std::uint64_t) { return std::array<float, 5>{0.0f, 0.75f, -1.0f, 2.0f, 4.0f}[static_cast<std::size_t>(c)]; }, 5);
  const auto y = h.run(64);
  const double expected[] = {261.6256, 440.0, 130.8128, 1046.5023, 4186.0090};
  for (int c = 0; c < 5; ++c) EXPECT_NEAR(y.output(0, c)[0], expected[c], expected[c] * 1e-6) << c;
}

TEST(PitchToHz, InverseRoundTripsAndMatchesLog2) {
  for (double x = 1e-3; x < 1e5; x *= 1.37) EXPECT_NEAR(modules::PitchToHz::log2(x), std::log2(x), 1e-14) << x;
  ModuleHarness h(builtinModules(), "PitchToHz");
  h.input("hz", [](int, std::uint64_t n) { return 20.0f * static_cast<float>(std::pow(2.0, static_cast<double>(n) / 64.0)); });
  h.input("pitch", [](int, std::uint64_t n) { return -3.0f + static_cast<float>(n) / 100.0f; });
  const auto y = h.run(640);
  for (std::size_t i = 0; i < 640; ++i) {
    const double hz = 20.0 * std::pow(2.0, static_cast<double>(i) / 64.0);
    ASSERT_NEAR(y.output(1)[i], std::log2(static_cast<float>(hz) / 261.6255653005986), 1e-6) << i;
  }
  // round trip: pitch -> hz -> pitch
  ModuleHarness a(builtinModules(), "PitchToHz");
  a.input("pitch", [](int, std::uint64_t n) { return -3.0f + static_cast<float>(n) / 100.0f; });
  const auto hz = a.run(640).output(0);
  ModuleHarness b(builtinModules(), "PitchToHz");
  b.input("hz", [hz](int, std::uint64_t n) { return hz[n]; });
  const auto back = b.run(640).output(1);
  for (std::size_t i = 0; i < 640; ++i) ASSERT_NEAR(back[i], -3.0f + static_cast<float>(i) / 100.0f, 2e-6) << i;
}

TEST(PitchToHz, ClampsToSignalRange) {
  ModuleHarness h(builtinModules(), "PitchToHz");
  h.input("pitch", [](int, std::uint64_t) { return 10.0f; });
  h.input("hz", [](int, std::uint64_t) { return -10.0f; });
  const auto y = h.run(64);
  EXPECT_LT(y.output(0)[0], 1e4);
  EXPECT_NEAR(y.output(0)[0], 261.6256 * std::pow(2.0, 5.25), 0.1);
  EXPECT_TRUE(std::isfinite(y.output(1)[0]));
  EXPECT_NEAR(y.output(1)[0], std::log2(0.001 / 261.6255653005986), 1e-5);
}
