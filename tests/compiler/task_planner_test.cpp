#include "mvm/compiler/task_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "mvm/compiler/disassembler.h"
#include "mvm/mvm.h"
#include "mono_voices_patch.h"
#include "random_patch.h"

using namespace mvm;

namespace {

std::unique_ptr<Program> compile(const std::string& json, int threads, std::uint64_t minCost) {
  CompileOptions o;
  o.threads = threads;
  o.parallelMinCost = minCost;
  return Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, "<test>"), o);
}

std::string voices(int n) { return mvm::test::monoVoicesPatchJson(n); }

// Runs one block of `p` with its tasks in an order the graph allows but the bytecode does not
// take: of the ready tasks, always the one furthest down the program (the reverse of program
// order wherever the graph leaves a choice). A missing edge shows up as a different output.
void runAgainstProgramOrder(Program& p, const Interpreter& interpreter) {
  const TaskGraph& g = p.tasks;
  std::vector<std::uint32_t> pending(g.tasks.size()), ready(g.roots.begin(), g.roots.end());
  for (std::size_t t = 0; t < g.tasks.size(); ++t) pending[t] = g.tasks[t].predecessors;
  while (!ready.empty()) {
    const auto it = std::max_element(ready.begin(), ready.end());
    const std::uint32_t t = *it;
    ready.erase(it);
    for (std::uint32_t r = g.tasks[t].firstRange; r < g.tasks[t].firstRange + g.tasks[t].rangeCount; ++r)
      interpreter.executeRange(p, g.ranges[r].first, g.ranges[r].second);
    for (std::uint32_t i = 0; i < g.tasks[t].successorCount; ++i) {
      const std::uint32_t s = g.successors[g.tasks[t].firstSuccessor + i];
      if (--pending[s] == 0) ready.push_back(s);
    }
  }
}

// Both programs' host outputs, block by block, must be equal bit for bit.
void expectSameBlocks(Program& sequential, Program& planned, int blocks, const std::string& what) {
  ASSERT_FALSE(planned.tasks.empty()) << what;
  Interpreter interpreter;
  for (int b = 0; b < blocks; ++b) {
    interpreter.execute(sequential);
    runAgainstProgramOrder(planned, interpreter);
    for (int c = 0; c < 2; ++c)
      ASSERT_EQ(std::memcmp(sequential.bus.outputs[c], planned.bus.outputs[c], sizeof(float) * kBlockFrames), 0)
          << what << ": block " << b << " channel " << c;
  }
}

} // namespace

TEST(TaskPlanner, OneThreadOrASmallPatchGetsNoTasks) {
  EXPECT_TRUE(compile(voices(40), 1, TaskPlanOptions{}.minCost)->tasks.empty());
  EXPECT_TRUE(compile(voices(4), 2, TaskPlanOptions{}.minCost)->tasks.empty()) << "17 modules are below the work threshold";
}

TEST(TaskPlanner, IndependentVoicesSplitIntoTasksThatRunSideBySide) {
  const auto p = compile(voices(100), 2, TaskPlanOptions{}.minCost);
  const TaskGraph& g = p->tasks;
  ASSERT_FALSE(g.empty());
  EXPECT_EQ(g.totalCost, 2u * 402) << "402 one-channel modules, each 1 + 1";
  EXPECT_LT(g.makespan * 10, g.totalCost * 6) << "the voices overlap";
  // The tasks' ranges cover the bytecode but END, once each.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges = g.ranges;
  std::sort(ranges.begin(), ranges.end());
  EXPECT_EQ(ranges.front().first, 0u);
  for (std::size_t r = 1; r < ranges.size(); ++r) EXPECT_EQ(ranges[r].first, ranges[r - 1].second);
  EXPECT_EQ(ranges.back().second + 1, p->code.size());
  // Both threads get work; a voice's modules are on one thread, so few tasks and few edges.
  std::uint64_t perThread[2] = {0, 0};
  for (const TaskGraph::Task& t : g.tasks) perThread[t.thread] += t.cost;
  EXPECT_GT(perThread[0], g.totalCost / 4);
  EXPECT_GT(perThread[1], g.totalCost / 4);
  EXPECT_LE(g.tasks.size(), 40u);
}

