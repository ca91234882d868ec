#include "mvm/compiler/voice_gates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include "mvm/mvm.h"
#include "render_helpers.h"

using namespace mvm;

namespace {

// One voice: keys -> osc -> filter -> vca, with a filter envelope on the cutoff and an amp
// envelope on the VCA's cv; `modules` and `cables` are appended (each starting with a comma).
std::string voicePatch(const std::string& modules = "", const std::string& cables = "") {
  return R"({"seed": 3, "modules": [
      {"id": "keys", "type": "VoiceController", "params": {"voices": 8}},
      {"id": "osc", "type": "SawOsc"},
      {"id": "fenv", "type": "ADSR"},
      {"id": "filter", "type": "SVF", "params": {"cutoff": 800}},
      {"id": "aenv", "type": "ADSR", "params": {"release": 0.05}},
      {"id": "vca", "type": "VCA"},
      {"id": "out", "type": "AudioOut"})" + modules + R"(],
    "connections": [
      {"from": "keys.pitch", "to": "osc.pitch"}, {"from": "keys.gate", "to": "fenv.gate"},
      {"from": "keys.gate", "to": "aenv.gate"}, {"from": "osc.out", "to": "filter.in"},
      {"from": "fenv.env", "to": "filter.cutoff", "amount": 2000}, {"from": "filter.lp", "to": "vca.in"},
      {"from": "aenv.env", "to": "vca.cv"}, {"from": "vca.out", "to": "out.left"})" + cables + "]}";
}

std::unique_ptr<Program> compile(const std::string& json) {
  return Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, "<test>"));
}

std::vector<std::string> ids(const Program& p, const std::vector<std::uint32_t>& modules) {
  std::vector<std::string> out;
  for (std::uint32_t m : modules) out.push_back(p.modules[m].id);
  std::sort(out.begin(), out.end());
  return out;
}

// The program's PROCESS and GATE instructions, as "id" and "GATE id-of-the-gate".
std::vector<std::string> steps(const Program& p) {
  std::vector<std::string> out;
  for (std::size_t pc = 0; p.code[pc] != static_cast<std::uint32_t>(Op::End); pc += 1 + kOperandCount[p.code[pc]]) {
    if (p.code[pc] == static_cast<std::uint32_t>(Op::Process)) out.push_back(p.modules[p.code[pc + 1]].id);
    if (p.code[pc] == static_cast<std::uint32_t>(Op::Gate)) out.push_back("GATE " + p.modules[p.voiceGates[p.code[pc + 1]].gate].id);
  }
  return out;
}

std::ptrdiff_t at(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) - v.begin(); }

} // namespace

TEST(VoiceGates, AVoiceChainPausesWithItsAmplifierButNotItsEnvelopes) {
  auto p = compile(voicePatch());
  ASSERT_EQ(p->voiceGates.size(), 1u);
  const VoiceGate& g = p->voiceGates[0];
  EXPECT_EQ(p->modules[g.gate].id, "vca");
  EXPECT_EQ(g.channels, 8u);
  EXPECT_EQ(g.envelopeChannels, 8u);
  EXPECT_EQ(ids(*p, g.members), (std::vector<std::string>{"filter", "osc"})); // fenv keeps its timing
}

TEST(VoiceGates, TheEnvelopeRunsBeforeTheChainAndTheGateRightAfterIt) {
  auto p = compile(voicePatch());
  const auto s = steps(*p);
  const auto gate = at(s, "GATE vca");
  ASSERT_LT(gate, static_cast<std::ptrdiff_t>(s.size()));
  EXPECT_EQ(at(s, "aenv") + 1, gate);
  EXPECT_LT(gate, at(s, "osc")); // in patch order osc comes first
  EXPECT_LT(gate, at(s, "filter"));
}

TEST(VoiceGates, AModuleHeardAnywhereElseKeepsRunning) {
  // osc also reaches the output directly: it is heard when the VCA is closed.
  auto p = compile(voicePatch("", R"(, {"from": "osc.out", "to": "out.right"})"));
  ASSERT_EQ(p->voiceGates.size(), 1u);
  EXPECT_EQ(ids(*p, p->voiceGates[0].members), (std::vector<std::string>{"filter"}));
  // A module that never pauses (a delay keeps its tail) stops the chain where it stands.
  auto q = compile(voicePatch(R"(, {"id": "echo", "type": "Delay"})",
                              R"(, {"from": "osc.out", "to": "echo.in"}, {"from": "echo.out", "to": "filter.in"})"));
  ASSERT_EQ(q->voiceGates.size(), 1u);
  EXPECT_EQ(ids(*q, q->voiceGates[0].members), (std::vector<std::string>{"filter"}));
  // A cycle: the module whose cable the compiler delays keeps running (its output is read a
  // block later, when the channel may run again), and so does what feeds only it.
  auto r = compile(voicePatch("", R"(, {"from": "filter.lp", "to": "osc.pitch", "amount": 0.01})"));
  ASSERT_EQ(r->feedback.size(), 1u);
  const std::string delayedFrom = r->feedback[0].key.substr(0, r->feedback[0].key.find('.'));
  for (const VoiceGate& g : r->voiceGates)
    for (const std::string& id : ids(*r, g.members)) EXPECT_NE(id, delayedFrom);
}

