#include "mvm/dsp/modules/polyphony.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "render_helpers.h"
#include "signal_analysis.h"

using namespace mvm;
using namespace mvm::test;

TEST(Merge, ChannelsParamSetsWidthAndInputsMapToChannels) {
  ModuleHarness h(builtinModules(), "Merge", {{"channels", 5.0f}});
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

TEST(Merge, ByDefaultTheHighestConnectedInputSetsTheChannelCount) {
  ModuleHarness h(builtinModules(), "Merge");
  h.input("in2", [](int, std::uint64_t) { return 2.0f; });
  h.input("in6", [](int, std::uint64_t) { return 6.0f; });
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 6u);
  EXPECT_EQ(y.output(0, 1)[0], 2.0f);
  EXPECT_EQ(y.output(0, 5)[0], 6.0f);
  for (int c : {0, 2, 3, 4}) EXPECT_EQ(y.output(0, c)[0], 0.0f);
  ModuleHarness none(builtinModules(), "Merge"); // nothing connected: one silent channel
  EXPECT_EQ(none.run(64).ports[0].size(), 1u);
}

TEST(Merge, PolyphonicCableIntoAnInputUsesItsFirstChannel) {
  ModuleHarness h(builtinModules(), "Merge", {{"channels", 2.0f}});
  h.input("in2", [](int c, std::uint64_t) { return 10.0f + static_cast<float>(c); }, 4);
  const auto y = h.run(64);
  EXPECT_EQ(y.output(0, 1)[0], 10.0f);
}

TEST(Split, ChannelsToMonoOutputsZeroBeyond) {
  ModuleHarness h(builtinModules(), "Split");
  h.input("in", [](int c, std::uint64_t n) { return static_cast<float>(c * 100) + static_cast<float>(n); }, 3);
  const auto y = h.run(64);
  ASSERT_EQ(y.ports.size(), 16u);
  for (int o = 0; o < 16; ++o) {
    ASSERT_EQ(y.ports[static_cast<std::size_t>(o)].size(), 1u);
    for (std::size_t i = 0; i < 64; ++i)
      ASSERT_EQ(y.output(o)[i], o < 3 ? static_cast<float>(o * 100) + static_cast<float>(i) : 0.0f) << o;
  }
  ModuleHarness mono(builtinModules(), "Split"); // a mono cable fills out1 only (no broadcast)
  mono.input("in", [](int, std::uint64_t) { return 4.0f; });
  const auto m = mono.run(64);
  EXPECT_EQ(m.output(0)[0], 4.0f);
  EXPECT_EQ(m.output(1)[0], 0.0f);
}

TEST(Sum, SumAndMeanOfChannels) {
  ModuleHarness h(builtinModules(), "Sum");
  h.input("in", [](int c, std::uint64_t n) { return static_cast<float>(c + 1) * (n % 2 ? 1.0f : -1.0f); }, 4);
  const auto y = h.run(64);
  ASSERT_EQ(y.ports[0].size(), 1u);
  for (std::size_t i = 0; i < 64; ++i) {
    ASSERT_EQ(y.output(0)[i], 10.0f * (i % 2 ? 1.0f : -1.0f));
    ASSERT_EQ(y.output(1)[i], 2.5f * (i % 2 ? 1.0f : -1.0f));
  }
}

// Through the parser, compiler and VM: the compiler resolves channel counts before it binds
// connections, so this checks Merge's rule where it matters.
TEST(Merge, CompiledPatchMergeSplitSum) {
  const std::string patch = R"({
    "format": "mvm-patch", "version": 1, "name": "merge split sum", "seed": 1,
    "modules": [
      {"id": "c1", "type": "Constant", "params": {"value": 0.1}},
      {"id": "c3", "type": "Constant", "params": {"value": 0.3}},
      {"id": "merge", "type": "Merge", "params": {"channels": 3}},
      {"id": "split", "type": "Split"},
      {"id": "sum", "type": "Sum"},
      {"id": "out", "type": "AudioOut"}
    ],
    "connections": [
      {"from": "c1.out", "to": "merge.in1"},
      {"from": "c3.out", "to": "merge.in3"},
      {"from": "merge.out", "to": "split.in"},
      {"from": "merge.out", "to": "sum.in"},
      {"from": "split.out3", "to": "out.left"},
      {"from": "sum.mean", "to": "out.right"}
    ]
  })";
  const auto r = renderJson(patch, 0.05);
  ASSERT_EQ(r.channels.size(), 2u);
  EXPECT_FLOAT_EQ(r.channels[0][1000], 0.3f);
  EXPECT_FLOAT_EQ(r.channels[1][1000], (0.1f + 0.3f) / 3.0f);
}