TEST(TaskPlanner, ASerialChainStaysOnOneThread) {
  std::string modules = R"({"id": "osc", "type": "SawOsc"}, {"id": "out", "type": "AudioOut"})", cables;
  std::string from = "osc.out";
  for (int k = 0; k < 300; ++k) {
    modules += R"(, {"id": "f)" + std::to_string(k) + R"(", "type": "OnePole"})";
    cables += R"({"from": ")" + from + R"(", "to": "f)" + std::to_string(k) + R"(.in"}, )";
    from = "f" + std::to_string(k) + ".lp";
  }
  cables += R"({"from": ")" + from + R"(", "to": "out.left"})";
  const auto p = compile(R"({"modules": [)" + modules + R"(], "connections": [)" + cables + "]}", 2, TaskPlanOptions{}.minCost);
  EXPECT_TRUE(p->tasks.empty()) << "no two filters of a chain can overlap";
}

// The oracle: tasks run against program order compute what the bytecode computes, for patches
// with fan-in sums, feedback cables, voice gates, parameter modulation and every module type.
TEST(TaskPlanner, TasksInAnyOrderTheGraphAllowsComputeTheProgramBitForBit) {
  const auto a = compile(voices(24), 1, 0), b = compile(voices(24), 3, 0);
  expectSameBlocks(*a, *b, 200, "24 voices");

  const std::string poly = std::string(MVM_SOURCE_DIR) + "/patches/";
  for (const char* name : {"poly-subtractive.json", "generative.json", "delay-reverb.json", "drums.json", "fm-bell.json", "sync-lead.json"}) {
    const PatchGraph g = PatchParser(builtinModules()).parseFromFile(poly + name);
    CompileOptions one, many;
    many.threads = 4;
    many.parallelMinCost = 0;
    const auto s = Compiler(builtinModules()).compile(g, one), t = Compiler(builtinModules()).compile(g, many);
    expectSameBlocks(*s, *t, 400, name);
  }

  std::mt19937 rng(20261207);
  for (int n = 0; n < 60; ++n) {
    const std::string json = test::randomPatch(rng, 24);
    const auto s = compile(json, 1, 0), t = compile(json, 2, 0);
    if (t->tasks.empty()) continue; // a patch of modules with nothing to run
    expectSameBlocks(*s, *t, 40, "random patch " + std::to_string(n) + ": " + json);
  }
}

namespace {

// 16 channels of different pitch (Merge of 16 Constants) through a saw, a ladder whose cutoff a
// mono sine moves and an SVF whose cutoff the pitch cable moves (a MIX into each channel of a
// split module's parameter), summed to mono: wide modules that split their channels, no voice gate.
std::string wideChain() {
  std::string modules = R"({"id": "merge", "type": "Merge", "params": {"channels": 16}}, {"id": "osc", "type": "SawOsc", "params": {"freq": 110}},
    {"id": "lfo", "type": "SineGen", "params": {"freq": 3}}, {"id": "ladder", "type": "Ladder", "params": {"cutoff": 1500, "resonance": 0.6}},
    {"id": "svf", "type": "SVF", "params": {"cutoff": 2000}}, {"id": "sum", "type": "Sum"}, {"id": "out", "type": "AudioOut"})";
  std::string cables = R"({"from": "merge.out", "to": "osc.pitch"}, {"from": "osc.out", "to": "ladder.in"}, {"from": "lfo.out", "to": "ladder.cutoff", "amount": 400},
    {"from": "ladder.lp", "to": "svf.in"}, {"from": "merge.out", "to": "svf.cutoff", "amount": 300}, {"from": "svf.lp", "to": "sum.in"},
    {"from": "sum.sum", "to": "out.left", "amount": 0.05})";
  for (int k = 0; k < 16; ++k) {
    modules += R"(, {"id": "c)" + std::to_string(k) + R"(", "type": "Constant", "params": {"value": )" + std::to_string(k / 12.0 - 0.5) + "}}";
    cables += R"(, {"from": "c)" + std::to_string(k) + R"(.out", "to": "merge.in)" + std::to_string(k + 1) + R"("})";
  }
  return R"({"seed": 5, "modules": [)" + modules + R"(], "connections": [)" + cables + "]}";
}

