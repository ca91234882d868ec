#include "mvm/vm/vm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include "mvm/mvm.h"
#include "mvm/vm/session_tap.h"
#include "audio_driver.h"
#include "render_helpers.h"
#include "rt_probe.h"
#include "signal_analysis.h"

using namespace mvm;

namespace {

std::unique_ptr<Program> compile(const std::string& json, double rate = 48000) {
  CompileOptions o;
  o.sampleRate = rate;
  return Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, "<test>"), o);
}

// Runs the VM for `frames` frames in host buffers of `block` frames; returns the left channel.
std::vector<float> run(VM& vm, std::size_t frames, int block) {
  std::vector<float> out;
  std::vector<float> l(static_cast<std::size_t>(block)), r(static_cast<std::size_t>(block));
  float* ch[] = {l.data(), r.data()};
  while (out.size() < frames) {
    const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(block), frames - out.size()));
    vm.process(nullptr, ch, n);
    out.insert(out.end(), l.begin(), l.begin() + n);
  }
  return out;
}

const std::string kPoly = R"({"seed": 7, "modules": [
    {"id": "vc", "type": "VoiceController", "params": {"voices": 4}},
    {"id": "osc", "type": "SineGen", "params": {"freq": 261.6256}},
    {"id": "env", "type": "ADSR", "params": {"attack": 0.005, "decay": 0.05, "sustain": 0.5, "release": 0.1}},
    {"id": "vca", "type": "Gain", "params": {"gain": 0}},
    {"id": "out", "type": "AudioOut", "params": {"level": 0.25}}],
    "connections": [{"from": "vc.pitch", "to": "osc.pitch"}, {"from": "vc.gate", "to": "env.gate"},
                    {"from": "osc.out", "to": "vca.in"}, {"from": "env.env", "to": "vca.gain"},
                    {"from": "vca.out", "to": "out.left"}]})";

Event note(EventType type, std::uint64_t frame, int key, float velocity = 1.0f) {
  Event e;
  e.type = type;
  e.frame = frame;
  e.key = static_cast<std::uint8_t>(key);
  e.value = velocity;
  return e;
}

Event paramSet(std::uint64_t frame, const char* module, const char* param, float value, std::int32_t ramp = kDefaultRamp) {
  Event e;
  e.type = EventType::ParamSet;
  e.frame = frame;
  e.moduleKey = fnv1a64(module);
  e.paramKey = fnv1a64(param);
  e.value = value;
  e.rampFrames = ramp;
  return e;
}

} // namespace

TEST(VM, SilentWithoutAProgram) {
  VM vm;
  for (float x : run(vm, 300, 100)) ASSERT_EQ(x, 0.0f);
}

TEST(VM, OutputDoesNotDependOnTheHostBufferSize) {
  std::vector<float> reference;
  for (int block : {64, 1, 63, 100, 512, 4096}) {
    VM vm;
    vm.loadProgram(compile(kPoly));
    // Events posted up front, all inside the pending capacity.
    for (int k = 0; k < 12; ++k) {
      vm.postEvent(note(EventType::NoteOn, static_cast<std::uint64_t>(1000 + 2011 * k), 60 + k));
      vm.postEvent(note(EventType::NoteOff, static_cast<std::uint64_t>(4000 + 2011 * k), 60 + k));
    }
    vm.postEvent(paramSet(9999, "out", "level", 0.5f));
    auto out = run(vm, 48000, block);
    if (reference.empty()) reference = out;
    ASSERT_EQ(0, std::memcmp(out.data(), reference.data(), out.size() * sizeof(float))) << "host block " << block;
  }
  EXPECT_GT(test::peak(reference), 0.05);
}

