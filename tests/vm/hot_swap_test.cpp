// Hot swap in the VM: block-boundary pickup, crossfade, state carry-over, live parameters,
// deferral during a fade, retirement, and no allocation on the audio thread throughout.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mvm/mvm.h"
#include "rt_probe.h"
#include "signal_analysis.h"

using namespace mvm;

namespace {

std::unique_ptr<Program> compile(const std::string& json, std::uint64_t generation = 0) {
  auto p = Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, "<test>"));
  p->generation = generation;
  return p;
}

std::string sine(const std::string& id, float freq, float amp = 0.5f) {
  return R"({"modules": [{"id": ")" + id + R"(", "type": "SineGen", "params": {"freq": )" + std::to_string(freq) +
         R"(, "amp": )" + std::to_string(amp) + R"(}}, {"id": "out", "type": "AudioOut"}],
         "connections": [{"from": ")" + id + R"(.out", "to": "out.left"}]})";
}

// Runs `frames` frames in host buffers of `block` and appends the left channel to `out`.
void run(VM& vm, std::vector<float>& out, std::size_t frames, int block = 128) {
  std::vector<float> l(static_cast<std::size_t>(block)), r(static_cast<std::size_t>(block));
  float* ch[] = {l.data(), r.data()};
  for (std::size_t done = 0; done < frames;) {
    const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(block), frames - done));
    vm.process(nullptr, ch, n);
    out.insert(out.end(), l.begin(), l.begin() + n);
    done += static_cast<std::size_t>(n);
  }
  vm.collectRetired();
}

Event paramSet(const char* module, const char* param, float value) {
  Event e;
  e.type = EventType::ParamSet;
  e.frame = kFrameNow;
  e.moduleKey = fnv1a64(module);
  e.paramKey = fnv1a64(param);
  e.value = value;
  return e;
}

} // namespace

TEST(HotSwap, SameModuleIdKeepsThePhase440To880WithoutADiscontinuity) {
  struct Fade {
    double ms;
    FadeCurve curve;
    double bound; // times the signal's own largest step
  };
  // An equal-power fade of two correlated signals swells mid-fade (by 7.5 % here: the old 440 Hz
  // and the new sine gliding from it to 880 Hz stay nearly in phase); the others may not.
  for (Fade f : {Fade{0.0, FadeCurve::EqualPower, 1.0001}, Fade{20.0, FadeCurve::Linear, 1.0001},
                 Fade{20.0, FadeCurve::EqualPower, 1.1}}) {
    const double fadeMs = f.ms;
    VM vm;
    vm.setCrossfade(fadeMs, f.curve);
    vm.loadProgram(compile(sine("osc", 440)));
    std::vector<float> y;
    run(vm, y, 24064);
    EXPECT_FALSE(vm.scheduleNewProgram(compile(sine("osc", 880), 1)));
    run(vm, y, 24000);
    EXPECT_EQ(vm.counters().swaps.load(), 1u);
    EXPECT_NEAR(test::estimateFrequency(y, 48000, 1000, 24000), 440.0, 0.01);
    EXPECT_NEAR(test::estimateFrequency(y, 48000, 24064 + 2400, 48064), 880.0, 0.01);
    // No step at the swap larger than the 880 Hz signal's own largest sample-to-sample step.
    const double ownStep = test::maxStep(y, 30000, 48064);
    EXPECT_LE(test::maxStep(y, 24000, 24064 + 1200), ownStep * f.bound) << "fade " << fadeMs;
    // Right at the swap, whatever the curve, no step beyond the signal's own.
    EXPECT_LE(test::maxStep(y, 24000, 24064 + 64), ownStep * 1.0001) << "fade " << fadeMs;
  }
}