TEST(VoiceGates, AModuleWithOtherChannelCountsKeepsRunning) {
  // One sine on the cutoff of every voice: its channel is heard through every voice.
  auto p = compile(voicePatch(R"(, {"id": "lfo", "type": "SineGen", "params": {"freq": 2}})",
                              R"(, {"from": "lfo.out", "to": "filter.resonance", "amount": 0.1})"));
  ASSERT_EQ(p->voiceGates.size(), 1u);
  EXPECT_EQ(ids(*p, p->voiceGates[0].members), (std::vector<std::string>{"filter", "osc"}));
}

TEST(VoiceGates, OnlyASingleUndelayedEnvelopeCableGates) {
  // Two cables into the cv: either could open it.
  auto two = compile(voicePatch(R"(, {"id": "bias", "type": "Constant", "params": {"value": 0}})",
                                R"(, {"from": "bias.out", "to": "vca.cv"})"));
  EXPECT_TRUE(two->voiceGates.empty());
  // No cable into the cv: the VCA is open.
  std::string open = voicePatch();
  open.erase(open.find(R"({"from": "aenv.env", "to": "vca.cv"}, )"), std::string(R"({"from": "aenv.env", "to": "vca.cv"}, )").size());
  EXPECT_TRUE(compile(open)->voiceGates.empty());
  // Gain silences nothing: its gain input is not a VCA's cv.
  EXPECT_TRUE(compile(R"({"modules": [{"id": "keys", "type": "VoiceController"}, {"id": "osc", "type": "SawOsc"},
      {"id": "env", "type": "ADSR"}, {"id": "g", "type": "Gain"}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "keys.pitch", "to": "osc.pitch"}, {"from": "keys.gate", "to": "env.gate"},
      {"from": "osc.out", "to": "g.in"}, {"from": "env.env", "to": "g.gain"}, {"from": "g.out", "to": "out.left"}]})")
                  ->voiceGates.empty());
}

// What is heard does not change: a chain of stateless and lane-run modules renders the same
// whether its silent voices pause or not (the second patch defeats the gate with a second cable
// of zero into the cv). Ten notes start together, six end at 0.1 s: the four left play on
// scattered channels, which then run side by side in lanes of their own.
TEST(VoiceGates, PausedVoicesChangeNothingHeard) {
  const std::string chain = R"({"seed": 5, "modules": [
      {"id": "keys", "type": "VoiceController", "params": {"voices": 16}},
      {"id": "filter", "type": "SVF", "params": {"cutoff": 300, "resonance": 0.7}},
      {"id": "shape", "type": "Gain", "params": {"gain": 0.3}},
      {"id": "vca", "type": "VCA"},
      {"id": "sum", "type": "Sum"},
      {"id": "out", "type": "AudioOut"}BIAS],
    "connections": [
      {"from": "keys.pitch", "to": "filter.in"}, {"from": "filter.bp", "to": "shape.in"},
      {"from": "shape.out", "to": "vca.in"}, {"from": "keys.gate", "to": "vca.cv"},
      {"from": "vca.out", "to": "sum.in"}, {"from": "sum.sum", "to": "out.left"}BIASCABLE]})";
  auto withBias = [&](bool bias) {
    std::string s = chain;
    s.replace(s.find("BIAS]"), 4, bias ? R"(, {"id": "bias", "type": "Constant", "params": {"value": 0}})" : "");
    s.replace(s.find("BIASCABLE"), 9, bias ? R"(, {"from": "bias.out", "to": "vca.cv"})" : "");
    return s;
  };
  std::string score = R"({"events": [)";
  const int keys[] = {40, 47, 52, 55, 59, 62, 64, 67, 71, 74};
  for (int k = 0; k < 10; ++k) score += std::string(k ? "," : "") + R"({"time": 0, "type": "noteOn", "note": )" + std::to_string(keys[k]) + "}";
  for (int k : {1, 2, 4, 6, 7, 8})
    score += R"(,{"time": 0.1, "type": "noteOff", "note": )" + std::to_string(keys[k]) + "}";
  score += "]}";
  ASSERT_EQ(compile(withBias(false))->voiceGates.size(), 1u);
  ASSERT_TRUE(compile(withBias(true))->voiceGates.empty());
  const auto gated = test::renderJson(withBias(false), 0.3, score);
  const auto open = test::renderJson(withBias(true), 0.3, score);
  ASSERT_EQ(gated.channels[0].size(), open.channels[0].size());
  std::size_t differ = 0, sounding = 0;
  for (std::size_t i = 0; i < gated.channels[0].size(); ++i) {
    differ += gated.channels[0][i] != open.channels[0][i]; // +0 and -0 compare equal: a closed VCA gives either
    sounding += gated.channels[0][i] != 0.0f;
  }
  EXPECT_EQ(differ, 0u);
  EXPECT_GT(sounding, gated.channels[0].size() / 2);
}

