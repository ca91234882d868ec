// The whole module library, every module type the registry holds: descriptors, robustness under
// random settings and audio-rate modulation (directly and compiled into patches run by the VM),
// independence of polyphonic channels, and no allocation on the audio thread.

#include "mvm/dsp/builtin_modules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <set>

#include "module_fuzz.h"
#include "module_harness.h"
#include "mvm/core/aligned_buffer.h"
#include "mvm/core/rt_context.h"
#include "mvm/mvm.h"
#include "rt_probe.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MVM_TEST_SANITIZER_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MVM_TEST_SANITIZER_HEAP 1
#endif
#endif
#ifdef MVM_TEST_SANITIZER_HEAP
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

using namespace mvm;
using mvm::test::fuzz;
using mvm::test::patchAround;

namespace {

// Bytes of heap in use by the process (the sanitizers' allocator under ASan and TSan, glibc's otherwise).
std::size_t heapInUse() {
#ifdef MVM_TEST_SANITIZER_HEAP
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

// A module of type e at `sampleRate`, every input and parameter cabled, polyphonic ones with
// `channels` channels, channel counts resolved: ready for prepare().
std::unique_ptr<DSPModule> laidOut(const ModuleRegistry::Entry& e, double sampleRate, int channels) {
  const ModuleDescriptor& d = *e.descriptor;
  auto module = e.create();
  ProcessSetup setup;
  setup.sampleRate = sampleRate;
  setup.id = "mem";
  for (const auto& p : d.params) setup.params.push_back(p.fixedAtLoad ? p.max : p.defaultValue); // widest channel counts
  const auto ins = static_cast<std::size_t>(d.inputPortCount());
  std::vector<int> inCh(ins, 1);
  std::vector<char> connected(ins, 1);
  for (std::size_t u = 0; u < ins; ++u) {
    const bool isParam = u >= d.inputs.size();
    const bool poly = isParam ? d.params[u - d.inputs.size()].polyphonic && !d.params[u - d.inputs.size()].fixedAtLoad : d.inputs[u].polyphonic;
    if (poly) inCh[u] = channels;
    connected[u] = !(isParam && d.params[u - d.inputs.size()].fixedAtLoad);
  }
  layOutModule(*module, d, std::move(setup), {inCh, connected});
  return module;
}

} // namespace

TEST(BuiltinModules, TheLibraryIsComplete) {
  const auto& r = builtinModules();
  EXPECT_GE(r.entries().size(), 60u);
  for (const char* t :
       {"SineGen", "VCO", "SawOsc", "PulseOsc", "TriangleOsc", "Supersaw", "FMOperator", "Wavetable", "SubOsc", "Noise",
        "SampleHold", "Random", "Bernoulli", "SVF", "Ladder", "OnePole", "Biquad", "Comb", "Allpass", "DCBlocker", "Formant",
        "ADSR", "AD", "AR", "LFO", "Slew", "EnvelopeFollower", "Gain", "VCA", "Mixer", "Crossfader", "Panner", "Attenuverter",
        "Constant", "Add", "Multiply", "Abs", "MinMax", "Clamp", "Quantizer", "Comparator", "Logic", "Switch",
        "SequentialSwitch", "Merge", "Split", "Sum", "Octave", "PitchToHz", "Delay", "PingPongDelay", "Reverb", "Plate", "Chorus",
        "Flanger", "Phaser", "Waveshaper", "Bitcrusher", "Compressor", "Limiter", "Clock", "ClockDivider", "StepSequencer",
        "Euclidean", "TriggerToGate", "Counter", "GateDelay", "VoiceController", "AudioOut", "AudioIn", "Meter"})
    EXPECT_NE(r.find(t), nullptr) << t;
}

TEST(BuiltinModules, DescriptorsAreSane) {
  for (const auto& e : builtinModules().entries()) {
    const auto& d = *e.descriptor;
    EXPECT_FALSE(d.doc.empty()) << d.type;
    EXPECT_FALSE(d.category.empty()) << d.type;
    EXPECT_LT(d.outputs.size(), 64u) << d.type << ": DSPModule keeps output connectivity in 64 bits";
    std::set<std::string> names;
    for (const auto& p : d.inputs) {
      EXPECT_FALSE(p.doc.empty()) << d.type << "." << p.name;
      EXPECT_TRUE(names.insert(p.name).second) << d.type << ": port name used twice: " << p.name;
    }
    for (const auto& p : d.params) EXPECT_TRUE(names.insert(p.name).second) << d.type << ": a parameter shares an input's name: " << p.name;
    for (const auto& p : d.outputs) EXPECT_FALSE(p.doc.empty()) << d.type << "." << p.name;
    for (const auto& p : d.params) {
      EXPECT_FALSE(p.doc.empty()) << d.type << "." << p.name;
      EXPECT_TRUE(std::isfinite(p.min) && std::isfinite(p.max) && p.min < p.max) << d.type << "." << p.name;
      EXPECT_TRUE(p.defaultValue >= p.min && p.defaultValue <= p.max) << d.type << "." << p.name;
      if (p.isStepped()) {
        EXPECT_EQ(p.defaultValue, std::floor(p.defaultValue)) << d.type << "." << p.name;
      }
      if (!p.choices.empty()) {
        EXPECT_TRUE(p.isStepped()) << d.type << "." << p.name;
        EXPECT_EQ(static_cast<float>(p.choices.size() - 1), p.max - p.min) << d.type << "." << p.name;
      }
    }
  }
}

TEST(BuiltinModules, FuzzedSettingsGiveFiniteBoundedDeterministicOutput) {
  for (const auto& e : builtinModules().entries())
    for (std::uint32_t seed = 1; seed <= 12; ++seed) {
      std::string failure, again;
      const auto a = fuzz(e, seed, 120, failure);
      EXPECT_TRUE(failure.empty()) << e.descriptor->type << " seed " << seed << ": " << failure;
      const auto b = fuzz(e, seed, 120, again);
      // Bit for bit (memcmp also tells -0 from 0); a module without outputs gives nothing to compare.
      ASSERT_EQ(a.size(), b.size()) << e.descriptor->type << " seed " << seed;
      EXPECT_TRUE(a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0) << e.descriptor->type << " seed " << seed;
    }
}

TEST(BuiltinModules, EveryModuleInARandomPatchRendersFiniteWithoutAllocating) {
  for (const auto& e : builtinModules().entries()) {
    const ModuleDescriptor& d = *e.descriptor;
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const std::string json = patchAround(d, seed * 7919u + static_cast<std::uint32_t>(fnv1a64(d.type)));
      VM vm;
      vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, d.type)));
      std::vector<float> l(256), r(256);
      float* ch[] = {l.data(), r.data()};
      test::resetRtCounts();
      float peak = 0;
      for (int b = 0; b < 94; ++b) { // half a second
        Event on;
        on.type = b % 3 ? EventType::NoteOff : EventType::NoteOn;
        on.frame = kFrameNow;
        on.key = static_cast<std::uint8_t>(40 + (b * 7) % 40);
        on.value = 0.8f;
        vm.postEvent(on);
        vm.process(nullptr, ch, 256);
        for (float x : l) peak = std::max(peak, std::fabs(x));
      }
      EXPECT_EQ(test::rtCounts().allocations, 0u) << d.type << " seed " << seed;
      EXPECT_EQ(vm.counters().guardedBlocks.load(), 0u) << d.type << " seed " << seed << " produced NaN/Inf\n" << json;
      EXPECT_TRUE(std::isfinite(peak) && peak < 1e2f) << d.type << " seed " << seed << " peak " << peak;
    }
  }
}