TEST(HotSwap, AModuleWhoseTypeChangesStartsFresh) {
  // "osc" is a SineGen, then a SawOsc: same id, another type, so no state is carried over. After
  // a hard switch the output equals a fresh SawOsc's from its first frame.
  const std::string saw = R"({"modules": [{"id": "osc", "type": "SawOsc", "params": {"freq": 330}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "osc.out", "to": "out.left"}]})";
  VM vm;
  vm.setCrossfade(0, FadeCurve::EqualPower);
  vm.loadProgram(compile(sine("osc", 440)));
  std::vector<float> y;
  run(vm, y, 4800, 64);
  vm.scheduleNewProgram(compile(saw, 1));
  run(vm, y, 4800, 64);
  VM fresh;
  fresh.loadProgram(compile(saw));
  std::vector<float> x;
  run(fresh, x, 4800, 64);
  ASSERT_EQ(y.size(), 9600u);
  for (std::size_t n = 0; n < 4800; ++n) ASSERT_EQ(y[4800 + n], x[n]) << n;
}

TEST(HotSwap, WithoutCarryOverAHardSwitchJumps) {
  // The control for the test above: a new id starts at phase 0, so the hard switch clicks.
  VM vm;
  vm.setCrossfade(0, FadeCurve::EqualPower);
  vm.loadProgram(compile(sine("osc", 440)));
  std::vector<float> y;
  run(vm, y, 24064);
  vm.scheduleNewProgram(compile(sine("other", 880), 1));
  run(vm, y, 4800);
  EXPECT_GT(test::maxStep(y, 24060, 24070), 3 * test::maxStep(y, 25000, 28000));
}

TEST(HotSwap, SwapLandsOnABlockBoundaryAndTheOldProgramKeepsRunningThroughTheFade) {
  VM vm;
  vm.setCrossfade(10.0, FadeCurve::Linear); // 480 frames
  vm.loadProgram(compile(sine("a", 100)));
  std::vector<float> y;
  run(vm, y, 1000, 100); // mid-block: 1000 is not a multiple of 64
  auto next = compile(sine("b", 100, 0.0f), 7);
  vm.scheduleNewProgram(std::move(next));
  run(vm, y, 2000, 100);
  SwapStatus first, done;
  ASSERT_TRUE(vm.popSwapStatus(first));
  ASSERT_TRUE(vm.popSwapStatus(done));
  EXPECT_EQ(first.kind, SwapStatus::Kind::FirstBlock);
  EXPECT_EQ(first.generation, 7u);
  EXPECT_EQ(first.frame, 1024u); // the first block boundary after the schedule
  EXPECT_EQ(done.generation, 7u);
  EXPECT_EQ(done.kind, SwapStatus::Kind::FadeDone);
  EXPECT_EQ(done.frame - first.frame, 480u); // the fade's exact length
  EXPECT_LE(first.ns, done.ns);
  // The old sine fades out linearly over the 480 frames; after that the new one is silent.
  VM ref;
  ref.loadProgram(compile(sine("a", 100)));
  std::vector<float> x;
  run(ref, x, 3000, 100);
  for (std::size_t n = 1024; n < 1024 + 480; ++n)
    ASSERT_NEAR(y[n], x[n] * (1.0f - static_cast<float>(n - 1024 + 1) / 480.0f), 1e-6f) << n;
  for (std::size_t n = 1024 + 480; n < 3000; ++n) ASSERT_EQ(y[n], 0.0f) << n;
  EXPECT_EQ(vm.collectRetired() + 0, 0u); // already collected by run()
}

