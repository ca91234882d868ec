#include "mvm/dsp/modules/polyphony.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Merge, ChannelsParamSetsWidthAndInputsMapToChannels) {
  ModuleHarness h("Merge", {{"channels", 5.0f}});
  h.input("in1", [](int, std::uint64_t n) { return 1.0f + static_cast<float>(n); });
  h.input("in3", [](int, std::uint64_t) { return 3.0f; });
  h.input("in5", [](int, std::uint64_t) { return 5.0f; });
  h.input("in7", [](int, std::uint64_t) { return 7.0f; }); // beyond `channels`: ignored
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 5u);
  EXPECT_EQ(y.output(0, 0)[10], 11.0f);
  EXPECT_EQ(y.output(0, 1)[10], 0.0f); // unconnected
  EXPECT_EQ(y.output(0, 2)[10], 3.0f);
  EXPECT_EQ(y.output(0, 3)[10], 0.0f);
  EXPECT_EQ(y.output(0, 4)[10], 5.0f);
}

TEST(Merge, DefaultIsSixteenAndCountDoesNotDependOnConnections) {
  ModuleHarness h("Merge");
  h.input("in2", [](int, std::uint64_t) { return 2.0f; });
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 16u);
  EXPECT_EQ(y.output(0, 1)[0], 2.0f);
  for (int c = 2; c < 16; ++c) EXPECT_EQ(y.output(0, c)[0], 0.0f);
  // the count is decided from the channel counts the compiler knows before connections are bound
  int inCh[17];
  for (int& v : inCh) v = 1;
  int outCh[1] = {0};
  ModuleHarness three("Merge", {{"channels", 3.0f}});
  three.module().resolveOutputChannels(inCh, outCh);
  EXPECT_EQ(outCh[0], 3);
}

TEST(Merge, PolyphonicCableIntoAnInputUsesItsFirstChannel) {
  ModuleHarness h("Merge", {{"channels", 2.0f}});
  h.input("in2", [](int c, std::uint64_t) { return 10.0f + static_cast<float>(c); }, 4);
  const auto y = h.run(64);
  EXPECT_EQ(y.output(0, 1)[0], 10.0f);
}

TEST(Split, ChannelsToMonoOutputsZeroBeyond) {
  ModuleHarness h("Split");
  h.input("in", [](int c, std::uint64_t n) { return static_cast<float>(c * 100) + static_cast<float>(n); }, 3);
  const auto y = h.run(64);
  ASSERT_EQ(y.ports.size(), 16u);
  for (int o = 0; o < 16; ++o) {
    ASSERT_EQ(y.ports[static_cast<std::size_t>(o)].size(), 1u);
    for (std::size_t i = 0; i < 64; ++i)
      ASSERT_EQ(y.output(o)[i], o < 3 ? static_cast<float>(o * 100) + static_cast<float>(i) : 0.0f) << o;
  }
  ModuleHarness mono("Split"); // a mono cable fills out1 only (no broadcast)
  mono.input("in", [](int, std::uint64_t) { return 4.0f; });
  const auto m = mono.run(64);
  EXPECT_EQ(m.output(0)[0], 4.0f);
  EXPECT_EQ(m.output(1)[0], 0.0f);
}

TEST(Sum, SumAndMeanOfChannels) {
  ModuleHarness h("Sum");
  h.input("in", [](int c, std::uint64_t n) { return static_cast<float>(c + 1) * (n % 2 ? 1.0f : -1.0f); }, 4);
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 1u);
  for (std::size_t i = 0; i < 64; ++i) {
    ASSERT_EQ(y.output(0)[i], 10.0f * (i % 2 ? 1.0f : -1.0f));
    ASSERT_EQ(y.output(1)[i], 2.5f * (i % 2 ? 1.0f : -1.0f));
  }
}
