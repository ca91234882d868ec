#include "mvm/core/output_guard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mvm/mvm.h"

using namespace mvm;

namespace {

// Two channels of `frames` frames of a quiet signal, with `bad` at channel c, frame i.
struct Block {
  std::vector<float> left, right;
  float* ch[2];
  Block(int frames, float bad, int c, int i) : left(static_cast<std::size_t>(frames), 0.25f), right(left) {
    (c == 0 ? left : right)[static_cast<std::size_t>(i)] = bad;
    ch[0] = left.data();
    ch[1] = right.data();
  }
  bool silent() const {
    for (std::size_t k = 0; k < left.size(); ++k)
      if (left[k] != 0.0f || right[k] != 0.0f) return false;
    return true;
  }
};

} // namespace

// Beyond the runaway level counts as NaN does: the samples that reached WAVs (1e15, 6.6e29,
// 9.6e37), anything just past 1000, the largest float, infinities and NaN, in either channel,
// anywhere in the block.
TEST(OutputGuard, SilencesAndCountsRunawayAndNonFiniteBlocks) {
  const float runaway[] = {std::nextafter(kRunawayLevel, 2e3f), -std::nextafter(kRunawayLevel, 2e3f), 1001.0f, -1e4f, 1e15f, 6.6e29f,
                           9.6e37f, -9.6e37f, std::numeric_limits<float>::max(), std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                           -std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::signaling_NaN()};
  OutputGuard guard;
  std::uint64_t expected = 0;
  for (float bad : runaway)
    for (int c = 0; c < 2; ++c)
      for (int i : {0, 17, 63}) {
        Block b(64, bad, c, i);
        EXPECT_TRUE(guard.apply(b.ch, 2, 64)) << bad << " at channel " << c << " frame " << i;
        EXPECT_TRUE(b.silent()) << bad;
        EXPECT_EQ(guard.guardedBlocks(), ++expected);
      }
}

// Up to the runaway level, loud or tiny, a block passes untouched and is not counted.
TEST(OutputGuard, PassesEverythingUpToTheRunawayLevel) {
  const float fine[] = {kRunawayLevel, -kRunawayLevel, 999.9f, 64.0f, -10.0f, 1.0f, 0.0f, -0.0f, 1e-40f, -1e-45f,
                        std::numeric_limits<float>::min()};
  OutputGuard guard;
  for (float x : fine) {
    Block b(64, x, 1, 5);
    EXPECT_FALSE(guard.apply(b.ch, 2, 64)) << x;
    EXPECT_EQ(b.right[5], x);
    EXPECT_EQ(std::signbit(b.right[5]), std::signbit(x));
  }
  EXPECT_EQ(guard.guardedBlocks(), 0u);
}

// The VM's guard, end to end: a patch whose output passes the runaway level (a constant of 10 V
// multiplied by itself: 100, then 1e4) is silenced and counted, block by block; below it, it plays.
TEST(OutputGuard, TheVmSilencesARunawayPatch) {
  auto render = [](const char* cable) {
    const std::string json = std::string(R"({"modules": [{"id": "k", "type": "Constant", "params": {"value": 10}},
        {"id": "sq", "type": "Multiply"}, {"id": "sq2", "type": "Multiply"}, {"id": "out", "type": "AudioOut"}],
        "connections": [{"from": "k.out", "to": "sq.a"}, {"from": "k.out", "to": "sq.b"},
                        {"from": "sq.out", "to": "sq2.a"}, {"from": "sq.out", "to": "sq2.b"},
                        {"from": ")") + cable + R"(", "to": "out.left"}]})";
    VM vm;
    vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, "runaway")));
    float l[256], r[256];
    float* ch[] = {l, r};
    float peak = 0.0f;
    for (int b = 0; b < 8; ++b) {
      vm.process(nullptr, ch, 256);
      for (float x : l) peak = std::max(peak, std::fabs(x));
    }
    return std::pair{peak, vm.counters().guardedBlocks.load()};
  };
  const auto [loudPeak, loudGuarded] = render("sq.out"); // 100: loud, legal
  EXPECT_EQ(loudPeak, 100.0f);
  EXPECT_EQ(loudGuarded, 0u);
  const auto [runawayPeak, runawayGuarded] = render("sq2.out"); // 1e4: runaway
  EXPECT_EQ(runawayPeak, 0.0f);
  EXPECT_EQ(runawayGuarded, 8u * 256 / kBlockFrames);
}
