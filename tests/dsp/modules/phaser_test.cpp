#include "mvm/dsp/modules/phaser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;

namespace {

double level(double hz, std::map<std::string, float> params) {
  ModuleHarness h(builtinModules(), "Phaser", std::move(params));
  h.input("in", [hz](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * hz * static_cast<double>(n) / 48000.0)); });
  auto y = h.run(48000).output(0);
  return mvm::test::rms(y, 9600) * std::sqrt(2.0);
}

} // namespace

TEST(Phaser, FourStagesNotchWhereTheCascadeShiftsByHalfACycle) {
  // each stage: phase -2 atan(f / fc); 4 stages reach -180 deg at f = fc tan(22.5 deg) and -540 deg at fc tan(67.5 deg)
  const double fc = 1000;
  const std::map<std::string, float> p{{"center", 1000.0f}, {"depth", 0.0f}, {"feedback", 0.0f}, {"mix", 0.5f}, {"stages", 4.0f}};
  EXPECT_LT(level(fc * std::tan(M_PI / 8), p), 0.01);
  EXPECT_LT(level(fc * std::tan(3 * M_PI / 8), p), 0.01);
  EXPECT_NEAR(level(fc, p), 1.0, 0.01); // -360 deg: in phase
  // generic: |(1 + e^{j phi})/2| = |cos(phi / 2)|
  const double f = 600, phi = -8 * std::atan(f / fc);
  EXPECT_NEAR(level(f, p), std::fabs(std::cos(phi / 2)), 0.01);
}

TEST(Phaser, WetPathIsAllpass) {
  const std::map<std::string, float> p{{"center", 700.0f}, {"depth", 0.0f}, {"mix", 1.0f}, {"stages", 6.0f}};
  for (double f : {100.0, 700.0, 3000.0}) EXPECT_NEAR(level(f, p), 1.0, 0.01) << f;
}

TEST(Phaser, TwoStagesNotchAtTheBreakFrequency) {
  const std::map<std::string, float> p{{"center", 2000.0f}, {"depth", 0.0f}, {"mix", 0.5f}, {"stages", 2.0f}};
  EXPECT_LT(level(2000, p), 0.01);
}

TEST(Phaser, LfoSweepsTheNotch) {
  ModuleHarness h(builtinModules(), "Phaser", {{"center", 1000.0f}, {"depth", 1.0f}, {"rate", 1.0f}, {"mix", 0.5f}, {"stages", 4.0f}});
  h.input("in", [](int, std::uint64_t n) { return static_cast<float>(std::sin(2 * M_PI * 414.2 * static_cast<double>(n) / 48000.0)); });
  auto y = h.run(48000).output(0);
  double lo = 1e9, hi = 0;
  for (std::size_t w = 0; w + 480 <= y.size(); w += 240) {
    const double r = mvm::test::rms(y, w, w + 480);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  EXPECT_LT(lo, 0.1);
  EXPECT_GT(hi, 0.6);
}

TEST(Phaser, FeedbackStaysBoundedAndIsDeterministic) {
  auto render = [] {
    ModuleHarness h(builtinModules(), "Phaser", {{"feedback", 0.95f}, {"depth", 1.0f}, {"rate", 5.0f}, {"stages", 12.0f}});
    h.input("in", [](int, std::uint64_t n) { return (n / 50) % 2 ? 10.0f : -10.0f; });
    return h.run(48000).output(0);
  };
  auto a = render();
  EXPECT_EQ(a, render());
  EXPECT_LT(mvm::test::peak(a), 40.0);
}

TEST(Phaser, StateCarriesOverAHotSwap) {
  auto src = [](int, std::uint64_t n) { return static_cast<float>(std::sin(0.03 * static_cast<double>(n))); };
  ModuleHarness ref(builtinModules(), "Phaser", {{"rate", 2.0f}, {"feedback", 0.5f}});
  ref.input("in", src);
  ref.run(4800);
  const auto expected = ref.run(640).output(0);
  ModuleHarness a(builtinModules(), "Phaser", {{"rate", 2.0f}, {"feedback", 0.5f}});
  a.input("in", src);
  a.run(4800);
  ModuleHarness b(builtinModules(), "Phaser", {{"rate", 2.0f}, {"feedback", 0.5f}});
  b.input("in", [src](int c, std::uint64_t n) { return src(c, n + 4800); });
  b.module().copyStateFrom(a.module());
  const auto got = b.run(640).output(0);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_FLOAT_EQ(got[i], expected[i]) << i;
}
