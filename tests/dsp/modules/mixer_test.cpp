#include "mvm/dsp/modules/mixer.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Mixer, WeightedSumTimesMaster) {
  std::map<std::string, float> params{{"master", 0.5f}};
  for (int k = 1; k <= 8; ++k) params["g" + std::to_string(k)] = 0.125f * static_cast<float>(k);
  ModuleHarness h(builtinModules(), "Mixer", params);
  for (int k = 1; k <= 8; ++k)
    h.input("in" + std::to_string(k), [k](int, std::uint64_t n) { return static_cast<float>(k) * (n % 2 ? 1.0f : -0.5f); });
  const auto y = h.run(128).output(0);
  double expected = 0;
  for (int k = 1; k <= 8; ++k) expected += 0.125 * k * k;
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], 0.5 * expected * (i % 2 ? 1.0 : -0.5), 1e-5) << i;
}

TEST(Mixer, UnconnectedInputsAndZeroGainAreSilent) {
  ModuleHarness h(builtinModules(), "Mixer", {{"g2", 0.0f}});
  h.input("in2", [](int, std::uint64_t) { return 3.0f; });
  h.input("in5", [](int, std::uint64_t) { return 0.25f; });
  const auto y = h.run(64).output(0);
  for (float v : y) EXPECT_EQ(v, 0.25f);
}

TEST(Mixer, PolyphonicChannelsIndependent) {
  ModuleHarness h(builtinModules(), "Mixer");
  h.input("in1", [](int c, std::uint64_t) { return static_cast<float>(c); }, 4);
  h.input("in2", [](int, std::uint64_t) { return 10.0f; }); // mono broadcasts
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 4u);
  for (int c = 0; c < 4; ++c) EXPECT_EQ(y.output(0, c)[3], 10.0f + static_cast<float>(c));
}
