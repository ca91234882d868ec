#include "mvm/dsp/modules/vca.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

namespace {
float sig(int, std::uint64_t n) { return static_cast<float>(std::sin(0.05 * static_cast<double>(n))); }
} // namespace

TEST(VCA, UnconnectedCvIsOpen) {
  ModuleHarness h(builtinModules(), "VCA", {{"level", 0.5f}});
  h.input("in", sig);
  const auto y = h.run(256).output(0);
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], sig(0, i) * 0.5f);
}

TEST(VCA, LinearIsExactProduct) {
  ModuleHarness h(builtinModules(), "VCA");
  h.input("in", sig);
  h.input("cv", [](int, std::uint64_t n) { return static_cast<float>(n % 100) / 50.0f - 0.5f; });
  const auto y = h.run(512).output(0);
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], sig(0, i) * (static_cast<float>(i % 100) / 50.0f - 0.5f));
}

TEST(VCA, ExponentialIsSixtyDecibelTaper) {
  for (float cv : {1.0f, 0.75f, 0.5f, 0.25f, 0.1f}) {
    ModuleHarness h(builtinModules(), "VCA", {{"response", 1.0f}});
    h.input("in", [](int, std::uint64_t) { return 1.0f; });
    h.input("cv", [cv](int, std::uint64_t) { return cv; });
    const double g = h.run(64).output(0)[10];
    const double expected = (std::pow(10.0, 3.0 * (cv - 1.0)) - 0.001) / 0.999;
    EXPECT_NEAR(g, expected, 1e-6 + 1e-5 * expected) << cv;
  }
  EXPECT_EQ(modules::VCA::exponentialGain(0.0f), 0.0f);
  EXPECT_NEAR(modules::VCA::exponentialGain(1.0f), 1.0f, 1e-6f);
  EXPECT_EQ(modules::VCA::exponentialGain(-3.0f), 0.0f);                       // clamped
  EXPECT_NEAR(modules::VCA::exponentialGain(5.0f), 1.0f, 1e-6f);               // clamped
  EXPECT_NEAR(ampToDb(modules::VCA::exponentialGain(0.5f)), -30.3, 0.1);       // half cv: about -30 dB
  EXPECT_NEAR(ampToDb(modules::VCA::exponentialGain(2.0f / 3.0f)), -20.1, 0.1); // each 1/3 of cv: ~20 dB
}

TEST(VCA, PolyphonicCv) {
  ModuleHarness h(builtinModules(), "VCA");
  h.input("in", [](int, std::uint64_t) { return 2.0f; });
  h.input("cv", [](int c, std::uint64_t) { return 0.25f * static_cast<float>(c); }, 3);
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 3u);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(y.output(0, c)[5], 0.5f * static_cast<float>(c));
}