// The channels a chain runs follow its envelope block by block: none before a note, the
// note's voice while it sounds (from the block its gate rises in), none once its release has
// reached zero.
TEST(VoiceGates, AVoiceRunsFromItsNoteToTheEndOfItsRelease) {
  VM vm;
  vm.loadProgram(compile(voicePatch()));
  const Program* p = vm.program();
  ASSERT_NE(p, nullptr);
  const DSPModule* filter = p->module("filter");
  const DSPModule* fenv = p->module("fenv");
  const DSPModule* aenv = p->module("aenv");
  std::vector<float> l(kBlockFrames), r(kBlockFrames);
  float* out[] = {l.data(), r.data()};
  auto block = [&] { vm.process(nullptr, out, kBlockFrames); };
  block();
  EXPECT_EQ(filter->activeChannels(), 0u);
  EXPECT_EQ(fenv->activeChannels(), ~0u); // envelopes never pause
  EXPECT_EQ(aenv->restingChannels(), 0xffu); // all 8 voices idle: the gate reads no block
  Event on;
  on.type = EventType::NoteOn;
  on.key = 60;
  on.value = 1.0f;
  on.frame = 2 * kBlockFrames - 1; // the last frame of the next block
  vm.postEvent(on);
  block();
  EXPECT_EQ(std::popcount(filter->activeChannels()), 1);
  const std::uint32_t voice = filter->activeChannels();
  EXPECT_EQ(aenv->restingChannels(), 0xffu & ~voice);
  Event off = on;
  off.type = EventType::NoteOff;
  off.frame = 10 * kBlockFrames;
  vm.postEvent(off);
  int blocks = 2;
  for (; blocks < 10; ++blocks) {
    block();
    EXPECT_EQ(filter->activeChannels(), voice) << "block " << blocks;
  }
  // The release (0.05 s, 38 blocks) runs to zero; the first block of silence after it pauses.
  const int releaseBlocks = static_cast<int>(0.05 * 48000 / kBlockFrames);
  for (; blocks < 10 + releaseBlocks; ++blocks) {
    block();
    EXPECT_EQ(filter->activeChannels(), voice) << "block " << blocks;
  }
  for (int k = 0; k < 3 && filter->activeChannels() != 0; ++k) block();
  EXPECT_EQ(filter->activeChannels(), 0u);
  EXPECT_EQ(aenv->restingChannels(), 0xffu);
  for (float v : l) EXPECT_EQ(v, 0.0f);
}

// A Sum that reads the gate's output in place is told, block by block, which channels the gate
// silences, and skips them; any other way of reading it (a gain, a second cable, a delay) and
// it adds every channel.
TEST(VoiceGates, ASumReadingTheGateInPlaceIsToldItsSilentChannels) {
  // zsum: the cycle vca -> zsum -> vca is broken at its lowest cable (as text), vca.out -> zsum.in
  const std::string sum = R"(, {"id": "sum", "type": "Sum"}, {"id": "zsum", "type": "Sum"}, {"id": "other", "type": "SawOsc"})";
  const auto readers = [&](const std::string& cables) {
    const auto p = compile(voicePatch(sum, cables));
    EXPECT_EQ(p->voiceGates.size(), 1u);
    return p->voiceGates.empty() ? std::vector<std::string>{"no gate"} : ids(*p, p->voiceGates[0].quietReaders);
  };
  EXPECT_EQ(readers(R"(, {"from": "vca.out", "to": "sum.in"})"), (std::vector<std::string>{"sum"}));
  EXPECT_TRUE(readers(R"(, {"from": "vca.out", "to": "sum.in", "amount": 0.5})").empty());
  EXPECT_TRUE(readers(R"(, {"from": "vca.out", "to": "sum.in"}, {"from": "keys.pitch", "to": "other.pitch"},
                         {"from": "other.out", "to": "sum.in"})").empty());
  EXPECT_TRUE(readers(R"(, {"from": "vca.out", "to": "zsum.in"}, {"from": "zsum.sum", "to": "vca.level"})").empty());

  VM vm;
  vm.loadProgram(compile(voicePatch(sum, R"(, {"from": "vca.out", "to": "sum.in"})")));
  const DSPModule* s = vm.program()->module("sum");
  std::vector<float> l(kBlockFrames), r(kBlockFrames);
  float* out[] = {l.data(), r.data()};
  vm.process(nullptr, out, kBlockFrames);
  for (int c = 0; c < 8; ++c) EXPECT_TRUE(s->isChannelQuiet(c)) << c;
  Event on;
  on.type = EventType::NoteOn;
  on.key = 60;
  on.value = 1.0f;
  on.frame = kBlockFrames;
  vm.postEvent(on);
  vm.process(nullptr, out, kBlockFrames);
  int quiet = 0;
  for (int c = 0; c < 8; ++c) quiet += s->isChannelQuiet(c);
  EXPECT_EQ(quiet, 7);
}
