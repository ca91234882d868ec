#include "mvm/dsp/modules/waveshaper.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;

namespace {

ModuleHarness::Source ramp(float amp) {
  // -amp..amp over 4800 samples, repeated
  return [amp](int, std::uint64_t n) { return amp * (static_cast<float>(n % 4800) / 2400.0f - 1.0f); };
}

} // namespace

TEST(Waveshaper, TanhModeIsTanhOfDriveTimesInput) {
  ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", 0.0f}, {"drive", 3.0f}, {"mix", 1.0f}});
  h.input("in", ramp(2.0f));
  auto y = h.run(4800).output(0);
  for (std::size_t n = 0; n < 4800; ++n) {
    const float x = 2.0f * (static_cast<float>(n) / 2400.0f - 1.0f);
    ASSERT_NEAR(y[n], std::tanh(3.0f * x), 1e-6f) << n;
  }
}

TEST(Waveshaper, FoldModeIsIdentityInsideAndReflectsOutside) {
  ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", 1.0f}, {"fold", 1.0f}, {"mix", 1.0f}});
  h.input("in", ramp(3.0f));
  auto y = h.run(4800).output(0);
  for (std::size_t n = 0; n < 4800; ++n) {
    const double x = 3.0 * (static_cast<double>(n) / 2400.0 - 1.0);
    double expected = x;
    if (x > 1 && x <= 3) expected = 2 - x;   // reflected at +1
    if (x < -1 && x >= -3) expected = -2 - x; // reflected at -1
    ASSERT_NEAR(y[n], expected, 1e-5) << x;
  }
}

TEST(Waveshaper, OutputBoundedForLoudInputsInBothModes) {
  for (float mode : {0.0f, 1.0f}) {
    ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", mode}, {"drive", 50.0f}, {"fold", 20.0f}, {"mix", 1.0f}});
    h.input("in", [](int, std::uint64_t n) { return 10.0f * static_cast<float>(std::sin(0.01 * static_cast<double>(n))); });
    auto y = h.run(48000).output(0);
    EXPECT_LE(mvm::test::peak(y), 1.0 + 1e-6) << mode;
    EXPECT_GT(mvm::test::peak(y), 0.99) << mode;
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

TEST(Waveshaper, MixBlendsDry) {
  ModuleHarness h(builtinModules(), "Waveshaper", {{"mode", 1.0f}, {"fold", 4.0f}, {"mix", 0.0f}});
  h.input("in", ramp(5.0f));
  auto y = h.run(4800).output(0);
  for (std::size_t n = 0; n < 4800; ++n) ASSERT_FLOAT_EQ(y[n], 5.0f * (static_cast<float>(n) / 2400.0f - 1.0f));
}