// Polyphony at its widest: a 16-channel cable into every polyphonic input makes every polyphonic
// output 16 channels wide, and 16 channels render finite and without allocating.
TEST(BuiltinModules, EveryPolyphonicModuleRunsSixteenChannels) {
  int checked = 0;
  for (const auto& e : builtinModules().entries()) {
    const ModuleDescriptor& d = *e.descriptor;
    std::string cables;
    for (const auto& in : d.inputs)
      if (in.polyphonic) cables += std::string(cables.empty() ? "" : ", ") + R"({"from": "poly.sine", "to": "dut.)" + in.name + R"(", "amount": 0.8})";
    if (cables.empty() || d.outputs.empty()) continue;
    for (const auto& o : d.outputs) cables += R"(, {"from": "dut.)" + o.name + R"(", "to": "out.left", "amount": 0.001})";
    const std::string json = R"({"modules": [{"id": "poly", "type": "LFO", "params": {"rate": 97, "channels": 16, "spread": 1}},
        {"id": "dut", "type": ")" + d.type + R"("}, {"id": "out", "type": "AudioOut"}], "connections": [)" + cables + "]}";
    auto program = Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, d.type));
    const DSPModule& dut = *program->module("dut");
    for (std::size_t o = 0; o < d.outputs.size(); ++o)
      EXPECT_EQ(dut.outputChannels(static_cast<int>(o)), d.outputs[o].polyphonic ? 16 : 1) << d.type << "." << d.outputs[o].name;
    VM vm;
    vm.loadProgram(std::move(program));
    float l[256], r[256];
    float* ch[] = {l, r};
    test::resetRtCounts();
    for (int b = 0; b < 40; ++b) vm.process(nullptr, ch, 256);
    EXPECT_EQ(test::rtCounts().allocations, 0u) << d.type;
    EXPECT_EQ(vm.counters().guardedBlocks.load(), 0u) << d.type << " produced NaN/Inf";
    // Channels 1 and 16 of the first polyphonic output, read from the running program.
    const Program& p = *vm.program();
    const CompiledModule& m = p.modules[static_cast<std::size_t>(p.findModule("dut"))];
    for (std::size_t o = 0; o < d.outputs.size(); ++o) {
      if (!d.outputs[o].polyphonic) continue;
      const float* y = p.outputPointers[m.firstOutput + o];
      bool finite = true;
      for (int k = 0; k < 16 * kBlockFrames; ++k) finite = finite && std::isfinite(y[k]);
      EXPECT_TRUE(finite) << d.type << "." << d.outputs[o].name;
      ++checked;
      break;
    }
  }
  EXPECT_GE(checked, 45);
}

