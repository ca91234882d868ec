// Automation and external control through the whole engine: OSC messages in scores ramp
// parameters sample-accurately (linear and exponential), an LFO modulates a parameter through its
// modulation input, and floods of mapped MIDI and OSC events reach the audio thread without it
// allocating.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "render_helpers.h"
#include "rt_probe.h"

using namespace mvm;

namespace {

const char* kConstant = R"({"modules": [
    {"id": "c", "type": "Constant", "params": {"value": 1}},
    {"id": "out", "type": "AudioOut"}],
  "connections": [{"from": "c.out", "to": "out.left"}]})";

// OscTarget that posts into a VM, as mvm-live's does (the parameter lookup is the patch's).
class VmTarget final : public OscTarget {
public:
  VmTarget(VM& vm, const PatchGraph& g) : vm_(vm), g_(g) {}
  bool post(const Event& e) override { return vm_.postEvent(e); }
  const ParamDescriptor* findParam(std::string_view module, std::string_view param) override {
    const int m = g_.findModule(std::string(module));
    if (m < 0) return nullptr;
    const ModuleDescriptor* d = builtinModules().find(g_.modules[static_cast<std::size_t>(m)].type)->descriptor;
    const int p = d->findParam(std::string(param));
    return p < 0 ? nullptr : &d->params[static_cast<std::size_t>(p)];
  }
  OscLoad loadPatch(const std::string&) override { return {"no", {}}; }
  OscLoad rollback() override { return {"no", {}}; }
  std::optional<OscStatus> status() override { return std::nullopt; }

private:
  VM& vm_;
  const PatchGraph& g_;
};

} // namespace

TEST(Automation, ScoreOscMessagesRampParametersToTheSample) {
  for (int block : {1, 64, 100, 512}) {
    const auto r = test::renderJson(kConstant, 0.1, R"({"events": [
        {"frame": 777, "type": "osc", "address": "/mvm/param/c/value", "args": [2.0, 0]},
        {"frame": 1000, "type": "osc", "address": "/mvm/param/c/value", "args": [8.0, 0.01, "exponential"]},
        {"frame": 2000, "type": "param", "module": "c", "param": "value", "value": 4, "ramp": 0.001, "curve": "linear"}]})",
                                    48000, block);
    const auto& x = r.channels[0];
    ASSERT_EQ(x[776], 1.0f) << block;
    ASSERT_EQ(x[777], 2.0f) << block; // a jump lands on its frame
    ASSERT_EQ(x[999], 2.0f) << block;
    // 480 frames from 2 to 8: two octaves, one per 240 frames, a constant ratio per frame.
    EXPECT_NEAR(x[1000], 2.0 * std::pow(4.0, 1.0 / 480.0), 1e-5) << block;
    EXPECT_NEAR(x[1239], 4.0, 1e-4) << block;
    EXPECT_NEAR(x[1100] / x[1099], std::pow(4.0, 1.0 / 480.0), 1e-6) << block;
    EXPECT_EQ(x[1479], 8.0f) << block; // the ramp's last frame is the target exactly
    EXPECT_NEAR(x[2000], 8.0 - 4.0 / 48.0, 1e-5) << block; // then linear: 48 frames to 4
    EXPECT_EQ(x[2047], 4.0f) << block;
  }
}

TEST(Automation, ScoreOscErrorsNameTheEvent) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(kConstant);
  try {
    ScoreParser(builtinModules()).parseFromJson(R"({"events": [{"time": 0, "type": "osc", "address": "/mvm/param/c/value", "args": [99]}]})", "s.json", g, 48000);
    ADD_FAILURE() << "accepted";
  } catch (const PatchError& e) {
    EXPECT_STREQ(e.what(), "s.json: events[0] (osc) /mvm/param/c/value: 99 is out of range [-10, 10] of c.value");
  }
  EXPECT_THROW(ScoreParser(builtinModules()).parseFromJson(R"({"events": [{"time": 0, "type": "osc", "address": "/mvm/patch/load", "args": ["x.json"]}]})",
                                           "s.json", g, 48000),
               PatchError);
}

