#include "mvm/control/patch_manager.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include <sys/stat.h>

#include "audio_driver.h"
#include "command.h"
#include "rt_probe.h"

using namespace mvm;
using namespace std::chrono_literals;

namespace {

std::string sine(const std::string& id, float freq, float amp = 0.5f) {
  return R"({"modules": [{"id": ")" + id + R"(", "type": "SineGen", "params": {"freq": )" + std::to_string(freq) +
         R"(, "amp": )" + std::to_string(amp) + R"(}}, {"id": "out", "type": "AudioOut"}],
         "connections": [{"from": ")" + id + R"(.out", "to": "out.left"}]})";
}

// A chain of `n` gains: big patches for background-compile tests.
std::string chain(int n) {
  std::string modules = R"({"id": "src", "type": "SineGen", "params": {"freq": 220}}, {"id": "out", "type": "AudioOut"})";
  std::string cables = R"({"from": "src.out", "to": "g0.in"}, {"from": "g)" + std::to_string(n - 1) + R"(.out", "to": "out.left"})";
  for (int i = 0; i < n; ++i) {
    modules += R"(, {"id": "g)" + std::to_string(i) + R"(", "type": "Gain", "params": {"gain": 1.0}})";
    if (i) cables += R"(, {"from": "g)" + std::to_string(i - 1) + R"(.out", "to": "g)" + std::to_string(i) + R"(.in"})";
  }
  return R"({"modules": [)" + modules + R"(], "connections": [)" + cables + "]}";
}

CompileOptions options() { return {}; }

} // namespace

TEST(PatchManager, LoadsSwapsAndFadesWhileAudioRuns) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  SwapHandle h = pm.loadPatchFromString(sine("osc", 440), "a.json");
  ASSERT_EQ(h.wait(), SwapState::Faded) << h.error();
  EXPECT_EQ(vm.program()->generation, h.generation());
  const SwapTimes t = h.times();
  EXPECT_LE(t.requestNs, t.compiledNs);
  EXPECT_LE(t.compiledNs, t.firstBlockNs);
  EXPECT_LE(t.firstBlockNs, t.fadeDoneNs);
  EXPECT_LE(t.firstBlockFrame, t.fadeDoneFrame);
  EXPECT_EQ(t.firstBlockFrame % kBlockFrames, 0u);
  EXPECT_LE(t.requestFrame, t.compiledFrame);
  EXPECT_LE(t.compiledFrame, t.firstBlockFrame);

  SwapHandle h2 = pm.loadPatchFromString(sine("osc", 880), "b.json");
  ASSERT_EQ(h2.wait(), SwapState::Faded);
  const SwapTimes t2 = h2.times();
  EXPECT_EQ(t2.fadeDoneFrame - t2.firstBlockFrame, vm.crossfadeFrames()); // 20 ms by default: 960 frames
  EXPECT_EQ(vm.crossfadeFrames(), 960u);
  EXPECT_EQ(pm.currentPatch()->source, "b.json");
  EXPECT_EQ(pm.previousPatch()->source, "a.json");
}

TEST(PatchManager, AFailedPatchLeavesTheRunningProgramAndNamesThePlace) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 440), "good.json").wait(), SwapState::Faded);
  const std::uint64_t generation = vm.counters().generation.load();
  SwapHandle bad = pm.loadPatchFromString(R"({"modules": [{"id": "osc", "type": "SineGen", "params": {"freq": -5}}]})", "bad.json");
  EXPECT_EQ(bad.wait(), SwapState::Failed);
  EXPECT_EQ(bad.error(), "bad.json: module \"osc\" parameter \"freq\": -5 is out of range [0.01, 20000] Hz");
  SwapHandle syntax = pm.loadPatchFromString("{\"modules\": [", "syntax.json");
  EXPECT_EQ(syntax.wait(), SwapState::Failed);
  EXPECT_NE(syntax.error().find("syntax.json:1:"), std::string::npos);
  SwapHandle missing = pm.loadPatch("/nonexistent.json");
  EXPECT_EQ(missing.wait(), SwapState::Failed);
  EXPECT_EQ(missing.error(), "/nonexistent.json: cannot open patch file (No such file or directory)");
  EXPECT_EQ(missing.failure().kind, SwapFailure::Kind::File);
  EXPECT_EQ(missing.failure().fileReason, FileError::Reason::NotFound);
  EXPECT_EQ(syntax.failure().kind, SwapFailure::Kind::Patch);
  EXPECT_EQ(syntax.failure().line, 1);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(vm.counters().generation.load(), generation);
  EXPECT_GT(audio.lastPeak(), 0.4f); // still playing
  EXPECT_EQ(pm.stats().failed, 3u);
}

