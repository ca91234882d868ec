#pragma once
// Program → TaskGraph (compiler/task_graph.h), on the compile thread: which parts of a block may
// run on several threads at once, bit for bit as on one.
//
// 1. Units: the bytecode is cut after every PROCESS (a module with the instructions that gather its
//    inputs). A unit's estimated work is the module's widest port, in channels, plus one.
// 2. Dependencies: what each instruction reads and writes is read off the program itself: arena
//    ranges (a module's ports, a cable's source and sum, a parameter's buffer), module state
//    (PROCESS; the active channels MIX, PARAM and GATE read or set) and the host buffers a module
//    reaches through the host bus (ModuleDescriptor::hostBus). Walking the units in program order,
//    each depends on the last writer of everything it touches and, where it writes, on every
//    reader since: the classic read/write hazards. So no two units that touch the same thing can run in another order than
//    the bytecode's, and sums over fan-in keep their order.
// 3. A static list schedule on the planned threads, in program order. A unit stays on its home
//    thread (its latest predecessor's, else the previous unit's) unless another thread could start
//    it sooner by more than a slack of 1/8 of a thread's share; a dependency on another thread
//    costs about one unit's work. So chains (a voice, a group of voices) stay on one thread,
//    their state in one cache, and threads change hands about eight times per share.
// 4. Tasks: a thread's units in order, cut where the schedule starts a unit of another thread
//    that waits for one of them, and before a unit that waits for another thread's unit that the
//    schedule finishes after the current task starts. The second cut keeps the task graph acyclic
//    (a unit a task waits for never depends on the task); the planner checks it anyway. (Cutting
//    further, into tasks of a fixed share, measured slower on 64 ladder voices: 1.41-1.55x against
//    1.60-1.72x on two threads.)
//
// A program with little work, or whose schedule overlaps less than a fifth of its work, gets no
// tasks: it runs on one thread, as it would without the option.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "mvm/compiler/opcodes.h"
#include "mvm/compiler/program.h"
#include "mvm/compiler/task_graph.h"
#include "mvm/core/block.h"

namespace mvm {

struct TaskPlanOptions {
  int threads = 1;
  // Least estimated work per block (module channels) worth spreading over threads; 0 spreads every
  // program, however small or serial, as thinly as it can (tests use it to exercise the scheduler).
  std::uint64_t minCost = 256;
};

// The most tasks a program is cut into (each of vm/worker_pool.h's queues holds them all).
inline constexpr std::uint32_t kMaxTasks = 4096;

namespace detail {

// Hazard tracking over arena chunks and modules.
class AccessTracker {
public:
  static constexpr std::uint32_t kChunkFloats = 16; // buffers are 64-byte aligned (compiler.h)

  AccessTracker(const Program& p)
      : chunks_(static_cast<std::uint32_t>((p.arena.size() + kChunkFloats - 1) / kChunkFloats)),
        modules_(static_cast<std::uint32_t>(p.modules.size())), lastWriter_(chunks_ + modules_, kNone),
        readers_(chunks_ + modules_) {}

  void reads(std::uint32_t offset, std::uint32_t floats) { range(offset, floats, false); }
  void writes(std::uint32_t offset, std::uint32_t floats) { range(offset, floats, true); }
  void module(std::uint32_t m) { touched_.push_back(std::uint64_t{chunks_ + m} << 1 | 1); }

  // The units `unit` must wait for, given what it touched since the last call.
  std::vector<std::uint32_t> finishUnit(std::uint32_t unit) {
    std::sort(touched_.begin(), touched_.end());
    std::vector<std::uint32_t> preds;
    for (std::size_t i = 0; i < touched_.size();) {
      const auto r = static_cast<std::size_t>(touched_[i] >> 1);
      bool write = false;
      for (; i < touched_.size() && (touched_[i] >> 1) == r; ++i) write |= (touched_[i] & 1) != 0;
      if (lastWriter_[r] != kNone) preds.push_back(lastWriter_[r]);
      if (write) {
        preds.insert(preds.end(), readers_[r].begin(), readers_[r].end());
        readers_[r].clear();
        lastWriter_[r] = unit;
      } else if (readers_[r].empty() || readers_[r].back() != unit) {
        readers_[r].push_back(unit);
      }
    }
    touched_.clear();
    std::sort(preds.begin(), preds.end());
    preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
    if (!preds.empty() && preds.back() == unit) preds.pop_back();
    return preds;
  }

private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  void range(std::uint32_t offset, std::uint32_t floats, bool write) {
    if (floats == 0) return;
    const std::uint32_t first = offset / kChunkFloats, last = (offset + floats - 1) / kChunkFloats;
    for (std::uint32_t c = first; c <= last && c < chunks_; ++c) touched_.push_back(std::uint64_t{c} << 1 | (write ? 1 : 0));
  }