TEST(Automation, AnLfoModulatesAParameterThroughItsInput) {
  const auto r = test::renderJson(R"({"modules": [
      {"id": "lfo", "type": "LFO", "params": {"rate": 100}},
      {"id": "c", "type": "Constant", "params": {"value": 1}},
      {"id": "out", "type": "AudioOut"}],
    "connections": [{"from": "lfo.sqr", "to": "c.value", "amount": 0.5}, {"from": "c.out", "to": "out.left"}]})", 0.05);
  const auto& x = r.channels[0];
  EXPECT_EQ(x[10], 1.5f);  // first half of a 480-frame cycle: sqr = +1
  EXPECT_EQ(x[300], 0.5f); // second half: -1
  EXPECT_EQ(x[490], 1.5f);
}

TEST(Automation, FloodsOfMidiAndOscEventsDoNotAllocateOnTheAudioThread) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(R"({"modules": [
      {"id": "keys", "type": "VoiceController", "params": {"voices": 8}},
      {"id": "osc", "type": "SawOsc"},
      {"id": "flt", "type": "SVF"},
      {"id": "vca", "type": "VCA"},
      {"id": "out", "type": "AudioOut"}],
    "connections": [{"from": "keys.pitch", "to": "osc.pitch"}, {"from": "osc.out", "to": "flt.in"},
                    {"from": "flt.lp", "to": "vca.in"}, {"from": "keys.gate", "to": "vca.cv"}, {"from": "vca.out", "to": "out.left"}],
    "midi": {"controls": [{"cc": 74, "to": "flt.cutoff", "min": 100, "max": 8000, "curve": "exponential"},
                          {"source": "bend", "to": "flt.resonance", "min": 0, "max": 0.9}]}})");
  CompileOptions co;
  VM vm;
  vm.loadProgram(Compiler(builtinModules()).compile(g, co));
  std::vector<float> l(256), r(256);
  float* out[2] = {l.data(), r.data()};
  vm.process(nullptr, out, 256); // first block outside the count: the program is installed

  MidiMapper mapper(g.midi, 48000);
  VmTarget target(vm, g);
  OscDispatcher osc(target, 48000);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> posted{0}, refused{0};
  std::thread midi([&] {
    for (int n = 0; n < 40000 && !done; ++n) {
      const auto k = static_cast<std::uint8_t>(36 + n % 48);
      const MidiMessage msgs[] = {{0x90, k, 100}, {0xB0, 74, static_cast<std::uint8_t>(n % 128)}, {0xE0, 0, static_cast<std::uint8_t>(n % 128)},
                                  {0xA0, k, 50}, {0xD0, 60, 0}, {0x80, k, 20}};
      for (const MidiMessage& m : msgs)
        mapper.map(m, kFrameNow, [&](const Event& e) { (vm.postEvent(e) ? posted : refused).fetch_add(1); });
      if (n % 64 == 0) std::this_thread::yield();
    }
  });
  std::thread oscThread([&] {
    const OscArg on[] = {OscArg::integer(60), OscArg::integer(90)};
    const OscArg ramp[] = {OscArg::real(440.0), OscArg::real(0.01), OscArg::string("exponential")};
    for (int n = 0; n < 20000 && !done; ++n) {
      osc.handle("/mvm/note/on", on);
      osc.handle("/mvm/param/flt/cutoff", ramp);
      if (n % 64 == 0) std::this_thread::yield();
    }
  });
  test::resetRtCounts();
  std::uint64_t blocks = 0;
  while (blocks < 20000) { // ~107 s of audio, computed as fast as possible while the floods run
    vm.process(nullptr, out, 256);
    ++blocks;
  }
  const test::RtCounts counts = test::rtCounts();
  done = true;
  midi.join();
  oscThread.join();
  EXPECT_EQ(counts.allocations, 0u);
  EXPECT_EQ(counts.deallocations, 0u);
  EXPECT_GT(posted.load(), 10000u);
  EXPECT_EQ(osc.counters().handled.load() + osc.counters().malformed.load(), osc.counters().received.load());
  EXPECT_EQ(vm.counters().unmatchedEvents.load(), 0u); // every mapped parameter exists
  std::printf("flood: %llu MIDI events posted (%llu refused: queue full), %llu OSC messages, %llu blocks, 0 allocations\n",
              static_cast<unsigned long long>(posted.load()), static_cast<unsigned long long>(refused.load()),
              static_cast<unsigned long long>(osc.counters().received.load()), static_cast<unsigned long long>(blocks));
}