// A load names a FIFO, a device or a directory: refused at once (opened without blocking), and a
// following valid load is not held up.
TEST(PatchManager, AFileThatIsNotRegularFailsAtOnceAndBlocksNothing) {
  VM vm(VMConfig{});
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  mvm::test::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  for (const std::string& p : {dir / "fifo.json", std::string("/dev/zero"), dir.path().string()}) {
    SwapHandle h = pm.loadPatch(p);
    EXPECT_EQ(h.wait(std::chrono::seconds(2)), SwapState::Failed) << p;
    EXPECT_EQ(h.failure().fileReason, FileError::Reason::NotRegular) << p;
    EXPECT_NE(h.error().find("only regular files are read"), std::string::npos) << h.error();
  }
  // Loads that pile up supersede each other at once: one text is held, not one per request.
  std::vector<SwapHandle> burst;
  for (int i = 0; i < 50; ++i) burst.push_back(pm.loadPatchFromString(sine("osc", 200.0 + i), "b.json"));
  EXPECT_EQ(burst.back().waitFor(SwapState::Scheduled), SwapState::Scheduled); // no audio runs: it stays scheduled
  for (std::size_t i = 0; i + 1 < burst.size(); ++i) EXPECT_EQ(burst[i].state(), SwapState::Superseded) << i;
}

TEST(PatchManager, RollbackRestoresThePreviousPatch) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  EXPECT_EQ(pm.rollback().wait(), SwapState::Failed); // nothing to roll back to yet
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 440), "a.json").wait(), SwapState::Faded);
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 660), "b.json").wait(), SwapState::Faded);
  SwapHandle back = pm.rollback();
  ASSERT_EQ(back.wait(), SwapState::Faded) << back.error();
  EXPECT_EQ(pm.currentPatch()->source, "a.json");
  EXPECT_EQ(vm.program()->module("osc")->initialParam(0), 440.0f);
  // Rolling back again returns to b: rollback toggles between the last two.
  ASSERT_EQ(pm.rollback().wait(), SwapState::Faded);
  EXPECT_EQ(pm.currentPatch()->source, "b.json");
}

TEST(PatchManager, TheNewestOfQueuedRequestsWins) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  ASSERT_EQ(pm.loadPatchFromString(chain(3000), "big.json").waitFor(SwapState::Compiling), SwapState::Compiling);
  std::vector<SwapHandle> handles;
  for (int i = 0; i < 5; ++i) handles.push_back(pm.loadPatchFromString(sine("osc", 200.0f + static_cast<float>(i) * 100), "q" + std::to_string(i)));
  EXPECT_EQ(handles.back().wait(), SwapState::Faded);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(handles[static_cast<std::size_t>(i)].wait(), SwapState::Superseded) << i;
  EXPECT_EQ(pm.currentPatch()->source, "q4");
}

TEST(PatchManager, ReloadingTheSamePatchSkipsTheSwap) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 440), "a.json").wait(), SwapState::Faded);
  const auto swaps = vm.counters().swaps.load();
  EXPECT_EQ(pm.loadPatchFromString(sine("osc", 440), "a-again.json").wait(), SwapState::Unchanged);
  EXPECT_EQ(vm.counters().swaps.load(), swaps);
}

// A module that takes 200 ms to prepare (as a big wavetable or reverb might): it stretches a
// compile far beyond a block period, so the test can watch the audio thread meanwhile.
class SlowToPrepare final : public DSPModule {
public:
  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{"SlowToPrepare", "Test", "Passes its input; prepare() takes 200 ms.", {{"in", true, ""}}, {{"out", true, ""}}, {}};
    return d;
  }
  void prepare() override { std::this_thread::sleep_for(200ms); }
  void process(const float** in, float** out) override {
    for (int c = 0; c < outputChannels(0); ++c) std::memcpy(DSPModule::out(out, 0, c), this->in(in, 0, c), sizeof(float) * kBlockFrames);
  }
};

