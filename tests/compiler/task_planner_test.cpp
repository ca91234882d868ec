#include "mvm/compiler/task_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

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