TEST(HotSwap, EqualPowerGainsMeasuredFromTheOutput) {
  // Old program: a held voice's velocity (DC 1) to the output. New: silence (and vice versa).
  const std::string dc = R"({"modules": [{"id": "vc", "type": "VoiceController", "params": {"voices": 1}},
      {"id": "out", "type": "AudioOut"}], "connections": [{"from": "vc.velocity", "to": "out.left"}]})";
  const std::string quiet = R"({"modules": [{"id": "vc", "type": "VoiceController", "params": {"voices": 1}}]})";
  std::vector<float> oldGain, newGain;
  for (int which = 0; which < 2; ++which) {
    VM vm;
    vm.setCrossfade(20.0, FadeCurve::EqualPower); // 960 frames
    vm.loadProgram(compile(which == 0 ? dc : quiet));
    Event on;
    on.type = EventType::NoteOn;
    on.frame = 0;
    on.key = 60;
    on.value = 1.0f;
    vm.postEvent(on);
    std::vector<float> y;
    run(vm, y, 640, 64);
    vm.scheduleNewProgram(compile(which == 0 ? quiet : dc, 1)); // the voice's state carries over
    run(vm, y, 1280, 64);
    (which == 0 ? oldGain : newGain).assign(y.begin() + 640, y.begin() + 640 + 960);
  }
  for (std::size_t i = 0; i < 960; ++i) {
    ASSERT_NEAR(oldGain[i] * oldGain[i] + newGain[i] * newGain[i], 1.0f, 1e-6f) << i;
    if (i) {
      ASSERT_LE(oldGain[i], oldGain[i - 1]);
      ASSERT_GE(newGain[i], newGain[i - 1]);
    }
  }
  EXPECT_EQ(newGain[959], 1.0f);
}

TEST(HotSwap, ModuleStateCarriesOverByIdAndType) {
  // ADSR mid-decay and voice allocation persist; a module whose type changes starts fresh.
  const std::string a = R"({"modules": [{"id": "vc", "type": "VoiceController", "params": {"voices": 2}},
      {"id": "env", "type": "ADSR", "params": {"attack": 0.001, "decay": 0.5, "sustain": 0.2}},
      {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "vc.gate", "to": "env.gate"}, {"from": "env.env", "to": "out.left"}]})";
  VM vm;
  vm.setCrossfade(0, FadeCurve::EqualPower);
  vm.loadProgram(compile(a));
  Event on;
  on.type = EventType::NoteOn;
  on.frame = 0;
  on.key = 64;
  on.value = 1;
  vm.postEvent(on);
  std::vector<float> y;
  run(vm, y, 4800, 64);
  vm.scheduleNewProgram(compile(a, 1));
  run(vm, y, 640, 64);
  auto* vc = static_cast<modules::VoiceController*>(vm.program()->module("vc"));
  EXPECT_EQ(vm.program()->generation, 1u);
  EXPECT_EQ(vc->activeVoices(), 1);
  EXPECT_EQ(vc->voiceNote(0), 64);
  // The envelope keeps decaying from where it was: no restart, no jump.
  for (std::size_t n = 4801; n < y.size(); ++n) ASSERT_LT(y[n], y[n - 1] + 1e-7f) << n;
  EXPECT_GT(y.back(), 0.2f);
}

TEST(HotSwap, LiveParameterValuesSurviveUnlessTheNewPatchChangesThem) {
  VM vm;
  vm.setCrossfade(0, FadeCurve::EqualPower);
  vm.loadProgram(compile(sine("osc", 440)));
  vm.postEvent(paramSet("osc", "freq", 550.0f));
  std::vector<float> y;
  run(vm, y, 9600);
  // Same patch value (440) in the new patch: the live 550 stays.
  vm.scheduleNewProgram(compile(sine("osc", 440, 0.25f), 1));
  run(vm, y, 9600);
  EXPECT_NEAR(test::estimateFrequency(y, 48000, 10000, 19200), 550.0, 0.05);
  // The next patch gives freq a new value (660): it wins, reached by a glide.
  vm.scheduleNewProgram(compile(sine("osc", 660, 0.25f), 2));
  run(vm, y, 9600);
  EXPECT_NEAR(test::estimateFrequency(y, 48000, 20000, 28800), 660.0, 0.05);
}