TEST(PatchManager, BackgroundCompileOfALargePatchNeverStallsTheAudioThread) {
  ModuleRegistry registry = builtinModules();
  registry.add<SlowToPrepare>();
  VM vm;
  PatchManager pm(vm, options(), registry);
  test::AudioDriver audio(vm, 64); // a block every 1.33 ms
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 440), "small.json").wait(), SwapState::Faded);
  // 2,500 gains and the slow module between the chain and the output.
  std::string big = chain(2500);
  big.replace(big.find(R"({"id": "out", "type": "AudioOut"})"), 33, R"({"id": "out", "type": "AudioOut"}, {"id": "slow", "type": "SlowToPrepare"})");
  big.replace(big.find(R"(.out", "to": "out.left"})"), 24, R"(.out", "to": "slow.in"}, {"from": "slow.out", "to": "out.left"})");
  const std::uint64_t before = audio.callbacks();
  SwapHandle h = pm.loadPatchFromString(big, "big.json");
  // Compiled: scheduled, or already swapped in when this thread wakes late (a loaded machine).
  const SwapState compiled = h.waitFor(SwapState::Scheduled, 30s);
  ASSERT_TRUE(compiled == SwapState::Scheduled || compiled == SwapState::Swapped || compiled == SwapState::Faded)
      << swapStateName(compiled) << ": " << h.error();
  const std::uint64_t duringCompile = audio.callbacks() - before;
  ASSERT_EQ(h.wait(30s), SwapState::Faded) << h.error();
  EXPECT_EQ(vm.program()->modules.size(), 2503u);
  const SwapTimes t = h.times();
  // The audio thread kept its schedule while the patch compiled: the VM's clock advanced by about
  // one block per 1.33 ms of the compile. The margin allows for this shared machine's own stalls
  // (stalls of up to ~50 ms are seen on it); a compile that blocked the audio thread would give ~0.
  const double compileMs = t.compileMs();
  const double expectedBlocks = compileMs / (64.0 / 48.0);
  ASSERT_GE(compileMs, 200.0);
  EXPECT_GE(static_cast<double>(t.compiledFrame - t.requestFrame) / 64.0, 0.8 * expectedBlocks - 40) << compileMs << " ms";
  EXPECT_GE(static_cast<double>(duringCompile), 0.8 * expectedBlocks - 40);
  // Every callback processed its frames: the VM's clock is exactly callbacks x 64 frames.
  audio.stop();
  EXPECT_EQ(vm.framesOutput(), audio.callbacks() * 64);
  std::printf("2,503-module patch: compile %.1f ms (%.0f blocks due, %llu frames computed meanwhile), request to first block %.1f ms, "
              "%llu callbacks, %llu late, max callback %.3f ms\n",
              compileMs, expectedBlocks, static_cast<unsigned long long>(t.compiledFrame - t.requestFrame), t.audibleMs(),
              static_cast<unsigned long long>(audio.callbacks()), static_cast<unsigned long long>(audio.lateCallbacks()), audio.maxCallbackMs());
}

