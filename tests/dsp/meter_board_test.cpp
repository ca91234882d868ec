#include "mvm/dsp/meter_board.h"

#include <gtest/gtest.h>

#include <set>

#include "mvm/core/hash.h"
#include "mvm/mvm.h"
#include "rt_probe.h"

using namespace mvm;

TEST(MeterBoard, EachKeyGetsItsOwnSlotAndKeepsIt) {
  MeterBoard board;
  std::set<int> slots;
  for (std::uint64_t k = 1; k <= MeterBoard::kSlots; ++k) {
    const int s = board.claim(k * 64); // all the same home slot: probing spreads them
    ASSERT_GE(s, 0) << k;
    EXPECT_TRUE(slots.insert(s).second) << k;
    EXPECT_EQ(board.claim(k * 64), s) << "a second claim finds the same slot";
  }
  EXPECT_EQ(board.claim(12345), -1) << "the board is full";
  EXPECT_FALSE(board.read(12345));
}

TEST(MeterBoard, PublishesLevelsAndHoldsThePeak) {
  MeterBoard board;
  EXPECT_FALSE(board.read(fnv1a64("m")));
  const int s = board.claim(fnv1a64("m"));
  board.publish(s, 0.5f, 0.25f);
  board.publish(s, 0.2f, 0.1f);
  const auto r = board.read(fnv1a64("m"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->peak, 0.2f);
  EXPECT_EQ(r->rms, 0.1f);
  EXPECT_EQ(r->peakHold, 0.5f);
  EXPECT_FALSE(board.read(fnv1a64("n")));
}

// Meter modules in a running VM publish under their ids, without allocating; the levels are
// those of their signals: a 0.5 sine (peak 0.5, RMS 0.354) and a 0.1 one.
TEST(MeterBoard, MetersInAProgramPublishTheirLevelsByIdWithoutAllocating) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(R"({"modules": [
      {"id": "a", "type": "SineGen", "params": {"freq": 1000, "amp": 0.5}}, {"id": "b", "type": "SineGen", "params": {"freq": 300, "amp": 0.1}},
      {"id": "loud", "type": "Meter", "params": {"window": 0.05}}, {"id": "quiet", "type": "Meter", "params": {"window": 0.05}}],
      "connections": [{"from": "a.out", "to": "loud.in"}, {"from": "b.out", "to": "quiet.in"}]})");
  VM vm;
  vm.loadProgram(Compiler(builtinModules()).compile(g));
  float l[512], r[512];
  float* out[] = {l, r};
  test::resetRtCounts();
  for (int b = 0; b < 94; ++b) vm.process(nullptr, out, 512); // 1 s
  EXPECT_EQ(test::rtCounts().allocations, 0u);
  const auto levels = meterLevels(g, vm.meters());
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0].id, "loud");
  EXPECT_NEAR(levels[0].reading.peakHold, 0.5f, 1e-3f);
  EXPECT_NEAR(levels[0].reading.rms, 0.5f / std::sqrt(2.0f), 0.005f);
  EXPECT_EQ(levels[1].id, "quiet");
  EXPECT_NEAR(levels[1].reading.peakHold, 0.1f, 1e-3f);
  EXPECT_NEAR(levels[1].reading.rms, 0.1f / std::sqrt(2.0f), 0.001f);
}