TEST(VM, ParameterEventAppliesAtItsExactFrame) {
  VM vm;
  vm.loadProgram(compile(R"({"modules": [{"id": "s", "type": "SineGen", "params": {"freq": 1000}},
      {"id": "g", "type": "Gain", "params": {"gain": 1}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "s.out", "to": "g.in"}, {"from": "g.out", "to": "out.left"}]})"));
  VM ref;
  ref.loadProgram(compile(R"({"modules": [{"id": "s", "type": "SineGen", "params": {"freq": 1000}},
      {"id": "out", "type": "AudioOut"}], "connections": [{"from": "s.out", "to": "out.left"}]})"));
  vm.postEvent(paramSet(1000, "g", "gain", 0.0f, 0));
  auto y = run(vm, 2048, 128), x = run(ref, 2048, 128);
  for (std::size_t n = 0; n < 1000; ++n) ASSERT_EQ(y[n], x[n]) << n;
  for (std::size_t n = 1000; n < 2048; ++n) ASSERT_EQ(y[n], 0.0f) << n;
}

TEST(VM, ParameterRampLandsExactlyOnItsTarget) {
  VM vm;
  vm.loadProgram(compile(R"({"modules": [{"id": "g", "type": "Gain", "params": {"gain": 0}},
      {"id": "out", "type": "AudioOut"}], "connections": [{"from": "g.out", "to": "out.left"}]})"));
  vm.postEvent(paramSet(100, "g", "gain", 1.0f, 200));
  run(vm, 512, 64);
  const Program& p = *vm.program();
  const ParamSlot& slot = p.params[static_cast<std::size_t>(p.findParamSlot(fnv1a64("g"), fnv1a64("gain")))];
  EXPECT_TRUE(slot.smoother.settled());
  EXPECT_EQ(slot.smoother.current(), 1.0f);
}

TEST(VM, EventsForUnknownParametersAreCountedNotApplied) {
  VM vm;
  vm.loadProgram(compile(kPoly));
  vm.postEvent(paramSet(10, "nosuch", "gain", 1.0f));
  run(vm, 128, 128);
  EXPECT_EQ(vm.counters().unmatchedEvents.load(), 1u);
}

TEST(VM, LateEventsApplyAtTheNextBlockAndAreCounted) {
  VM vm;
  vm.loadProgram(compile(kPoly));
  run(vm, 640, 64);
  vm.postEvent(note(EventType::NoteOn, 100, 60));
  run(vm, 64, 64);
  EXPECT_EQ(vm.counters().lateEvents.load(), 1u);
  EXPECT_EQ(static_cast<modules::VoiceController*>(vm.program()->module("vc"))->activeVoices(), 1);
}

TEST(VM, OutputGuardSilencesNonFiniteBlocksAndCountsThem) {
  // 40 gains of 16 overflow float: the output would be infinite.
  std::string modules = R"({"id": "s", "type": "SineGen", "params": {"freq": 100, "amp": 10}}, {"id": "out", "type": "AudioOut"})";
  std::string cables = R"({"from": "s.out", "to": "g0.in"}, {"from": "g39.out", "to": "out.left"})";
  for (int i = 0; i < 40; ++i) {
    modules += R"(, {"id": "g)" + std::to_string(i) + R"(", "type": "Gain", "params": {"gain": 16}})";
    if (i) cables += R"(, {"from": "g)" + std::to_string(i - 1) + R"(.out", "to": "g)" + std::to_string(i) + R"(.in"})";
  }
  VM vm;
  vm.loadProgram(compile(R"({"modules": [)" + modules + R"(], "connections": [)" + cables + "]}"));
  auto out = run(vm, 64 * 10, 64);
  for (float x : out) ASSERT_EQ(x, 0.0f);
  EXPECT_GE(vm.counters().guardedBlocks.load(), 9u);
}

