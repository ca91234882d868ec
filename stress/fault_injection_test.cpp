// Faults injected while audio runs: a compile failure during a fade, std::bad_alloc on the compile
// thread, a full event queue, a module that outputs NaN. In each case the running audio continues,
// the fault is reported or counted, and nothing that was accepted is lost.

#include "mvm/control/patch_manager.h"

#include <gtest/gtest.h>

#include <limits>
#include <new>

#include "stress_support.h"

using namespace mvm;

namespace {

// Test modules, registered next to the built-ins in a registry of the test's own.
class NaNGen final : public DSPModule {
public:
  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{"NaNGen", "Test", "Outputs NaN.", {}, {{"out", false, "NaN"}}, {}};
    return d;
  }
  void process(const float**, float** outputs) override {
    float* y = out(outputs, 0, 0);
    for (int i = 0; i < kBlockFrames; ++i) y[i] = std::numeric_limits<float>::quiet_NaN();
  }
};

// Preparing it runs out of memory: the compile thread's allocation failure, injected.
class OutOfMemory final : public DSPModule {
public:
  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{"OutOfMemory", "Test", "Fails to allocate when prepared.", {}, {{"out", false, "silence"}}, {}};
    return d;
  }
  void prepare() override { throw std::bad_alloc(); }
  void process(const float**, float** outputs) override { std::fill_n(out(outputs, 0, 0), kBlockFrames, 0.0f); }
};

const ModuleRegistry& testModules() {
  static const ModuleRegistry r = [] {
    ModuleRegistry copy = builtinModules();
    copy.add<NaNGen>();
    copy.add<OutOfMemory>();
    return copy;
  }();
  return r;
}

std::string single(const std::string& type) {
  return R"({"modules": [{"id": "x", "type": ")" + type + R"("}, {"id": "out", "type": "AudioOut"}],
             "connections": [{"from": "x.out", "to": "out.left"}, {"from": "x.out", "to": "out.right"}]})";
}

} // namespace