TEST(HotSwap, ASwapRequestedDuringAFadeWaitsForItAndTheNewestWins) {
  VM vm;
  vm.setCrossfade(50.0, FadeCurve::EqualPower); // 2400 frames
  vm.loadProgram(compile(sine("a", 100)));
  std::vector<float> y;
  run(vm, y, 640);
  vm.scheduleNewProgram(compile(sine("b", 200), 1));
  run(vm, y, 640); // fading
  EXPECT_TRUE(vm.isFading());
  EXPECT_FALSE(vm.scheduleNewProgram(compile(sine("c", 300), 2)));
  auto replaced = vm.scheduleNewProgram(compile(sine("d", 400), 3)); // c was never picked up
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->generation, 2u);
  run(vm, y, 640);
  EXPECT_EQ(vm.program()->generation, 1u); // still fading b in
  EXPECT_GT(vm.counters().deferredSwaps.load(), 0u);
  run(vm, y, 4800);
  EXPECT_EQ(vm.program()->generation, 3u); // d, after b's fade finished
  EXPECT_EQ(vm.counters().swaps.load(), 2u);
}

TEST(HotSwap, FeedbackDelayContentsCarryOver) {
  const std::string fb = R"({"modules": [{"id": "s", "type": "SineGen", "params": {"freq": 300, "amp": 0.3}},
      {"id": "a", "type": "Gain"}, {"id": "b", "type": "Gain", "params": {"gain": 0.5}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "s.out", "to": "a.in"}, {"from": "a.out", "to": "b.in"}, {"from": "b.out", "to": "a.in"},
                      {"from": "a.out", "to": "out.left"}]})";
  VM swapped, straight;
  swapped.setCrossfade(0, FadeCurve::EqualPower);
  swapped.loadProgram(compile(fb));
  straight.loadProgram(compile(fb));
  std::vector<float> y, x;
  run(swapped, y, 6400);
  swapped.scheduleNewProgram(compile(fb, 1));
  run(swapped, y, 6400);
  run(straight, x, 12800);
  EXPECT_EQ(y, x); // the recompiled program continues exactly: module state and delay line kept
}

TEST(HotSwap, RetiredProgramsAndModulesAreFreedBackToTheBaseline) {
  const long programs = gLiveProgramCount.load(), modules = gLiveModuleCount.load();
  {
    VM vm;
    vm.setCrossfade(1.0, FadeCurve::EqualPower);
    vm.loadProgram(compile(sine("osc", 440)));
    std::vector<float> y;
    for (int i = 0; i < 300; ++i) {
      vm.scheduleNewProgram(compile(sine(i % 3 ? "osc" : "other", 440.0f + static_cast<float>(i)), static_cast<std::uint64_t>(i + 1)));
      y.clear();
      run(vm, y, 128);
    }
    EXPECT_EQ(vm.counters().swaps.load(), 300u);
    EXPECT_LE(gLiveProgramCount.load() - programs, 2); // current, and one fading at most
  }
  EXPECT_EQ(gLiveProgramCount.load(), programs);
  EXPECT_EQ(gLiveModuleCount.load(), modules);
}

TEST(HotSwap, NoAllocationOnTheAudioThreadAcrossSwapsFadesParametersAndRetirement) {
  VM vm;
  vm.setCrossfade(5.0, FadeCurve::EqualPower);
  vm.loadProgram(compile(sine("osc", 440)));
  std::vector<std::unique_ptr<Program>> next;
  for (int i = 0; i < 50; ++i) next.push_back(compile(sine(i % 2 ? "osc" : "alt", 300.0f + static_cast<float>(i) * 7), static_cast<std::uint64_t>(i + 1)));
  std::vector<float> l(96), r(96);
  float* ch[] = {l.data(), r.data()};
  test::resetRtCounts();
  for (int i = 0; i < 50; ++i) {
    vm.scheduleNewProgram(std::move(next[static_cast<std::size_t>(i)]));
    for (int k = 0; k < 10; ++k) {
      vm.postEvent(paramSet("osc", "freq", 200.0f + static_cast<float>(k)));
      vm.process(nullptr, ch, 96);
    }
    vm.collectRetired(); // control side, outside the audio thread
  }
  EXPECT_EQ(test::rtCounts().allocations, 0u);
  EXPECT_EQ(test::rtCounts().deallocations, 0u);
  EXPECT_GE(vm.counters().swaps.load(), 40u);
}