TEST(VM, HostInputsReachTheProgramOneBlockLate) {
  // The bus input is visible to the program; check the VM's double buffering with a probe module.
  struct Probe final : DSPModule {
    static const ModuleDescriptor& describe() {
      static const ModuleDescriptor d{"Probe", "Test", "copies host input 0 to host output 0", {}, {}, {}, false, HostBusUse::Writes};
      return d;
    }
    void process(const float**, float**) override {
      for (int i = 0; i < kBlockFrames; ++i) hostBus()->outputs[0][i] = hostBus()->inputs[0][i];
    }
  };
  ModuleRegistry r;
  r.add<Probe>();
  CompileOptions o;
  o.numInputs = 1;
  VM vm(VMConfig{48000, 2, 1});
  vm.loadProgram(Compiler(r).compile(PatchParser(r).parseFromJson(R"({"modules": [{"id": "p", "type": "Probe"}]})"), o));
  std::vector<float> in(1000), l(1000), rr(1000);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i + 1);
  const float* ins[] = {in.data()};
  float* outs[] = {l.data(), rr.data()};
  for (std::size_t pos = 0; pos < 1000; pos += 100) {
    const float* i2[] = {ins[0] + pos};
    float* o2[] = {outs[0] + pos, outs[1] + pos};
    vm.process(i2, o2, 100);
  }
  for (std::size_t n = 0; n < 1000; ++n) ASSERT_EQ(l[n], n < 64 ? 0.0f : in[n - 64]) << n;
}

TEST(VM, ProbeCountsAllocationsOnTheAudioThread) {
  // Positive control: the probe sees an allocation made inside an AudioThreadScope...
  test::resetRtCounts();
  static int* volatile escape; // keeps the compiler from eliding the allocation
  {
    AudioThreadScope audio;
    escape = new int(3);
    delete escape;
  }
  EXPECT_EQ(test::rtCounts().allocations, 1u);
  EXPECT_EQ(test::rtCounts().deallocations, 1u);
  // ...and ignores the control thread's.
  escape = new int(4);
  delete escape;
  EXPECT_EQ(test::rtCounts().allocations, 1u);
  test::resetRtCounts(); // seen on purpose: the suite's listener fails tests that leave counts
}

TEST(VM, ProcessWithEventsPerformsNoAllocation) {
  VM vm;
  vm.loadProgram(compile(kPoly));
  test::resetRtCounts();
  std::vector<float> l(256), r(256);
  float* ch[] = {l.data(), r.data()};
  for (int b = 0; b < 400; ++b) {
    const auto t = static_cast<std::uint64_t>(b) * 256;
    vm.postEvent(note(EventType::NoteOn, t + 10, 48 + b % 24));
    vm.postEvent(note(EventType::NoteOff, t + 200, 48 + (b + 20) % 24));
    vm.postEvent(paramSet(t + 30, "env", "attack", 0.001f * static_cast<float>(b % 7)));
    vm.postEvent(paramSet(t + 31, "out", "level", 0.2f + 0.01f * static_cast<float>(b % 5)));
    vm.process(nullptr, ch, 256);
  }
  EXPECT_EQ(test::rtCounts().allocations, 0u);
  EXPECT_EQ(test::rtCounts().deallocations, 0u);
  EXPECT_GT(test::peak(l), 0.01);
}

TEST(VM, AudioDrivenProcessingKeepsPaceWithADriverThread) {
  // Audio-driven: a driver thread calls process every 128 frames of wall
  // time; the VM computes exactly two 64-frame blocks per callback, never allocating.
  VM vm;
  vm.loadProgram(compile(kPoly));
  test::resetRtCounts();
  const auto start = std::chrono::steady_clock::now();
  test::AudioDriver driver(vm, 128);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  driver.stop();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::uint64_t callbacks = driver.callbacks();
  EXPECT_EQ(vm.counters().blocks.load(), callbacks * 2);
  EXPECT_EQ(vm.framesOutput(), callbacks * 128);
  // The schedule is absolute (sleep_until), so the count follows wall time; loose bounds because
  // this machine is shared.
  EXPECT_GT(static_cast<double>(callbacks), 0.5 * elapsed * 48000.0 / 128.0);
  EXPECT_LE(static_cast<double>(callbacks), elapsed * 48000.0 / 128.0 + 2.0);
  EXPECT_EQ(test::rtCounts().allocations, 0u);
}