  std::uint32_t chunks_, modules_;
  std::vector<std::uint32_t> lastWriter_;
  std::vector<std::vector<std::uint32_t>> readers_;
  std::vector<std::uint64_t> touched_;
};

// The estimated work of instruction `pc`: a module's widest port, in channels; the rest is small.
inline std::uint32_t instructionCost(const Program& p, std::uint32_t pc) {
  if (p.code[pc] != static_cast<std::uint32_t>(Op::Process)) return 0;
  const DSPModule& d = *p.modules[p.code[pc + 1]].instance;
  int widest = 1;
  for (int i = 0; i < d.numInputs(); ++i) widest = std::max(widest, d.inputChannels(i));
  for (int o = 0; o < d.numOutputs(); ++o) widest = std::max(widest, d.outputChannels(o));
  return static_cast<std::uint32_t>(widest);
}

// Records what instruction `pc` touches.
inline void recordAccesses(const Program& p, std::uint32_t pc, AccessTracker& t) {
  const std::uint32_t* op = p.code.data() + pc;
  const auto offsetOf = [&](const float* ptr) { return static_cast<std::uint32_t>(ptr - p.arena.data()); };
  switch (static_cast<Op>(op[0])) {
  case Op::Clear: t.writes(op[1], op[2]); return;
  case Op::Mix:
    t.reads(op[3], op[4] * kBlockFrames);
    t.reads(op[1], op[2] * kBlockFrames);
    t.writes(op[1], op[2] * kBlockFrames);
    t.module(op[6]); // reads the channels it runs
    return;
  case Op::Param: {
    const ParamSlot& s = p.params[op[1]];
    t.writes(s.buffer, s.channels * kBlockFrames);
    t.module(s.module);
    return;
  }
  case Op::Process: {
    const CompiledModule& m = p.modules[op[1]];
    const DSPModule& d = *m.instance;
    for (int i = 0; i < d.numInputs(); ++i)
      t.reads(offsetOf(p.inputPointers[m.firstInput + static_cast<std::uint32_t>(i)]),
              static_cast<std::uint32_t>(d.inputChannels(i)) * kBlockFrames);
    for (int o = 0; o < d.numOutputs(); ++o)
      t.writes(offsetOf(p.outputPointers[m.firstOutput + static_cast<std::uint32_t>(o)]),
               static_cast<std::uint32_t>(d.outputChannels(o)) * kBlockFrames);
    t.module(op[1]);
    if (d.descriptor().hostBus == HostBusUse::Writes) // adds into the host outputs, outside its ports
      t.writes(p.busOutputOffset, static_cast<std::uint32_t>(p.bus.numOutputs) * kBlockFrames);
    else if (d.descriptor().hostBus == HostBusUse::Reads)
      t.reads(p.busInputOffset, static_cast<std::uint32_t>(p.bus.numInputs) * kBlockFrames);
    return;
  }
  case Op::Delay:
    t.reads(op[2], op[3]);
    t.writes(op[1], op[3]);
    return;
  case Op::Gate: {
    const VoiceGate& g = p.voiceGates[op[1]];
    t.reads(g.envelope, g.envelopeChannels * kBlockFrames);
    t.module(g.envelopeModule);
    t.module(g.gate);
    for (std::uint32_t m : g.members) t.module(m);
    for (std::uint32_t m : g.quietReaders) t.module(m);
    return;
  }
  case Op::End:
  case Op::Count: return;
  }
}

// Whether the tasks' edges leave no cycle (Kahn's algorithm visits every task).
inline bool acyclic(const TaskGraph& g) {
  std::vector<std::uint32_t> pending(g.tasks.size());
  for (std::size_t t = 0; t < g.tasks.size(); ++t) pending[t] = g.tasks[t].predecessors;
  std::vector<std::uint32_t> ready(g.roots);
  std::size_t visited = 0;
  while (!ready.empty()) {
    const std::uint32_t t = ready.back();
    ready.pop_back();
    ++visited;
    for (std::uint32_t i = 0; i < g.tasks[t].successorCount; ++i)
      if (--pending[g.successors[g.tasks[t].firstSuccessor + i]] == 0) ready.push_back(g.successors[g.tasks[t].firstSuccessor + i]);
  }
  return visited == g.tasks.size();
}

} // namespace detail

// control thread, after the program is bound (its pointers and channel counts are final)
inline TaskGraph planTasks(const Program& p, const TaskPlanOptions& options) {
  TaskGraph g;
  if (options.threads < 2) return g;
  const auto threads = static_cast<std::uint32_t>(options.threads);

  // 1. Units, 2. their dependencies.
  struct Unit {
    std::uint32_t begin = 0, end = 0;
    std::uint64_t cost = 0;
    std::vector<std::uint32_t> preds;
  };
  std::vector<Unit> units;
  detail::AccessTracker tracker(p);
  Unit unit;
  for (std::uint32_t pc = 0;; pc += 1 + kOperandCount[p.code[pc]]) {
    const bool end = p.code[pc] == static_cast<std::uint32_t>(Op::End);
    if (!end) {
      detail::recordAccesses(p, pc, tracker);
      unit.cost += detail::instructionCost(p, pc);
    }
    if ((end && pc > unit.begin) || (!end && p.code[pc] == static_cast<std::uint32_t>(Op::Process))) {
      unit.end = end ? pc : pc + 1 + kOperandCount[p.code[pc]];
      unit.cost += 1;
      unit.preds = tracker.finishUnit(static_cast<std::uint32_t>(units.size()));
      g.totalCost += unit.cost;
      units.push_back(std::move(unit));
      unit = Unit{};
      unit.begin = units.back().end;
    }
    if (end) break;
  }
  if (units.size() < 2 || (options.minCost > 0 && g.totalCost < options.minCost)) return g;

  // 3. The static schedule.
  // minCost 0 (tests): no slack and free crossings, which spreads units as thinly as it can.
  const bool spread = options.minCost == 0;
  const std::uint64_t crossing = spread ? 0 : std::max<std::uint64_t>(1, g.totalCost / units.size()); // a dependency on another thread
  const std::uint64_t slack = spread ? 0 : std::max<std::uint64_t>(crossing, g.totalCost / (threads * 8));
  std::vector<std::uint64_t> start(units.size()), finish(units.size()), threadFree(threads, 0);
  std::vector<std::uint32_t> threadOf(units.size());
  for (std::size_t u = 0; u < units.size(); ++u) {
    const std::uint32_t home = !units[u].preds.empty() ? threadOf[units[u].preds.back()] : u > 0 ? threadOf[u - 1] : 0;
    const auto readyOn = [&](std::uint32_t t) {
      std::uint64_t ready = threadFree[t];
      for (std::uint32_t q : units[u].preds) ready = std::max(ready, finish[q] + (threadOf[q] == t ? 0 : crossing));
      return ready;
    };
    std::uint32_t best = home;
    std::uint64_t bestStart = readyOn(home);
    const std::uint64_t homeStart = bestStart;
    for (std::uint32_t t = 0; t < threads; ++t)
      if (const std::uint64_t r = readyOn(t); r < bestStart) {
        bestStart = r;
        best = t;
      }
    if (homeStart <= bestStart + slack) {
      best = home;
      bestStart = homeStart;
    }
    threadOf[u] = best;
    start[u] = bestStart;
    finish[u] = bestStart + units[u].cost;
    threadFree[best] = finish[u];
    g.makespan = std::max(g.makespan, finish[u]);
  }
  // Worth it only when the threads overlap a fifth of the work or more.
  if (options.minCost > 0 && g.makespan * 5 > g.totalCost * 4) return g;

  // 4. Tasks: per thread, its units in order, cut where another thread's unit is to start after
  // waiting for one of them (so it waits for what the schedule gave it, not for what the thread
  // does next), and before a unit that waits for another thread's unit finishing after the task starts.
  std::vector<std::vector<std::uint32_t>> sequence(threads); // each thread's units, in order (finish times rise)
  for (std::uint32_t u = 0; u < units.size(); ++u) sequence[threadOf[u]].push_back(u);
  // q's task may go on until the first unit of another thread waiting for q is to start, not further.
  std::vector<std::uint64_t> firstWaiter(units.size(), ~std::uint64_t{0});
  for (std::uint32_t u = 0; u < units.size(); ++u)
    for (std::uint32_t q : units[u].preds)
      if (threadOf[q] != threadOf[u]) firstWaiter[q] = std::min(firstWaiter[q], start[u]);
  std::vector<char> cutAfter(units.size(), 0);
  for (std::uint32_t q = 0; q < units.size(); ++q)
    if (firstWaiter[q] != ~std::uint64_t{0}) {
      const std::vector<std::uint32_t>& seq = sequence[threadOf[q]];
      const auto last = std::upper_bound(seq.begin(), seq.end(), firstWaiter[q], [&](std::uint64_t t, std::uint32_t v) { return t < finish[v]; });
      cutAfter[*(last - 1)] = 1; // not before q: q finishes by then
    }
  std::vector<std::uint32_t> taskOf(units.size());
  std::vector<std::int64_t> openTask(threads, -1);
  std::vector<std::vector<std::uint32_t>> unitsOf;
  for (std::uint32_t u = 0; u < units.size(); ++u) {
    const std::uint32_t t = threadOf[u];
    bool cut = openTask[t] < 0;
    if (!cut) {
      const std::uint64_t taskStart = start[unitsOf[static_cast<std::size_t>(openTask[t])].front()];
      for (std::uint32_t q : units[u].preds)
        if (threadOf[q] != t && finish[q] > taskStart) cut = true;
    }
    if (cut) {
      openTask[t] = static_cast<std::int64_t>(unitsOf.size());
      unitsOf.emplace_back();
      TaskGraph::Task task;
      task.thread = t;
      g.tasks.push_back(task);
    }
    taskOf[u] = static_cast<std::uint32_t>(openTask[t]);
    unitsOf[static_cast<std::size_t>(openTask[t])].push_back(u);
    if (cutAfter[u]) openTask[t] = -1;
  }
  if (g.tasks.size() > kMaxTasks || g.tasks.size() < 2) return TaskGraph{};

  // Ranges (adjacent units of a task join), edges, successor lists, roots.
  std::vector<std::vector<std::uint32_t>> preds(g.tasks.size()), succ(g.tasks.size());
  for (std::uint32_t t = 0; t < g.tasks.size(); ++t) {
    TaskGraph::Task& task = g.tasks[t];
    task.firstRange = static_cast<std::uint32_t>(g.ranges.size());
    for (std::uint32_t u : unitsOf[t]) {
      task.cost += units[u].cost;
      if (g.ranges.size() > task.firstRange && g.ranges.back().second == units[u].begin) g.ranges.back().second = units[u].end;
      else g.ranges.push_back({units[u].begin, units[u].end});
      for (std::uint32_t q : units[u].preds)
        if (taskOf[q] != t) preds[t].push_back(taskOf[q]);
    }
    task.rangeCount = static_cast<std::uint32_t>(g.ranges.size()) - task.firstRange;
    std::sort(preds[t].begin(), preds[t].end());
    preds[t].erase(std::unique(preds[t].begin(), preds[t].end()), preds[t].end());
    task.predecessors = static_cast<std::uint32_t>(preds[t].size());
    for (std::uint32_t q : preds[t]) succ[q].push_back(t);
    if (preds[t].empty()) g.roots.push_back(t);
  }
  for (std::uint32_t t = 0; t < g.tasks.size(); ++t) {
    g.tasks[t].firstSuccessor = static_cast<std::uint32_t>(g.successors.size());
    g.tasks[t].successorCount = static_cast<std::uint32_t>(succ[t].size());
    g.successors.insert(g.successors.end(), succ[t].begin(), succ[t].end());
  }
  if (!detail::acyclic(g)) return TaskGraph{}; // cannot happen (see 4.); one thread is always right
  g.pending = std::make_unique<std::atomic<std::uint32_t>[]>(g.tasks.size());
  return g;
}

} // namespace mvm