// The control side reads the playing patch's meters while audio runs; after a swap, the new
// patch's (a meter that persists by id keeps its slot and its held peak).
TEST(PatchManager, MeterLevelsAreReadFromThePatchPlaying) {
  const auto metered = [](float amp) {
    return R"({"modules": [{"id": "osc", "type": "SineGen", "params": {"freq": 1000, "amp": )" + std::to_string(amp) +
           R"(}}, {"id": "vu", "type": "Meter", "params": {"window": 0.02, "release": 1.0}}],
           "connections": [{"from": "osc.out", "to": "vu.in"}]})";
  };
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  EXPECT_TRUE(pm.meterLevels().empty());
  ASSERT_EQ(pm.loadPatchFromString(metered(0.5f)).wait(), SwapState::Faded);
  std::this_thread::sleep_for(300ms);
  auto levels = pm.meterLevels();
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(levels[0].id, "vu");
  EXPECT_NEAR(levels[0].reading.rms, 0.354f, 0.01f);
  ASSERT_EQ(pm.loadPatchFromString(metered(0.1f)).wait(), SwapState::Faded);
  std::this_thread::sleep_for(300ms);
  levels = pm.meterLevels();
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_NEAR(levels[0].reading.rms, 0.0707f, 0.005f);
  EXPECT_NEAR(levels[0].reading.peak, 0.1f, 0.005f);
  EXPECT_NEAR(levels[0].reading.peakHold, 0.5f, 0.01f);
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 440)).wait(), SwapState::Faded);
  EXPECT_TRUE(pm.meterLevels().empty());
}

TEST(PatchManager, LiveParametersSurviveASwapUnlessThePatchChangesThem) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 440)).wait(), SwapState::Faded);
  ASSERT_TRUE(pm.setParam("osc", "freq", 550.0f, 0.0));
  std::this_thread::sleep_for(20ms);
  ASSERT_EQ(pm.loadPatchFromString(sine("osc", 440, 0.3f)).wait(), SwapState::Faded);
  std::this_thread::sleep_for(20ms);
  audio.stop();
  const Program& p = *vm.program();
  const ParamSlot& freq = p.params[static_cast<std::size_t>(p.findParamSlot(fnv1a64("osc"), fnv1a64("freq")))];
  EXPECT_EQ(freq.smoother.target(), 550.0f);
}

TEST(PatchManager, HundredsOfLoadsLeaveProgramsAndModulesAtTheBaseline) {
  const long programs = gLiveProgramCount.load(), modules = gLiveModuleCount.load();
  {
    VM vm;
    vm.setCrossfade(2.0, FadeCurve::EqualPower);
    PatchManager pm(vm, options(), builtinModules());
    test::AudioDriver audio(vm, 64);
    for (int i = 0; i < 300; ++i) {
      SwapHandle h = pm.loadPatchFromString(sine(i % 2 ? "osc" : "alt", 100.0f + static_cast<float>(i)), "p" + std::to_string(i));
      if (i % 10 == 9) {
        ASSERT_EQ(h.wait(), SwapState::Faded) << i;
      }
      if (i % 25 == 0) pm.loadPatchFromString("{broken", "broken.json");
    }
    for (int k = 0; k < 200 && pm.inFlight() > 0; ++k) std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(10ms);
    EXPECT_LE(gLiveProgramCount.load() - programs, 2);
  }
  EXPECT_EQ(gLiveProgramCount.load(), programs);
  EXPECT_EQ(gLiveModuleCount.load(), modules);
}

TEST(PatchManager, TheAudioThreadNeverAllocatesWhilePatchesAndParametersChange) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::resetRtCounts();
  {
    test::AudioDriver audio(vm, 64);
    for (int i = 0; i < 40; ++i) {
      pm.loadPatchFromString(sine(i % 3 ? "osc" : "alt", 300.0f + static_cast<float>(i)), "p" + std::to_string(i)).wait();
      pm.setParam("osc", "amp", 0.1f * static_cast<float>(i % 5));
      if (i % 7 == 0) pm.loadPatchFromString("{nope", "bad.json").wait();
      if (i % 11 == 0) pm.rollback().wait();
    }
  }
  EXPECT_EQ(test::rtCounts().allocations, 0u);
  EXPECT_EQ(test::rtCounts().deallocations, 0u);
}

TEST(PatchManager, SeveralControlThreadsAtOnce) {
  VM vm;
  PatchManager pm(vm, options(), builtinModules());
  test::AudioDriver audio(vm, 128);
  std::vector<std::thread> threads;
  std::atomic<int> final{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        SwapHandle h = pm.loadPatchFromString(sine("osc", 100.0f * static_cast<float>(t + 1) + static_cast<float>(i)));
        pm.setParam("osc", "amp", 0.3f);
        if (SwapHandle::isFinal(h.wait())) final.fetch_add(1);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(final.load(), 80); // every request ended: faded, unchanged or superseded
}
