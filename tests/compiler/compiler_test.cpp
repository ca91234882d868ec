#include "mvm/compiler/compiler.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "mvm/compiler/disassembler.h"
#include "mvm/patch/patch_parser.h"
#include "random_patch.h"
#include "render_helpers.h"

using namespace mvm;

namespace {

PatchGraph parse(const std::string& json) { return PatchParser(builtinModules()).parseFromJson(json, "<test>"); }

// Module ids in the order the program processes them.
std::vector<std::string> processOrder(const Program& p) {
  std::vector<std::string> ids;
  for (std::size_t pc = 0; pc < p.code.size();) {
    const auto op = static_cast<Op>(p.code[pc]);
    if (op == Op::Process) ids.push_back(p.modules[p.code[pc + 1]].id);
    if (op == Op::End) break;
    pc += 1 + kOperandCount[p.code[pc]];
  }
  return ids;
}

std::string chain(int n, bool reversed) {
  std::string modules, cables;
  for (int i = 0; i < n; ++i) {
    const int k = reversed ? n - 1 - i : i;
    modules += std::string(i ? "," : "") + R"({"id": "g)" + std::to_string(k) + R"(", "type": "Gain", "params": {"gain": 0.9}})";
  }
  for (int i = 0; i + 1 < n; ++i)
    cables += R"(,{"from": "g)" + std::to_string(i) + R"(.out", "to": "g)" + std::to_string(i + 1) + R"(.in"})";
  return R"({"modules": [{"id": "src", "type": "SineGen"}, {"id": "out", "type": "AudioOut"},)" + modules +
         R"(], "connections": [{"from": "src.out", "to": "g0.in"}, {"from": "g)" + std::to_string(n - 1) + R"(.out", "to": "out.left"})" +
         cables + "]}";
}

} // namespace

TEST(Compiler, OrdersModulesTopologicallyWhateverThePatchOrder) {
  auto p = Compiler(builtinModules()).compile(parse(chain(5, true)));
  EXPECT_EQ(processOrder(*p), (std::vector<std::string>{"src", "g0", "g1", "g2", "g3", "g4", "out"}));
}

TEST(Compiler, TiesGoInPatchOrder) {
  auto p = Compiler(builtinModules()).compile(parse(R"({"modules": [{"id": "b", "type": "SineGen"}, {"id": "a", "type": "SineGen"},
      {"id": "c", "type": "SineGen"}]})"));
  EXPECT_EQ(processOrder(*p), (std::vector<std::string>{"b", "a", "c"}));
}

TEST(Compiler, IsDeterministic) {
  CompileOptions annotated;
  annotated.annotate = true;
  auto a = Compiler(builtinModules()).compile(parse(chain(20, true)), annotated);
  auto b = Compiler(builtinModules()).compile(parse(chain(20, true)), annotated);
  EXPECT_FALSE(a->annotations.empty());
  EXPECT_EQ(a->code, Compiler(builtinModules()).compile(parse(chain(20, true)))->code); // notes do not change the code
  EXPECT_EQ(a->code, b->code);
  EXPECT_EQ(a->signature, b->signature);
  EXPECT_EQ(disassemble(*a), disassemble(*b));
  EXPECT_NE(a->signature, Compiler(builtinModules()).compile(parse(chain(21, true)))->signature);
}

TEST(Compiler, BreaksACycleAtItsLowestEdgeAndReportsIt) {
  auto p = Compiler(builtinModules()).compile(parse(R"({"modules": [
      {"id": "b", "type": "Gain"}, {"id": "a", "type": "Gain"}, {"id": "c", "type": "Gain"}],
      "connections": [{"from": "b.out", "to": "c.in"}, {"from": "c.out", "to": "a.in"}, {"from": "a.out", "to": "b.in"}]})"));
  ASSERT_EQ(p->diagnostics.size(), 1u);
  EXPECT_NE(p->diagnostics[0].find("cycle broken at a.out -> b.in"), std::string::npos) << p->diagnostics[0];
  ASSERT_EQ(p->feedback.size(), 1u);
  EXPECT_EQ(p->feedback[0].key, "a.out>b.in");
  // With a.out -> b.in delayed, b comes first.
  EXPECT_EQ(processOrder(*p), (std::vector<std::string>{"b", "c", "a"}));
}