// The PROCESS_CH parts of module `id`: (first, end) each, in program order.
std::vector<std::pair<std::uint32_t, std::uint32_t>> partsOf(const Program& p, const std::string& id) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> parts;
  for (std::uint32_t pc = 0; p.code[pc] != static_cast<std::uint32_t>(Op::End); pc += 1 + kOperandCount[p.code[pc]])
    if (p.code[pc] == static_cast<std::uint32_t>(Op::ProcessChannels) && p.modules[p.code[pc + 1]].id == id) parts.push_back({p.code[pc + 2], p.code[pc + 3]});
  return parts;
}

// The thread of the task that runs instruction `pc`.
std::uint32_t threadRunning(const Program& p, std::uint32_t pc) {
  for (const TaskGraph::Task& t : p.tasks.tasks)
    for (std::uint32_t r = t.firstRange; r < t.firstRange + t.rangeCount; ++r)
      if (p.tasks.ranges[r].first <= pc && pc < p.tasks.ranges[r].second) return t.thread;
  return ~std::uint32_t{0};
}

} // namespace

// A wide module that splitsChannels() runs in parts of whole lane groups, one per thread, and the
// parts of a chain go down it side by side: the saw's, the ladder's and the SVF's first halves on
// one thread, their second halves on the other. The result is the one-thread program's, bit for
// bit, in any order the task graph allows.
TEST(TaskPlanner, AWideModuleRunsInChannelPartsSideBySide) {
  const auto one = compile(wideChain(), 1, 0), two = compile(wideChain(), 2, 0), three = compile(wideChain(), 3, 0);
  EXPECT_TRUE(partsOf(*one, "osc").empty()) << "one thread: no parts";
  using Parts = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  for (const char* id : {"osc", "ladder", "svf"}) {
    EXPECT_EQ(partsOf(*two, id), (Parts{{0, 8}, {8, 16}})) << id;
    EXPECT_EQ(partsOf(*three, id), (Parts{{0, 4}, {4, 8}, {8, 16}})) << id;
  }
  EXPECT_TRUE(partsOf(*two, "sum").empty()) << "Sum adds its channels together: it does not split";
  EXPECT_TRUE(partsOf(*two, "merge").empty());
  EXPECT_NE(disassemble(*two).find("PROCESS_CH module 1 channels 8..15"), std::string::npos) << disassemble(*two);

  ASSERT_FALSE(two->tasks.empty());
  std::vector<std::uint32_t> threadOfPart[2];
  for (std::uint32_t pc = 0; two->code[pc] != static_cast<std::uint32_t>(Op::End); pc += 1 + kOperandCount[two->code[pc]])
    if (two->code[pc] == static_cast<std::uint32_t>(Op::ProcessChannels)) threadOfPart[two->code[pc + 2] == 0 ? 0 : 1].push_back(threadRunning(*two, pc));
  ASSERT_EQ(threadOfPart[0].size(), 3u);
  for (int k = 0; k < 3; ++k) EXPECT_NE(threadOfPart[0][static_cast<std::size_t>(k)], threadOfPart[1][static_cast<std::size_t>(k)]) << "module " << k << "'s halves on one thread";
  EXPECT_LT(two->tasks.makespan * 10, two->tasks.totalCost * 8) << "the halves overlap";

  expectSameBlocks(*one, *two, 200, "16 channels on 2 threads");
  expectSameBlocks(*compile(wideChain(), 1, 0), *three, 200, "16 channels on 3 threads"); // `one` has played 200 blocks

}
