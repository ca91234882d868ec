// Audio at full speed with a swap every second of audio; resident memory must not grow (less than
// 1 MB after warm-up). MVM_SOAK_SECONDS sets the length of audio (default 150 s; an hour in
// ci/nightly-stress).

#include "mvm/control/patch_manager.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "stress_support.h"

using namespace mvm;

TEST(OfflineSoak, SwapsEverySecondWithoutGrowingMemory) {
  const double seconds = stress::envNumber("MVM_SOAK_SECONDS", 150);
  const std::vector<std::string> patches = {stress::examplePatch("poly-subtractive.json"), stress::examplePatch("fm-bell.json"), stress::examplePatch("delay-reverb.json"),
                                            stress::sinePatch(220), stress::sinePatch(330)};
  VM vm;
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  stress::OfflineAudio audio(vm, 512);
  ASSERT_EQ(audio.runUntilFinal(pm.loadPatchFromString(patches[0])), SwapState::Faded);

  const auto blocksPerSecond = static_cast<std::uint64_t>(48000 / audio.frames());
  const auto totalSeconds = static_cast<std::uint64_t>(seconds);
  const std::uint64_t warmup = std::min<std::uint64_t>(20, totalSeconds / 4);
  std::size_t rssAfterWarmup = 0, rssMax = 0;
  std::uint64_t swaps = 0, notes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t s = 0; s < totalSeconds; ++s) {
    SwapHandle h = pm.loadPatchFromString(patches[(s + 1) % patches.size()], "soak.json"); // never the one playing
    for (std::uint64_t b = 0; b < blocksPerSecond; ++b) {
      if (b % 20 == 0) { // a note now and then, so the voices work
        Event e;
        e.type = (b / 20) % 2 ? EventType::NoteOff : EventType::NoteOn;
        e.frame = kFrameNow;
        e.key = static_cast<std::uint8_t>(48 + (s + b) % 24);
        e.value = 0.7f;
        notes += vm.postEvent(e);
      }
      audio.process();
    }
    // Offline, the compile may take longer than a second of audio: wait (processing) for the swap.
    if (audio.runUntilFinal(h) == SwapState::Faded) ++swaps;
    pm.setParam("g", "gain", 0.4f);
    if (s + 1 == warmup) rssAfterWarmup = stress::residentBytes();
    if (s + 1 > warmup) rssMax = std::max(rssMax, stress::residentBytes());
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double growthMb = (static_cast<double>(rssMax) - static_cast<double>(rssAfterWarmup)) / (1024.0 * 1024.0);
  std::printf("offline soak: %.0f s of audio in %.1f s (%.0fx real time), %llu swaps, %llu note events, RSS %.1f MB after warm-up, "
              "growth %.3f MB\n",
              seconds, wall, seconds / wall, static_cast<unsigned long long>(swaps), static_cast<unsigned long long>(notes),
              static_cast<double>(rssAfterWarmup) / (1024.0 * 1024.0), growthMb);
  EXPECT_EQ(swaps, totalSeconds);
  EXPECT_FALSE(audio.sawNonFinite());
  EXPECT_EQ(vm.counters().guardedBlocks.load(), 0u);
#if defined(MVM_SANITIZER_BUILD)
  // ASan's quarantine and TSan's shadow memory grow by design: the figure is printed, not judged.
#else
  EXPECT_LT(growthMb, 1.0);
#endif
}