TEST(Compiler, BreaksEveryCycleIncludingSelfLoops) {
  auto p = Compiler(builtinModules()).compile(parse(R"({"modules": [{"id": "a", "type": "Gain"}, {"id": "b", "type": "Gain"}],
      "connections": [{"from": "a.out", "to": "a.in"}, {"from": "a.out", "to": "b.in"}, {"from": "b.out", "to": "a.gain"},
                      {"from": "b.out", "to": "b.gain"}]})"));
  EXPECT_EQ(p->feedback.size(), 3u); // a->a, b->b, and one edge of a<->b
  EXPECT_EQ(processOrder(*p).size(), 2u);
}

// The audio thread finds each feedback delay of the old program by binary search during a swap
// (bounded work per delay), so the compiler lists them sorted by key hash.
TEST(Compiler, ListsFeedbackDelaysSortedForCarryOverLookups) {
  std::string modules, cables;
  for (int i = 0; i < 40; ++i) { // 40 self-loops
    const std::string id = "g" + std::to_string(i);
    modules += std::string(i ? ", " : "") + R"({"id": ")" + id + R"(", "type": "Gain"})";
    cables += std::string(i ? ", " : "") + R"({"from": ")" + id + R"(.out", "to": ")" + id + R"(.in"})";
  }
  auto p = Compiler(builtinModules()).compile(parse(R"({"modules": [)" + modules + R"(], "connections": [)" + cables + "]}"));
  ASSERT_EQ(p->feedback.size(), 40u);
  for (std::size_t i = 0; i < p->feedback.size(); ++i) {
    if (i) {
      EXPECT_LT(p->feedback[i - 1].keyHash, p->feedback[i].keyHash);
    }
    EXPECT_EQ(p->findFeedback(fnv1a64(p->feedback[i].key)), static_cast<int>(i)) << p->feedback[i].key;
  }
  EXPECT_EQ(p->findFeedback(fnv1a64("g0.out>g1.in")), -1);
}

TEST(Compiler, FeedbackIsDelayedByExactlyOneBlock) {
  // a = sine + b (delayed), b = 0.5 * a: so a[n] = s[n] + 0.5 * a[n - 64].
  const std::string patch = R"({"modules": [
      {"id": "s", "type": "SineGen", "params": {"freq": 1000, "amp": 0.5}},
      {"id": "a", "type": "Gain"}, {"id": "b", "type": "Gain", "params": {"gain": 0.5}},
      {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "s.out", "to": "a.in"}, {"from": "a.out", "to": "b.in"}, {"from": "b.out", "to": "a.in"},
                      {"from": "a.out", "to": "out.left"}]})";
  const std::string dry = R"({"modules": [{"id": "s", "type": "SineGen", "params": {"freq": 1000, "amp": 0.5}},
      {"id": "out", "type": "AudioOut"}], "connections": [{"from": "s.out", "to": "out.left"}]})";
  auto wet = test::renderJson(patch, 0.1).channels[0];
  auto s = test::renderJson(dry, 0.1).channels[0];
  ASSERT_EQ(wet.size(), s.size());
  for (std::size_t n = 0; n < wet.size(); ++n) {
    const float expected = s[n] + (n >= 64 ? 0.5f * wet[n - 64] : 0.0f);
    ASSERT_EQ(wet[n], expected) << "frame " << n;
  }
}

TEST(Compiler, ReusesBuffersByLivenessWithoutChangingTheOutput) {
  const std::string patch = chain(50, false);
  CompileOptions reuse, noReuse;
  noReuse.optimizeForRealTime = false;
  auto a = Compiler(builtinModules()).compile(parse(patch), reuse);
  auto b = Compiler(builtinModules()).compile(parse(patch), noReuse);
  // A chain needs two live signal buffers at a time, however long it is.
  EXPECT_LE(a->poolFloats, 3u * kBlockFrames);
  EXPECT_EQ(b->poolFloats, 51u * kBlockFrames); // the source and 50 gains, one buffer each
  EXPECT_LT(a->arenaFloats, b->arenaFloats);
  VM va, vb;
  va.loadProgram(std::move(a));
  vb.loadProgram(std::move(b));
  std::vector<float> l1(4096), r1(4096), l2(4096), r2(4096);
  float* o1[] = {l1.data(), r1.data()};
  float* o2[] = {l2.data(), r2.data()};
  va.process(nullptr, o1, 4096);
  vb.process(nullptr, o2, 4096);
  EXPECT_EQ(0, std::memcmp(l1.data(), l2.data(), l1.size() * sizeof(float)));
}