// Each channel of a 5-channel run equals, bit for bit, a mono run fed that channel's inputs: the
// channels are independent, and modules that compute four channels at once (SIMD lanes, with
// the fifth alone) give the same bits as one channel at a time. Left out: modules whose channels
// draw from per-channel random streams or share state across channels by design, and modules
// with no polyphonic path from input to output.
TEST(BuiltinModules, PolyphonicChannelsAreIndependent) {
  const std::set<std::string> skip{"Noise", "Supersaw", "Random", "Bernoulli", "SampleHold", "LFO"};
  int checked = 0;
  for (const auto& e : builtinModules().entries()) {
    const ModuleDescriptor& d = *e.descriptor;
    bool polyIn = false, polyOut = !d.outputs.empty();
    for (const auto& p : d.inputs) polyIn = polyIn || p.polyphonic;
    for (const auto& p : d.outputs) polyOut = polyOut && p.polyphonic;
    if (skip.count(d.type) || d.receivesNoteEvents || !polyIn || !polyOut) continue;
    auto source = [](int port, int c) {
      return [port, c](int, std::uint64_t n) {
        const double f = 97.0 * (port + 1) + 131.0 * c;
        return static_cast<float>(0.8 * std::sin(2.0 * M_PI * f * static_cast<double>(n) / 48000.0) + (n % 9600 < 4800 ? 0.6 : 0.0));
      };
    };
    constexpr int kChannels = 5;
    test::ModuleHarness poly(builtinModules(), d.type);
    for (std::size_t i = 0; i < d.inputs.size(); ++i) {
      if (!d.inputs[i].polyphonic) continue;
      const int port = static_cast<int>(i);
      poly.input(d.inputs[i].name, [source, port](int c, std::uint64_t n) { return source(port, c)(c, n); }, kChannels);
    }
    const auto a = poly.run(9600);
    for (int c = 0; c < kChannels; ++c) {
      test::ModuleHarness mono(builtinModules(), d.type);
      for (std::size_t i = 0; i < d.inputs.size(); ++i)
        if (d.inputs[i].polyphonic) mono.input(d.inputs[i].name, source(static_cast<int>(i), c));
      const auto b = mono.run(9600);
      for (std::size_t o = 0; o < d.outputs.size(); ++o) {
        ASSERT_EQ(a.ports[o].size(), static_cast<std::size_t>(kChannels)) << d.type;
        EXPECT_EQ(a.output(static_cast<int>(o), c), b.output(static_cast<int>(o), 0)) << d.type << "." << d.outputs[o].name << " channel " << c;
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

// State carry-over, for every module: a hard swap to the same patch, recompiled, must continue
// exactly as if nothing happened. A module that forgets any state in copyStateFrom (a phase, a
// filter memory, a delay line, an RNG) diverges here.
TEST(BuiltinModules, EveryModuleCarriesAllItsStateAcrossAHotSwap) {
  for (const auto& e : builtinModules().entries()) {
    const ModuleDescriptor& d = *e.descriptor;
    const std::string json = patchAround(d, 4242u + static_cast<std::uint32_t>(fnv1a64(d.type) & 0xffff));
    const PatchGraph g = PatchParser(builtinModules()).parseFromJson(json, d.type);
    std::vector<float> straight, swapped;
    for (int run = 0; run < 2; ++run) {
      VM vm;
      vm.setCrossfade(0, FadeCurve::EqualPower);
      vm.loadProgram(Compiler(builtinModules()).compile(g));
      (run == 0 ? straight : swapped) = test::playWithNotes(vm, 60, [&](int b) {
        if (run == 1 && b == 30) vm.scheduleNewProgram(Compiler(builtinModules()).compile(g));
      });
      if (run == 1) {
        EXPECT_EQ(vm.counters().swaps.load(), 1u) << d.type;
      }
    }
    std::size_t first = 0;
    while (first < straight.size() && std::memcmp(&straight[first], &swapped[first], sizeof(float)) == 0) ++first;
    EXPECT_EQ(first, straight.size()) << d.type << " diverges after the swap at frame " << first << " (swap at 7680)";
  }
}

// The compiler refuses a patch whose modules would allocate too much (patch/validate.h,
// validateModuleMemory) from what each module says it will allocate: for every module type, at
// the highest sample rate and 16 channels (and at 44.1 kHz, mono), the bytes reported before
// prepare() are at least those prepare() allocates. Measured on a second instance, so that tables
// shared by every instance and built on first use are not counted.
TEST(BuiltinModules, EveryModuleReportsAtLeastTheMemoryItAllocatesWhenPrepared) {
  int allocating = 0;
  for (const auto& e : builtinModules().entries())
    for (const auto& [rate, channels] : {std::pair{limits::kMaxSampleRate, kMaxChannels}, std::pair{44100.0, 1}}) {
      auto first = laidOut(e, rate, channels);
      first->prepare();
      auto module = laidOut(e, rate, channels);
      const PreparedMemory reported = module->preparedMemory();
      const std::size_t before = heapInUse();
      module->prepare();
      const std::size_t after = heapInUse();
      const std::size_t allocated = after > before ? after - before : 0;
      // glibc's bookkeeping: a few words per chunk, a page per mapped chunk. A sanitizer's allocator
      // rounds each chunk up to its size class (up to an eighth more under TSan).
#ifdef MVM_SANITIZER_BUILD
      const std::size_t slack = 8192 + allocated / 8;
#else
      const std::size_t slack = 8192;
#endif
      EXPECT_GE(reported.bytes + slack, allocated) << e.descriptor->type << " at " << rate << " Hz, " << channels << " channels";
      if (allocated > 65536) {
        ++allocating;
        EXPECT_LE(reported.bytes, 2 * allocated + 65536) << e.descriptor->type << ": the report should be close, not a blanket bound";
      }
    }
  EXPECT_GE(allocating, 10); // Delay, PingPongDelay, Allpass, Comb, Chorus, Flanger, Limiter, GateDelay, Reverb (x2 rates)
}
