// VM::setMuted, the overload policy's last lever: while muted the program does not run (its
// state stays as it was), the output is silence, and the blocks where it starts and ends fade
// out and in; a program swapped in while muted starts afresh, without a crossfade.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "mvm/mvm.h"
#include "rt_probe.h"

using namespace mvm;

namespace {

const std::string kSine = R"({"modules": [{"id": "s", "type": "SineGen", "params": {"freq": 331}},
  {"id": "out", "type": "AudioOut"}], "connections": [{"from": "s.out", "to": "out.left"}]})";

std::unique_ptr<Program> sine(std::uint64_t generation = 1) {
  CompileOptions o;
  auto p = Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(kSine), o);
  p->generation = generation;
  return p;
}

std::vector<float> block(VM& vm) {
  std::vector<float> l(kBlockFrames), r(kBlockFrames);
  float* out[] = {l.data(), r.data()};
  vm.process(nullptr, out, kBlockFrames);
  return l;
}

float fadeGain(int i, bool out) {
  const float up = static_cast<float>(i + 1) * (1.0f / kBlockFrames);
  return out ? 1.0f - up : up;
}

} // namespace

TEST(VMMute, FadesOutPausesTheProgramAndFadesBackInWhereItStopped) {
  VM vm, reference; // reference runs a block whenever vm runs its program
  vm.loadProgram(sine());
  reference.loadProgram(sine());
  for (int b = 0; b < 3; ++b) EXPECT_EQ(block(vm), block(reference));

  vm.setMuted(true);
  const std::vector<float> ref = block(reference);
  float l[21][kBlockFrames], r[kBlockFrames];
  test::resetRtCounts();
  {
    AudioThreadScope audio;
    for (auto& b : l) {
      float* out[] = {b, r};
      vm.process(nullptr, out, kBlockFrames);
    }
  }
  EXPECT_EQ(test::rtCounts().total(), 0u);
  for (int i = 0; i < kBlockFrames; ++i) ASSERT_EQ(l[0][i], ref[i] * fadeGain(i, true)) << i;
  for (int b = 1; b < 21; ++b)
    for (float x : l[b]) ASSERT_EQ(x, 0.0f);

  vm.setMuted(false);
  const std::vector<float> out = block(vm), next = block(reference);
  float peak = 0;
  for (int i = 0; i < kBlockFrames; ++i) {
    ASSERT_EQ(out[i], next[i] * fadeGain(i, false)) << i << ": the sine goes on from where it was muted";
    peak = std::max(peak, std::fabs(next[i]));
  }
  EXPECT_GT(peak, 0.1f);
  EXPECT_EQ(block(vm), block(reference));
}

TEST(VMMute, AProgramSwappedInWhileMutedStartsAfreshWithoutACrossfade) {
  VM vm, fresh;
  vm.setCrossfade(50.0, FadeCurve::EqualPower);
  vm.loadProgram(sine());
  fresh.loadProgram(sine(2));
  for (int b = 0; b < 5; ++b) block(vm);
  vm.setMuted(true);
  block(vm); // the fade out
  block(vm);
  vm.scheduleNewProgram(sine(2));
  for (float x : block(vm)) ASSERT_EQ(x, 0.0f);
  EXPECT_EQ(vm.counters().generation.load(), 2u);
  EXPECT_FALSE(vm.isFading()) << "nothing to cross-fade from: the muted program made no sound";
  vm.setMuted(false);
  const std::vector<float> out = block(vm), ref = block(fresh);
  for (int i = 0; i < kBlockFrames; ++i) ASSERT_EQ(out[i], ref[i] * fadeGain(i, false)) << i << ": not the old sine's phase";
  EXPECT_EQ(block(vm), block(fresh));
}

TEST(VMMute, MutingDuringACrossfadeEndsIt) {
  VM vm;
  vm.setCrossfade(500.0, FadeCurve::EqualPower);
  vm.loadProgram(sine());
  block(vm);
  vm.scheduleNewProgram(sine(2));
  block(vm);
  ASSERT_TRUE(vm.isFading());
  vm.setMuted(true);
  block(vm);
  block(vm);
  EXPECT_FALSE(vm.isFading()) << "nothing runs while muted, the old program neither";
  vm.scheduleNewProgram(sine(3)); // and swaps still go through
  block(vm);
  EXPECT_EQ(vm.counters().generation.load(), 3u);
}
