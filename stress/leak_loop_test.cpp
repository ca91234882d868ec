// Load, run and swap patches hundreds of times, then tear everything down: the live program and
// module counters return to their baseline (and LeakSanitizer, in the ASan build, sees no leak).

#include "mvm/control/patch_manager.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "stress_support.h"

using namespace mvm;

namespace {
int loops() { return static_cast<int>(stress::envNumber("MVM_LEAK_LOOPS", 300)); }
} // namespace

TEST(LeakLoop, ProgramsAndModulesReturnToBaseline) {
  const long programs0 = gLiveProgramCount.load(), modules0 = gLiveModuleCount.load();
  // Real patches of every kind (voices, delays with feedback, noise), plus broken ones.
  const std::vector<std::string> patches = {stress::examplePatch("poly-subtractive.json"), stress::examplePatch("fm-bell.json"), stress::examplePatch("drums.json"),
                                            stress::examplePatch("delay-reverb.json"), stress::examplePatch("generative.json"), stress::sinePatch(330)};
  for (const auto& p : patches) ASSERT_FALSE(p.empty());
  const int n = loops();
  long peakPrograms = 0;
  int swapped = 0, failed = 0;
  for (int life = 0; life < 3; ++life) { // VM and PatchManager created and destroyed three times
    VM vm;
    vm.setCrossfade(2.0, FadeCurve::EqualPower);
    PatchManager pm(vm, CompileOptions{}, builtinModules());
    stress::OfflineAudio audio(vm);
    for (int i = 0; i < n / 3; ++i) {
      const bool broken = i % 9 == 8;
      SwapHandle h = broken ? pm.loadPatchFromString(R"({"modules": [{"id": "x", "type": "Nope"}]})", "broken.json")
                            : pm.loadPatchFromString(patches[static_cast<std::size_t>(i) % patches.size()], "p.json");
      const SwapState s = audio.runUntilFinal(h);
      ASSERT_TRUE(s == SwapState::Faded || s == SwapState::Failed || s == SwapState::Unchanged) << swapStateName(s);
      (s == SwapState::Failed ? failed : swapped)++;
      if (i % 5 == 0) pm.rollback();
      for (int b = 0; b < 8; ++b) audio.process();
      peakPrograms = std::max(peakPrograms, gLiveProgramCount.load() - programs0);
    }
    EXPECT_FALSE(audio.sawNonFinite());
  }
  std::printf("leak loop: %d swapped, %d failed; at most %ld programs alive at once; programs %ld -> %ld, modules %ld -> %ld\n",
              swapped, failed, peakPrograms, programs0, gLiveProgramCount.load(), modules0, gLiveModuleCount.load());
  EXPECT_GT(swapped, n / 2);
  EXPECT_GT(failed, 0);
  EXPECT_LE(peakPrograms, 4) << "retired programs pile up";
  EXPECT_EQ(gLiveProgramCount.load(), programs0);
  EXPECT_EQ(gLiveModuleCount.load(), modules0);
}