// The class behind the test above: no module may read memory its ports do not hold, or its output
// would depend on where the compiler put the buffers. Caught here once: a 4-channel Supersaw read
// channel 3 of a 3-channel pitch cable from the buffer after it (now silence, core/signal.h).
TEST(Compiler, RandomPatchesRenderTheSameWhateverTheBufferLayout) {
  std::mt19937 rng(4242);
  for (int n = 0; n < 80; ++n) {
    const std::string patch = test::randomPatch(rng, 24);
    CompileOptions noReuse;
    noReuse.optimizeForRealTime = false;
    VM va, vb;
    va.loadProgram(Compiler(builtinModules()).compile(parse(patch)));
    vb.loadProgram(Compiler(builtinModules()).compile(parse(patch), noReuse));
    std::vector<float> l1(2048), r1(2048), l2(2048), r2(2048);
    float* o1[] = {l1.data(), r1.data()};
    float* o2[] = {l2.data(), r2.data()};
    va.process(nullptr, o1, 2048);
    vb.process(nullptr, o2, 2048);
    ASSERT_EQ(0, std::memcmp(l1.data(), l2.data(), l1.size() * sizeof(float))) << patch;
    ASSERT_EQ(0, std::memcmp(r1.data(), r2.data(), r1.size() * sizeof(float))) << patch;
  }
}

TEST(Compiler, AChannelBeyondAPolyphonicCableReadsSilence) {
  // A 3-channel pitch cable into a 4-channel oscillator (its freq is modulated by 4 channels):
  // channel 3 plays as if its pitch cable carried 0 V there, whatever the buffer layout.
  const auto render = [&](const std::string& pitchSource, bool reuse) {
    const std::string patch = R"({"modules": [
        {"id": "one", "type": "Constant", "params": {"value": 1.0}},
        {"id": "p3", "type": "Merge", "params": {"channels": 3}}, {"id": "p4", "type": "Merge", "params": {"channels": 4}},
        {"id": "wide", "type": "Constant", "params": {"value": 0.0, "channels": 4}},
        {"id": "osc", "type": "SawOsc", "params": {"freq": 100}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "one.out", "to": "p3.in1"}, {"from": "one.out", "to": "p3.in2"}, {"from": "one.out", "to": "p3.in3"},
                      {"from": "one.out", "to": "p4.in1"}, {"from": "one.out", "to": "p4.in2"}, {"from": "one.out", "to": "p4.in3"},
                      {"from": ")" + pitchSource + R"(.out", "to": "osc.pitch"}, {"from": "wide.out", "to": "osc.freq", "amount": 0.0},
                      {"from": "osc.out", "to": "out.left"}]})";
    CompileOptions o;
    o.optimizeForRealTime = reuse;
    VM vm;
    vm.loadProgram(Compiler(builtinModules()).compile(parse(patch), o));
    EXPECT_EQ(vm.program()->module("osc")->outputChannels(0), 4);
    std::vector<float> l(256), r(256);
    float* out[] = {l.data(), r.data()};
    vm.process(nullptr, out, 256);
    const Program& p = *vm.program();
    const float* osc = p.outputPointers[p.modules[static_cast<std::size_t>(p.findModule("osc"))].firstOutput];
    return std::vector<float>(osc, osc + 4 * kBlockFrames);
  };
  const std::vector<float> expected = render("p4", true);
  for (bool reuse : {true, false}) {
    const std::vector<float> got = render("p3", reuse);
    EXPECT_EQ(0, std::memcmp(got.data(), expected.data(), sizeof(float) * expected.size())) << "reuse " << reuse;
  }
}

TEST(Compiler, FanInIsSummedWithAmounts) {
  const std::string patch = R"({"modules": [
      {"id": "a", "type": "SineGen", "params": {"freq": 100}}, {"id": "b", "type": "SineGen", "params": {"freq": 300}},
      {"id": "g", "type": "Gain"}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "a.out", "to": "g.in", "amount": 0.5}, {"from": "b.out", "to": "g.in", "amount": -0.25},
                      {"from": "g.out", "to": "out.left"}]})";
  auto mix = test::renderJson(patch, 0.05).channels[0];
  auto a = test::renderJson(R"({"modules": [{"id": "a", "type": "SineGen", "params": {"freq": 100}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "a.out", "to": "out.left"}]})", 0.05).channels[0];
  auto b = test::renderJson(R"({"modules": [{"id": "b", "type": "SineGen", "params": {"freq": 300}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "b.out", "to": "out.left"}]})", 0.05).channels[0];
  for (std::size_t n = 0; n < mix.size(); ++n) ASSERT_EQ(mix[n], (0.0f + 0.5f * a[n]) + -0.25f * b[n]) << n;
}