namespace {

// The events a tapped VM applied, in the order it applied them.
std::vector<Event> appliedEvents(SessionTap& tap) {
  std::vector<Event> out;
  SessionRecord r;
  while (tap.popRecord(r))
    if (r.kind == SessionRecord::Kind::Event) out.push_back(r.event);
  return out;
}

// Notes and parameter sets, `n` of them, numbered by value.
Event numbered(std::uint64_t frame, int i) {
  Event e = i % 3 == 0 ? note(EventType::NoteOn, frame, 60) : paramSet(frame, "nobody", "nothing", 0.0f);
  e.value = static_cast<float>(i);
  return e;
}

} // namespace

// More events in one block than the block holds (kBlockEventCapacity per kind): every one is
// applied, in order; those that did not fit apply at the start of the next blocks, counted late.
TEST(VM, EventsBeyondABlocksCapacityCarryOverInOrder) {
  VM vm;
  SessionTap tap(2, 48000);
  ASSERT_TRUE(vm.attachObserver(tap));
  const int total = 5000;
  const std::uint64_t due = 2 * kBlockFrames + 5;
  int posted = 0;
  for (; posted < static_cast<int>(VM::kEventQueueCapacity); ++posted) ASSERT_TRUE(vm.postEvent(numbered(due, posted)));
  run(vm, kBlockFrames, kBlockFrames); // the queue drains into the pending buffer
  for (; posted < total; ++posted) ASSERT_TRUE(vm.postEvent(numbered(due, posted)));
  run(vm, 12 * kBlockFrames, kBlockFrames);
  const std::vector<Event> applied = appliedEvents(tap);
  ASSERT_EQ(applied.size(), static_cast<std::size_t>(total));
  std::size_t onTime = 0;
  std::uint64_t lastFrame = 0;
  for (int i = 0; i < total; ++i) {
    const Event& e = applied[static_cast<std::size_t>(i)];
    ASSERT_EQ(e.value, static_cast<float>(i)) << "applied out of order";
    ASSERT_GE(e.frame, lastFrame);
    lastFrame = e.frame;
    if (e.frame == due) ++onTime;
    else ASSERT_EQ(e.frame % kBlockFrames, 0u) << "a carried event applies at a block start";
  }
  // The block took events until its parameter list was full (1,024 parameter sets and the notes
  // among them: every third event is a note), up to the next parameter set.
  EXPECT_EQ(onTime, VM::kBlockEventCapacity * 3 / 2 + 1);
  EXPECT_EQ(vm.counters().lateEvents.load(), total - onTime);
  EXPECT_GE(vm.counters().carriedEvents.load(), VM::kPendingCapacity - onTime);
  EXPECT_LE(vm.counters().carriedEvents.load(), vm.counters().lateEvents.load());
  EXPECT_EQ(vm.eventTally().lost(), 0u);
}

// The offline path (score → renderer → VM): a final "gain = 1" behind 3,000 other events at the
// same frame used to be dropped with the overflow, and the render came out silent.
TEST(VM, AScoresLastEventAfterAnOverflowingBlockStillApplies) {
  for (int before : {1023, 1024, 3000, 4095, 5000}) {
    std::string events;
    for (int i = 0; i < before; ++i)
      events += R"({"frame": 256, "type": "param", "module": "g", "param": "gain", "value": )" + std::string(i % 2 ? "0.5" : "0") + "},";
    events += R"({"frame": 256, "type": "param", "module": "g", "param": "gain", "value": 1, "ramp": 0})";
    const auto r = test::renderJson(R"({"modules": [{"id": "s", "type": "SineGen", "params": {"freq": 1000}},
        {"id": "g", "type": "Gain", "params": {"gain": 0}}, {"id": "out", "type": "AudioOut"}],
        "connections": [{"from": "s.out", "to": "g.in"}, {"from": "g.out", "to": "out.left"}]})",
                                    0.25, R"({"events": [)" + events + "]}");
    const std::vector<float>& left = r.channels[0];
    const std::vector<float> tail(left.end() - 4800, left.end());
    EXPECT_GT(test::peak(tail), 0.9) << before << " events before it: the last one was lost";
    const std::uint64_t onTime = std::min<std::uint64_t>(static_cast<std::uint64_t>(before) + 1, VM::kBlockEventCapacity);
    EXPECT_EQ(r.stats.lateEvents, static_cast<std::uint64_t>(before) + 1 - onTime) << before;
  }
}