TEST(FaultInjection, CompileFailureDuringAFadeLeavesTheFadeToFinish) {
  VM vm;
  vm.setCrossfade(500.0, FadeCurve::EqualPower); // 375 blocks of 64 frames: long enough to fail inside it
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  stress::OfflineAudio audio(vm, 64);
  ASSERT_EQ(audio.runUntilFinal(pm.loadPatchFromString(stress::sinePatch(220))), SwapState::Faded);
  SwapHandle b = pm.loadPatchFromString(stress::sinePatch(440), "b.json");
  // One block at a time, giving the manager's thread (which turns reports into states every 2 ms)
  // time to see each: offline, the whole fade would otherwise pass between two of its looks.
  while (b.state() != SwapState::Swapped && !b.finished()) {
    audio.process();
    b.waitFor(SwapState::Swapped, std::chrono::milliseconds(1));
  }
  ASSERT_EQ(b.state(), SwapState::Swapped);
  ASSERT_TRUE(vm.isFading());
  SwapHandle bad = pm.loadPatchFromString(R"({"modules": [{"id": "osc", "type": "SineGen", "params": {"freq": 1e9}}]})", "bad.json");
  float peakDuringFade = 0;
  for (int i = 0; i < 10; ++i) peakDuringFade = std::max(peakDuringFade, audio.process());
  while (!bad.finished()) {
    peakDuringFade = std::max(peakDuringFade, audio.process());
    bad.wait(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(bad.state(), SwapState::Failed);
  EXPECT_EQ(bad.error(), "bad.json: module \"osc\" parameter \"freq\": 1e+09 is out of range [0.01, 20000] Hz");
  EXPECT_TRUE(vm.isFading()) << "the failure came after the fade ended: the test proves nothing";
  EXPECT_EQ(audio.runUntilFinal(b), SwapState::Faded);
  EXPECT_EQ(b.times().fadeDoneFrame - b.times().firstBlockFrame, vm.crossfadeFrames()); // the fade ran its full length
  EXPECT_EQ(vm.program()->generation, b.generation());
  EXPECT_GT(peakDuringFade, 0.1f);
  EXPECT_GT(audio.process(), 0.1f);
  EXPECT_EQ(pm.stats().failed, 1u);
}

TEST(FaultInjection, BadAllocOnTheCompileThreadIsReported) {
  VM vm;
  vm.setCrossfade(0.0, FadeCurve::Linear);
  PatchManager pm(vm, CompileOptions{}, testModules());
  stress::OfflineAudio audio(vm, 64);
  ASSERT_EQ(audio.runUntilFinal(pm.loadPatchFromString(stress::sinePatch(220))), SwapState::Faded);
  const std::uint64_t generation = vm.counters().generation.load();
  const long programs = gLiveProgramCount.load(), modules = gLiveModuleCount.load();
  SwapHandle h = pm.loadPatchFromString(single("OutOfMemory"), "oom.json");
  float peak = 0;
  while (!h.finished()) peak = std::max(peak, audio.process());
  EXPECT_EQ(h.state(), SwapState::Failed);
  EXPECT_EQ(h.error(), "oom.json: out of memory while compiling");
  EXPECT_EQ(vm.counters().generation.load(), generation);
  EXPECT_GT(std::max(peak, audio.process()), 0.1f); // still the sine
  EXPECT_EQ(gLiveProgramCount.load(), programs) << "the half-built program leaked";
  EXPECT_EQ(gLiveModuleCount.load(), modules);
  // and the manager still works
  EXPECT_EQ(audio.runUntilFinal(pm.loadPatchFromString(stress::sinePatch(330))), SwapState::Faded);
}

TEST(FaultInjection, AFullEventQueueRejectsAndCountsWithoutLosingAcceptedEvents) {
  VM vm;
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  stress::OfflineAudio audio(vm, 64);
  ASSERT_EQ(audio.runUntilFinal(pm.loadPatchFromString(stress::sinePatch(220))), SwapState::Faded);
  // No audio runs while the queue fills: parameter events for a parameter no module has, one per
  // frame from now on, so each accepted one is later counted exactly once as unmatched.
  const std::uint64_t start = vm.framesComputed() + 64, extra = 500;
  std::uint64_t accepted = 0, rejected = 0;
  for (std::uint64_t i = 0; i < VM::kEventQueueCapacity + extra; ++i) {
    Event e;
    e.type = EventType::ParamSet;
    e.frame = start + i;
    e.moduleKey = fnv1a64("nobody");
    e.paramKey = fnv1a64("nothing");
    (vm.postEvent(e) ? accepted : rejected)++;
  }
  EXPECT_GE(rejected, extra);
  EXPECT_EQ(vm.counters().rejectedEvents.load(), rejected);
  EXPECT_EQ(accepted + rejected, VM::kEventQueueCapacity + extra);
  // A live parameter change still gets through once the audio thread drains the queue.
  const std::uint64_t unmatched0 = vm.counters().unmatchedEvents.load();
  for (std::uint64_t b = 0; b < (accepted + 64) / 64 + 2; ++b) audio.process();
  EXPECT_EQ(vm.counters().unmatchedEvents.load() - unmatched0, accepted);
  EXPECT_EQ(vm.counters().droppedEvents.load(), 0u);
  EXPECT_TRUE(pm.setParam("g", "gain", 0.0f, 0.0));
  for (int b = 0; b < 4; ++b) audio.process();
  EXPECT_EQ(audio.process(), 0.0f) << "the parameter change after the overflow was lost";
}

TEST(FaultInjection, NaNOutputIsSilencedAndCountedAndTheNextPatchRecovers) {
  VM vm;
  vm.setCrossfade(5.0, FadeCurve::EqualPower);
  PatchManager pm(vm, CompileOptions{}, testModules());
  stress::OfflineAudio audio(vm, 64);
  ASSERT_EQ(audio.runUntilFinal(pm.loadPatchFromString(stress::sinePatch(220))), SwapState::Faded);
  EXPECT_EQ(vm.counters().guardedBlocks.load(), 0u);
  ASSERT_EQ(audio.runUntilFinal(pm.loadPatchFromString(single("NaNGen"), "nan.json")), SwapState::Faded);
  float peak = 0;
  for (int b = 0; b < 50; ++b) peak = std::max(peak, audio.process());
  const std::uint64_t guarded = vm.counters().guardedBlocks.load();
  EXPECT_GE(guarded, 50u);
  EXPECT_EQ(peak, 0.0f);
  EXPECT_FALSE(audio.sawNonFinite()) << "NaN reached the host buffer";
  ASSERT_EQ(audio.runUntilFinal(pm.loadPatchFromString(stress::sinePatch(330), "recover.json")), SwapState::Faded);
  const std::uint64_t guardedAfterSwap = vm.counters().guardedBlocks.load();
  for (int b = 0; b < 20; ++b) peak = std::max(peak, audio.process());
  EXPECT_GT(peak, 0.1f);
  EXPECT_EQ(vm.counters().guardedBlocks.load(), guardedAfterSwap) << "the recovered patch is still silenced";
  EXPECT_FALSE(audio.sawNonFinite());
}