TEST(Compiler, ModulationCableAddsToTheParameterTimesItsAmount) {
  auto p = Compiler(builtinModules()).compile(parse(R"({"modules": [{"id": "lfo", "type": "SineGen", "params": {"freq": 1}},
      {"id": "g", "type": "Gain", "params": {"gain": 0.25}}],
      "connections": [{"from": "lfo.out", "to": "g.gain", "amount": 0.5}]})"));
  const ParamSlot& slot = p->params[static_cast<std::size_t>(p->findParamSlot(fnv1a64("g"), fnv1a64("gain")))];
  EXPECT_TRUE(slot.modulated);
  EXPECT_FLOAT_EQ(slot.patchValue, 0.25f);
  bool sawMix = false;
  for (std::size_t pc = 0; pc < p->code.size(); pc += 1 + kOperandCount[p->code[pc]]) {
    if (static_cast<Op>(p->code[pc]) == Op::Mix && p->code[pc + 1] == slot.buffer) {
      float amount;
      std::memcpy(&amount, &p->code[pc + 5], sizeof amount);
      EXPECT_EQ(amount, 0.5f);
      sawMix = true;
    }
    if (static_cast<Op>(p->code[pc]) == Op::End) break;
  }
  EXPECT_TRUE(sawMix);
}

TEST(Compiler, ResolvesChannelCountsThroughTheGraph) {
  auto p = Compiler(builtinModules()).compile(parse(R"({"modules": [
      {"id": "vc", "type": "VoiceController", "params": {"voices": 6}},
      {"id": "osc", "type": "SineGen"}, {"id": "env", "type": "ADSR"}, {"id": "vca", "type": "Gain"},
      {"id": "mono", "type": "SineGen"}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "vc.pitch", "to": "osc.pitch"}, {"from": "vc.gate", "to": "env.gate"},
                      {"from": "osc.out", "to": "vca.in"}, {"from": "env.env", "to": "vca.gain"},
                      {"from": "mono.out", "to": "vca.in"}, {"from": "vca.out", "to": "out.left"}]})"));
  EXPECT_EQ(p->module("vc")->outputChannels(0), 6);
  EXPECT_EQ(p->module("osc")->outputChannels(0), 6);
  EXPECT_EQ(p->module("env")->outputChannels(0), 6);
  EXPECT_EQ(p->module("mono")->outputChannels(0), 1);
  // A mono cable summed with a 6-channel one into a port gives 6 channels; so does the gain modulation.
  EXPECT_EQ(p->module("vca")->inputChannels(0), 6);
  EXPECT_EQ(p->module("vca")->inputChannels(1), 6);
  EXPECT_EQ(p->module("vca")->outputChannels(0), 6);
  EXPECT_FALSE(p->module("out")->isInputConnected(1));
  EXPECT_TRUE(p->module("out")->isInputConnected(0));
}

TEST(Compiler, DerivesEachModuleSeedFromThePatchSeedAndItsId) {
  auto p1 = Compiler(builtinModules()).compile(parse(R"({"seed": 1, "modules": [{"id": "a", "type": "Gain"}, {"id": "b", "type": "Gain"}]})"));
  auto p2 = Compiler(builtinModules()).compile(parse(R"({"seed": 2, "modules": [{"id": "a", "type": "Gain"}, {"id": "b", "type": "Gain"}]})"));
  EXPECT_NE(p1->module("a")->seed(), p1->module("b")->seed());
  EXPECT_NE(p1->module("a")->seed(), p2->module("a")->seed());
  CompileOptions o;
  o.overrideSeed = true;
  o.seed = 2;
  EXPECT_EQ(Compiler(builtinModules()).compile(parse(R"({"seed": 1, "modules": [{"id": "a", "type": "Gain"}]})"), o)->module("a")->seed(),
            p2->module("a")->seed());
}

TEST(Compiler, RejectsBadOptions) {
  CompileOptions o;
  o.sampleRate = 100;
  EXPECT_THROW(Compiler(builtinModules()).compile(parse(R"({"modules": []})"), o), PatchError);
}

TEST(Compiler, CompilesTenThousandModulesQuickly) {
  auto p = Compiler(builtinModules()).compile(parse(chain(10000, true)));
  EXPECT_EQ(p->modules.size(), 10002u);
  EXPECT_LE(p->poolFloats, 3u * kBlockFrames);
}