// The pending buffer keeps events in frame order at O(log n) comparisons each, whatever order
// they arrive in (an insertion sort cost n^2 / 2 moves for events in reverse time order).
TEST(VM, EventsInReverseTimeOrderCostLogarithmicWorkAndApplyInTimeOrder) {
  for (bool reversed : {true, false}) {
    VM vm;
    SessionTap tap(2, 48000);
    ASSERT_TRUE(vm.attachObserver(tap));
    const std::size_t n = VM::kPendingCapacity;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = reversed ? n - 1 - i : i;
      Event e = note(EventType::NoteOn, 1000 + 3 * k, 60);
      e.value = static_cast<float>(k);
      ASSERT_TRUE(vm.postEvent(e));
    }
    run(vm, 1000 + 3 * n + kBlockFrames, 256);
    const std::vector<Event> applied = appliedEvents(tap);
    ASSERT_EQ(applied.size(), n);
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_EQ(applied[k].value, static_cast<float>(k));
      ASSERT_EQ(applied[k].frame, 1000 + 3 * k);
    }
    // push ≤ log2(n) and pop ≤ 2 log2(n) comparisons per event (log2(4096) = 12)
    EXPECT_LE(vm.pendingComparisons(), n * 3 * 12) << (reversed ? "reversed" : "in order");
    EXPECT_EQ(vm.counters().lateEvents.load(), 0u);
  }
}

// Equal frames keep arrival order, across kinds, as a stable sort by frame would.
TEST(VM, EventsAtOneFrameApplyInArrivalOrder) {
  VM vm;
  SessionTap tap(2, 48000);
  ASSERT_TRUE(vm.attachObserver(tap));
  std::mt19937 rng(3);
  std::vector<std::pair<std::uint64_t, int>> sent;
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t frame = 64 + rng() % 7 * 40;
    sent.push_back({frame, i});
    ASSERT_TRUE(vm.postEvent(numbered(frame, i)));
  }
  run(vm, 1024, 64);
  std::stable_sort(sent.begin(), sent.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::vector<Event> applied = appliedEvents(tap);
  ASSERT_EQ(applied.size(), sent.size());
  for (std::size_t k = 0; k < sent.size(); ++k) ASSERT_EQ(applied[k].value, static_cast<float>(sent[k].second)) << k;
}

// Live, the only place an event can be lost is a full queue: postEvent refuses it and counts it;
// everything accepted is applied, even while the pending buffer is full of far-future events.
TEST(VM, EveryLostEventIsCountedAndEveryAcceptedOneApplied) {
  VM vm;
  SessionTap tap(2, 48000);
  ASSERT_TRUE(vm.attachObserver(tap));
  std::uint64_t accepted = 0, refused = 0;
  for (std::size_t i = 0; i < VM::kPendingCapacity; ++i) // fills the pending buffer at the first block
    (vm.postEvent(numbered(64 * kBlockFrames, static_cast<int>(i))) ? accepted : refused)++;
  run(vm, kBlockFrames, kBlockFrames);
  for (std::size_t i = 0; i < VM::kEventQueueCapacity + 700; ++i) // the queue fills behind it
    (vm.postEvent(numbered(kFrameNow, static_cast<int>(i))) ? accepted : refused)++;
  EXPECT_EQ(refused, 700u);
  EXPECT_EQ(vm.counters().rejectedEvents.load(), refused);
  EXPECT_EQ(vm.eventTally().lost(), refused);
  run(vm, 80 * kBlockFrames, kBlockFrames);
  EXPECT_EQ(appliedEvents(tap).size(), accepted);
  EXPECT_EQ(vm.eventTally().dropped, 0u);
}
