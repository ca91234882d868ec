#pragma once
// PatchGraph → Program, on the compile thread. Deterministic: the same graph and options give the
// same bytecode, layout and output. Passes, in order:
//   1. instantiate modules; 2. resolve cables to ports; 3. break cycles (strongly connected
//   components, lowest edge first, one-block delay); 4. order modules (Kahn, ties by patch order);
//   5. resolve channel counts; 6. plan voice gates (compiler/voice_gates.h: each gate's envelope
//   is ordered before its voice chain); 7. lay out buffers (reuse by liveness:
//   optimizeForRealTime) and emit bytecode; 8. bind pointers and parameter slots.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <queue>
#include <sstream>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mvm/compiler/cycle_breaker.h"
#include "mvm/compiler/opcodes.h"
#include "mvm/compiler/program.h"
#include "mvm/compiler/task_planner.h"
#include "mvm/compiler/voice_gates.h"
#include "mvm/core/hash.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/dsp/module_setup.h"
#include "mvm/patch/limits.h"
#include "mvm/patch/module_type.h"
#include "mvm/patch/patch_error.h"
#include "mvm/patch/patch_graph.h"
#include "mvm/patch/patch_writer.h"
#include "mvm/patch/validate.h"

namespace mvm {

struct CompileOptions {
  double sampleRate = 48000.0;
  int numOutputs = 2;
  int numInputs = 0;
  bool overrideSeed = false;  // use `seed` instead of the patch's
  std::uint64_t seed = 0;
  bool optimizeForRealTime = true; // reuse signal buffers by liveness
  bool annotate = false;            // a note per instruction, for disassembly (costs compile time)
  // Keep the patch as canonical JSON in Program::patchJson, for session recordings (costs about
  // as much as compiling, for very large patches: hence only when a recording is attached).
  bool keepPatchJson = false;
  // Threads the program may run on (compiler/task_planner.h; VMConfig::threads runs them). A
  // program planned for several threads keeps every signal buffer to itself (no reuse by
  // liveness, which would order independent modules one after the other).
  int threads = 1;
  std::uint64_t parallelMinCost = TaskPlanOptions{}.minCost; // 0: plan tasks for any program (tests)
};

class Compiler {
public:
  // Feedback diagnostics listed one per delayed cable; the rest are counted in one more line.
  static constexpr std::size_t kMaxCycleReports = 16;

  explicit Compiler(const ModuleRegistry& registry) : registry_(registry) {}

  // control thread, may allocate; throws PatchError
  std::unique_ptr<Program> compile(const PatchGraph& g, const CompileOptions& options = {}) const {
    if (!(options.sampleRate >= limits::kMinSampleRate && options.sampleRate <= limits::kMaxSampleRate))
      throw PatchError(g.source, "", "sample rate " + std::to_string(options.sampleRate) + " is outside [8000, 384000]");
    if (options.numOutputs < 0 || options.numOutputs > kMaxHostChannels || options.numInputs < 0 ||
        options.numInputs > kMaxHostChannels)
      throw PatchError(g.source, "", "host channel counts must be within 0.." + std::to_string(kMaxHostChannels));
    validateRealTimeConstraints(g, registry_);
    Build b(g, options, registry_);
    b.instantiate();
    b.resolveEdges();
    b.breakCycles();
    b.order();
    b.resolveChannels();
    b.planGates();
    const bool parallel = b.mayRunInParallel();
    b.reuseBuffers = options.optimizeForRealTime && !parallel;
    b.layoutAndEmit();
    b.bind();
    if (parallel) b.prog->tasks = planTasks(*b.prog, {options.threads, options.parallelMinCost});
    if (options.keepPatchJson) b.prog->patchJson = patchToJson(g, b.patchSeed()).dump();
    b.prog->hostOutputs = options.numOutputs;
    b.prog->hostInputs = options.numInputs;
    b.prog->optimizedForRealTime = options.optimizeForRealTime;
    return std::move(b.prog);
  }

private:
  struct Edge {
    int from, fromPort, to, toPort; // toPort in the module's input index space
    float amount;
    std::size_t index;              // connection index in the patch
    bool delayed = false;
    std::uint32_t delayBuffer = 0;
  };

  struct Build {
    const PatchGraph& g;
    const CompileOptions& opt;
    const ModuleRegistry& registry;
    std::unique_ptr<Program> prog = std::make_unique<Program>();
    std::vector<const ModuleDescriptor*> desc;
    std::vector<std::vector<float>> values;     // every parameter's patch value or default
    std::vector<Edge> edges;
    std::vector<std::vector<std::size_t>> into;  // per module: indices of edges into it, patch order
    std::vector<std::vector<char>> connected;    // per module and input port: has a cable
    std::vector<int> topo;
    std::vector<std::vector<int>> inCh, outCh;  // resolved channel counts
    std::vector<std::vector<std::uint32_t>> inBuf, outBuf; // arena offsets per port
    std::vector<std::uint32_t> paramSlotOf;     // first slot of each module
    std::size_t bump = 0;                       // arena floats handed out so far
    std::vector<std::pair<std::uint32_t, std::uint32_t>> freeList; // (offset, floats)
    std::vector<VoiceGatePlan> gates;
    std::vector<std::vector<std::uint32_t>> gatesAfter; // per module: the gates whose envelope it is
    bool reuseBuffers = true;

    Build(const PatchGraph& graph, const CompileOptions& o, const ModuleRegistry& r) : g(graph), opt(o), registry(r) {}

    std::uint64_t patchSeed() const { return opt.overrideSeed ? opt.seed : g.seed; }

    void instantiate() {
      prog->sampleRate = opt.sampleRate;
      prog->seed = patchSeed();
      prog->source = g.source;
      const std::size_t n = g.modules.size();
      desc.resize(n);
      values.resize(n);
      for (std::size_t m = 0; m < n; ++m) {
        const ModuleSpec& spec = g.modules[m];
        const ModuleRegistry::Entry& e = findModuleType(registry, spec.type, g.source, spec.id);
        desc[m] = e.descriptor;
        for (const ParamDescriptor& pd : e.descriptor->params) {
          auto it = spec.params.find(pd.name);
          values[m].push_back(it == spec.params.end() ? pd.defaultValue : it->second);
        }
        for (const auto& [name, v] : spec.params)
          if (e.descriptor->findParam(name) < 0)
            throw PatchError(g.source, "module \"" + spec.id + "\" parameter \"" + name + "\"", "unknown parameter");
        CompiledModule cm;
        cm.instance = e.create();
        cm.id = spec.id;
        cm.type = spec.type;
        cm.key = fnv1a64(spec.id);
        cm.typeKey = fnv1a64(spec.type);
        ProcessSetup setup;
        setup.sampleRate = opt.sampleRate;
        setup.seed = mixSeed(patchSeed() ^ cm.key);
        setup.bus = e.descriptor->hostBus != HostBusUse::None ? &prog->bus : nullptr; // the task planner orders them
        setup.id = spec.id;
        setup.params = values[m];
        attachModule(*cm.instance, *desc[m], std::move(setup));
        prog->modules.push_back(std::move(cm));
      }
    }

    void resolveEdges() {
      // An id index: PatchGraph::findModule is a linear scan, which made this pass quadratic
      // (10,000 modules: most of a 230 ms compile).
      std::unordered_map<std::string_view, int> moduleOf;
      moduleOf.reserve(g.modules.size());
      for (std::size_t m = 0; m < g.modules.size(); ++m) moduleOf.emplace(g.modules[m].id, static_cast<int>(m));
      auto find = [&moduleOf](const std::string& id) {
        const auto it = moduleOf.find(id);
        return it == moduleOf.end() ? -1 : it->second;
      };
      for (std::size_t i = 0; i < g.connections.size(); ++i) {
        const Connection& c = g.connections[i];
        const int from = find(c.from.module), to = find(c.to.module);
        auto place = [&] { return "connections[" + std::to_string(i) + "] (" + c.from.str() + " -> " + c.to.str() + ")"; };
        if (from < 0 || to < 0) throw PatchError(g.source, place(), "connects to no module");
        const int fromPort = desc[static_cast<std::size_t>(from)]->findOutput(c.from.port);
        const ModuleDescriptor& td = *desc[static_cast<std::size_t>(to)];
        int toPort = td.findInput(c.to.port);
        if (toPort < 0 && td.findParam(c.to.port) >= 0) toPort = static_cast<int>(td.inputs.size()) + td.findParam(c.to.port);
        if (fromPort < 0 || toPort < 0) throw PatchError(g.source, place(), "connects to no port");
        edges.push_back(Edge{from, fromPort, to, toPort, c.amount, i});
      }
      into.resize(g.modules.size());
      connected.resize(g.modules.size());
      for (std::size_t m = 0; m < g.modules.size(); ++m) connected[m].assign(static_cast<std::size_t>(desc[m]->inputPortCount()), 0);
      for (std::size_t i = 0; i < edges.size(); ++i) {
        into[static_cast<std::size_t>(edges[i].to)].push_back(i);
        connected[static_cast<std::size_t>(edges[i].to)][static_cast<std::size_t>(edges[i].toPort)] = 1;
      }
    }

    std::string edgeName(const Edge& e) const {
      const Connection& c = g.connections[e.index];
      return c.from.str() + ">" + c.to.str();
    }

    // The rule and how it is computed in near-linear time: compiler/cycle_breaker.h. Modules are
    // ranked by id (ids are distinct), which is what comparing cables as text comes down to.
    void breakCycles() {
      const std::size_t n = g.modules.size();
      std::vector<int> byId(n), rank(n);
      for (std::size_t m = 0; m < n; ++m) byId[m] = static_cast<int>(m);
      std::stable_sort(byId.begin(), byId.end(), [this](int a, int b) {
        return g.modules[static_cast<std::size_t>(a)].id < g.modules[static_cast<std::size_t>(b)].id;
      });
      for (std::size_t r = 0; r < n; ++r) rank[static_cast<std::size_t>(byId[r])] = static_cast<int>(r);
      std::vector<std::pair<int, int>> cables;
      cables.reserve(edges.size());
      for (const Edge& e : edges) cables.push_back({e.from, e.to});
      const CycleBreak result = CycleBreaker::run(rank, cables);
      prog->cycleBreakWork = result.work;
      std::size_t delayed = 0;
      for (std::size_t i = 0; i < edges.size(); ++i) {
        if (!result.delayed[i]) continue;
        Edge& e = edges[i];
        e.delayed = true;
        // One line per delayed cable, up to a point: a dense patch delays thousands.
        if (++delayed <= kMaxCycleReports)
          prog->diagnostics.push_back("feedback: cycle broken at " + g.connections[e.index].from.str() + " -> " +
                                      g.connections[e.index].to.str() + " with a one-block delay (" +
                                      std::to_string(kBlockFrames) + " frames)");
      }
      if (delayed > kMaxCycleReports)
        prog->diagnostics.push_back("feedback: " + std::to_string(delayed - kMaxCycleReports) +
                                    " more cables delayed by one block to break cycles (" + std::to_string(delayed) + " in all)");
    }

    // Kahn's algorithm; among ready modules the earliest in the patch goes first. `after`: more
    // (before, after) pairs to respect than the cables.
    void order(const std::vector<std::pair<int, int>>& after = {}) {
      const std::size_t n = g.modules.size();
      std::vector<int> indegree(n, 0);
      std::vector<std::vector<int>> succ(n);
      auto precede = [&](int from, int to) {
        succ[static_cast<std::size_t>(from)].push_back(to);
        ++indegree[static_cast<std::size_t>(to)];
      };
      for (const Edge& e : edges)
        if (!e.delayed) precede(e.from, e.to);
      for (auto [before, later] : after) precede(before, later);
      topo.clear();
      std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
      for (std::size_t m = 0; m < n; ++m)
        if (indegree[m] == 0) ready.push(static_cast<int>(m));
      while (!ready.empty()) {
        const int m = ready.top();
        ready.pop();
        topo.push_back(m);
        for (int s : succ[static_cast<std::size_t>(m)])
          if (--indegree[static_cast<std::size_t>(s)] == 0) ready.push(s);
      }
      if (topo.size() != n) throw PatchError(g.source, "", "internal error: cycle left after cycle breaking");
    }

    void resolveChannels() {
      const std::size_t n = g.modules.size();
      inCh.resize(n);
      outCh.resize(n);
      for (std::size_t m = 0; m < n; ++m) {
        inCh[m].assign(static_cast<std::size_t>(desc[m]->inputPortCount()), 1);
        outCh[m].assign(desc[m]->outputs.size(), 1);
      }
      // Delayed cables feed back channel counts from later modules: iterate to a fixed point
      // (counts only grow and are bounded by kMaxChannels).
      for (int pass = 0; pass <= kMaxChannels + 1; ++pass) {
        bool changed = false;
        for (int m : topo) {
          const auto um = static_cast<std::size_t>(m);
          std::fill(inCh[um].begin(), inCh[um].end(), 1);
          for (std::size_t i : into[um]) {
              const Edge& e = edges[i];
              int& ch = inCh[um][static_cast<std::size_t>(e.toPort)];
              ch = std::max(ch, outCh[static_cast<std::size_t>(e.from)][static_cast<std::size_t>(e.fromPort)]);
            }
          std::vector<int> out(outCh[um].size(), 1);
          resolveModuleChannels(*prog->modules[um].instance, {inCh[um], connected[um]}, out);
          if (out != outCh[um]) { outCh[um] = out; changed = true; }
        }
        if (!changed) return;
      }
    }

    std::vector<const DSPModule*> instances() const {
      std::vector<const DSPModule*> list;
      for (const CompiledModule& cm : prog->modules) list.push_back(cm.instance.get());
      return list;
    }

    // The GATE instruction reads the envelope's block before its voice chain runs: the chain is
    // ordered after the envelope (no cycle: the chain feeds only itself and the gate, which the
    // envelope feeds by a cable that is not delayed).
    void planGates() {
      gates = planVoiceGates(topo, edges, outCh, instances());
      if (gates.empty()) return;
      std::vector<std::pair<int, int>> after;
      for (const VoiceGatePlan& plan : gates)
        for (int m : plan.members) after.push_back({plan.envelope, m});
      order(after);
      gatesAfter.resize(g.modules.size());
      for (const VoiceGatePlan& plan : gates) {
        gatesAfter[static_cast<std::size_t>(plan.envelope)].push_back(static_cast<std::uint32_t>(prog->voiceGates.size()));
        VoiceGate gate;
        gate.envelopeChannels = static_cast<std::uint32_t>(outCh[static_cast<std::size_t>(plan.envelope)][static_cast<std::size_t>(plan.envelopePort)]);
        gate.channels = static_cast<std::uint32_t>(outCh[static_cast<std::size_t>(plan.gate)][0]);
        gate.gate = static_cast<std::uint32_t>(plan.gate);
        gate.envelopeModule = static_cast<std::uint32_t>(plan.envelope);
        for (int m : plan.members) gate.members.push_back(static_cast<std::uint32_t>(m));
        for (int m : plan.quietReaders) gate.quietReaders.push_back(static_cast<std::uint32_t>(m));
        prog->voiceGates.push_back(std::move(gate));
      }
    }

    // Whether planTasks may find work for several threads (its estimate: each module's widest port).
    bool mayRunInParallel() const {
      if (opt.threads < 2) return false;
      std::uint64_t cost = 0;
      for (std::size_t m = 0; m < inCh.size(); ++m) {
        int widest = 1;
        for (int c : inCh[m]) widest = std::max(widest, c);
        for (int c : outCh[m]) widest = std::max(widest, c);
        cost += static_cast<std::uint64_t>(widest);
      }
      return cost >= opt.parallelMinCost;
    }

    std::uint32_t allocate(std::size_t floats) {
      if (reuseBuffers) {
        int best = -1;
        for (std::size_t i = 0; i < freeList.size(); ++i)
          if (freeList[i].second >= floats &&
              (best < 0 || freeList[i].second < freeList[static_cast<std::size_t>(best)].second ||
               (freeList[i].second == freeList[static_cast<std::size_t>(best)].second &&
                freeList[i].first < freeList[static_cast<std::size_t>(best)].first)))
            best = static_cast<int>(i);
        if (best >= 0) {
          const std::uint32_t off = freeList[static_cast<std::size_t>(best)].first;
          freeList.erase(freeList.begin() + best);
          ++prog->poolBuffers;
          return off;
        }
      }
      ++prog->poolBuffers;
      prog->poolFloats += floats;
      return dedicated(floats);
    }
    void release(std::uint32_t offset, std::size_t floats) {
      if (reuseBuffers) freeList.push_back({offset, static_cast<std::uint32_t>(floats)});
    }
    std::uint32_t dedicated(std::size_t floats) {
      const auto off = static_cast<std::uint32_t>(bump);
      bump += (floats + 15) & ~std::size_t{15}; // keep every buffer 64-byte aligned
      return off;
    }

    // `note` is only called when annotating.
    template <class Note>
    void emit(Op op, std::initializer_list<std::uint32_t> operands, const Note& note) {
      if (opt.annotate) prog->annotations.push_back({static_cast<std::uint32_t>(prog->code.size()), note()});
      emit(op, operands);
    }
    void emit(Op op, std::initializer_list<std::uint32_t> operands) {
      prog->code.push_back(static_cast<std::uint32_t>(op));
      prog->code.insert(prog->code.end(), operands);
    }
    static std::uint32_t bits(float f) {
      std::uint32_t u;
      std::memcpy(&u, &f, sizeof u);
      return u;
    }

    std::string portName(int m, int port) const {
      const ModuleDescriptor& d = *desc[static_cast<std::size_t>(m)];
      const auto p = static_cast<std::size_t>(port);
      return g.modules[static_cast<std::size_t>(m)].id + "." + (p < d.inputs.size() ? d.inputs[p].name : d.params[p - d.inputs.size()].name);
    }

    void layoutAndEmit() {
      const std::size_t n = g.modules.size();
      constexpr std::size_t kZeroFloats = kMaxChannels * kBlockFrames;
      const std::uint32_t zero = dedicated(kZeroFloats); // read-only silence for unconnected inputs
      prog->busOutputOffset = dedicated(static_cast<std::size_t>(opt.numOutputs) * kBlockFrames);
      prog->busInputOffset = dedicated(static_cast<std::size_t>(opt.numInputs) * kBlockFrames);
      if (opt.numOutputs > 0)
        emit(Op::Clear, {prog->busOutputOffset, static_cast<std::uint32_t>(opt.numOutputs * kBlockFrames)}, [] { return std::string("host outputs"); });

      for (Edge& e : edges)
        if (e.delayed) {
          const std::size_t floats = static_cast<std::size_t>(outCh[static_cast<std::size_t>(e.from)][static_cast<std::size_t>(e.fromPort)]) * kBlockFrames;
          e.delayBuffer = dedicated(floats);
          prog->feedback.push_back(FeedbackDelay{edgeName(e), fnv1a64(edgeName(e)), e.delayBuffer, static_cast<std::uint32_t>(floats)});
        }

      // readers[m][port]: undelayed cables still to read each output buffer
      std::vector<std::vector<int>> readers(n);
      for (std::size_t m = 0; m < n; ++m) readers[m].assign(desc[m]->outputs.size(), 0);
      for (const Edge& e : edges)
        if (!e.delayed) ++readers[static_cast<std::size_t>(e.from)][static_cast<std::size_t>(e.fromPort)];

      std::vector<std::vector<const Edge*>> delayedFrom(n);
      for (const Edge& e : edges)
        if (e.delayed) delayedFrom[static_cast<std::size_t>(e.from)].push_back(&e);

      inBuf.resize(n);
      outBuf.resize(n);
      paramSlotOf.assign(n, 0);
      for (int m : topo) {
        const auto um = static_cast<std::size_t>(m);
        const ModuleDescriptor& d = *desc[um];
        const int ports = d.inputPortCount();
        inBuf[um].assign(static_cast<std::size_t>(ports), zero);
        std::vector<std::pair<std::uint32_t, std::size_t>> scratch;
        paramSlotOf[um] = static_cast<std::uint32_t>(prog->params.size());
        for (int p = 0; p < ports; ++p) {
          const auto up = static_cast<std::size_t>(p);
          std::vector<const Edge*> cables;
          for (std::size_t i : into[um])
            if (edges[i].toPort == p) cables.push_back(&edges[i]);
          const int ch = inCh[um][up];
          const std::size_t floats = static_cast<std::size_t>(ch) * kBlockFrames;
          const bool isParam = up >= d.inputs.size();
          if (isParam) {
            ParamSlot slot;
            slot.module = static_cast<std::uint32_t>(m);
            slot.param = static_cast<std::uint32_t>(up - d.inputs.size());
            slot.channels = static_cast<std::uint32_t>(ch);
            slot.buffer = dedicated(floats);
            slot.modulated = !cables.empty();
            const ParamDescriptor& pd = d.params[slot.param];
            slot.setByPatch = g.modules[um].params.count(pd.name) > 0;
            slot.patchValue = values[um][slot.param];
            slot.moduleKey = prog->modules[um].key;
            slot.paramKey = fnv1a64(pd.name);
            slot.smoother.reset(slot.patchValue, static_cast<std::uint32_t>(pd.smoothingMs * 0.001 * opt.sampleRate + 0.5));
            const auto s = static_cast<std::uint32_t>(prog->params.size());
            prog->params.push_back(slot);
            emit(Op::Param, {s}, [&] { return portName(m, p); });
            inBuf[um][up] = slot.buffer;
            for (const Edge* e : cables) emitMix(*e, slot.buffer, ch, m, p);
          } else if (cables.size() == 1 && cables[0]->amount == 1.0f) {
            inBuf[um][up] = sourceBuffer(*cables[0]); // read the cable in place
          } else if (!cables.empty()) {
            const std::uint32_t buf = allocate(floats);
            emit(Op::Clear, {buf, static_cast<std::uint32_t>(floats)},
                 [&] { return portName(m, p) + " (sum of " + std::to_string(cables.size()) + ")"; });
            for (const Edge* e : cables) emitMix(*e, buf, ch, m, p);
            inBuf[um][up] = buf;
            scratch.push_back({buf, floats});
          }
        }
        outBuf[um].assign(d.outputs.size(), 0);
        for (std::size_t o = 0; o < d.outputs.size(); ++o)
          outBuf[um][o] = allocate(static_cast<std::size_t>(outCh[um][o]) * kBlockFrames);
        emit(Op::Process, {static_cast<std::uint32_t>(m)}, [&] { return g.modules[um].id + " (" + d.type + ")"; });
        for (const Edge* e : delayedFrom[um]) {
          const auto floats = static_cast<std::uint32_t>(outCh[um][static_cast<std::size_t>(e->fromPort)] * kBlockFrames);
          emit(Op::Delay, {e->delayBuffer, outBuf[um][static_cast<std::size_t>(e->fromPort)], floats}, [&] { return "feedback " + edgeName(*e); });
        }
        if (!gatesAfter.empty())
          for (std::uint32_t k : gatesAfter[um]) {
            prog->voiceGates[k].envelope = outBuf[um][static_cast<std::size_t>(gates[k].envelopePort)];
            emit(Op::Gate, {k}, [&] {
              return "voice gate of " + g.modules[static_cast<std::size_t>(gates[k].gate)].id + ": " +
                     std::to_string(gates[k].members.size()) + " modules skip its silent channels";
            });
          }
        for (auto [buf, floats] : scratch) release(buf, floats);
        for (std::size_t i : into[um]) {
          const Edge* e = &edges[i];
          if (e->delayed) continue;
          const auto uf = static_cast<std::size_t>(e->from), fp = static_cast<std::size_t>(e->fromPort);
          if (--readers[uf][fp] == 0) release(outBuf[uf][fp], static_cast<std::size_t>(outCh[uf][fp]) * kBlockFrames);
        }
        for (std::size_t o = 0; o < d.outputs.size(); ++o)
          if (readers[um][o] == 0) release(outBuf[um][o], static_cast<std::size_t>(outCh[um][o]) * kBlockFrames);
      }
      emit(Op::End, {});
      prog->arenaFloats = bump;
    }

    std::uint32_t sourceBuffer(const Edge& e) const {
      return e.delayed ? e.delayBuffer : outBuf[static_cast<std::size_t>(e.from)][static_cast<std::size_t>(e.fromPort)];
    }

    void emitMix(const Edge& e, std::uint32_t dst, int dstCh, int m, int p) {
      const int srcCh = outCh[static_cast<std::size_t>(e.from)][static_cast<std::size_t>(e.fromPort)];
      emit(Op::Mix, {dst, static_cast<std::uint32_t>(dstCh), sourceBuffer(e), static_cast<std::uint32_t>(srcCh), bits(e.amount),
                     static_cast<std::uint32_t>(m)}, [&] {
        std::ostringstream note;
        note << g.connections[e.index].from.str() << " -> " << portName(m, p);
        if (e.amount != 1.0f) note << " * " << e.amount;
        if (e.delayed) note << " (delayed)";
        return note.str();
      });
    }

    void bind() {
      prog->arena = AlignedFloatArray(bump);
      float* base = prog->arena.data();
      HostBus& bus = prog->bus;
      bus.numOutputs = opt.numOutputs;
      bus.numInputs = opt.numInputs;
      for (int c = 0; c < opt.numOutputs; ++c) bus.outputs[c] = base + prog->busOutputOffset + c * kBlockFrames;
      for (int c = 0; c < opt.numInputs; ++c) bus.inputs[c] = base + prog->busInputOffset + c * kBlockFrames;
      // Outputs no cable reads (delayed cables read too), known to every module before its prepare().
      // One flag per output of every module, module m's from firstOutput[m]: two allocations, not one per module.
      std::vector<std::size_t> firstOutput(g.modules.size() + 1, 0);
      for (std::size_t m = 0; m < g.modules.size(); ++m) firstOutput[m + 1] = firstOutput[m] + outBuf[m].size();
      std::vector<char> outputRead(firstOutput.back(), 0);
      for (const Edge& e : edges) outputRead[firstOutput[static_cast<std::size_t>(e.from)] + static_cast<std::size_t>(e.fromPort)] = 1;
      for (std::size_t m = 0; m < g.modules.size(); ++m) {
        CompiledModule& cm = prog->modules[m];
        cm.firstInput = static_cast<std::uint32_t>(prog->inputPointers.size());
        cm.firstOutput = static_cast<std::uint32_t>(prog->outputPointers.size());
        for (std::uint32_t buffer : inBuf[m]) prog->inputPointers.push_back(base + buffer);
        for (std::uint32_t buffer : outBuf[m]) prog->outputPointers.push_back(base + buffer);
        setModuleLayout(*cm.instance, {inCh[m], connected[m]}, outCh[m],
                        std::span<const char>(outputRead).subspan(firstOutput[m], outBuf[m].size()));
        if (desc[m]->receivesNoteEvents) prog->noteListeners.push_back(static_cast<std::uint32_t>(m));
      }
      // What the modules will allocate, counted before any of it is (a patch over the limit is refused, not std::bad_alloc).
      validateModuleMemory(g, instances());
      for (CompiledModule& cm : prog->modules) cm.instance->prepare();
      for (std::uint32_t m = 0; m < prog->modules.size(); ++m) prog->moduleIndex.push_back({prog->modules[m].key, m});
      std::sort(prog->moduleIndex.begin(), prog->moduleIndex.end());
      for (std::uint32_t s = 0; s < prog->params.size(); ++s)
        prog->paramIndex.push_back({prog->params[s].moduleKey, prog->params[s].paramKey, s});
      std::sort(prog->paramIndex.begin(), prog->paramIndex.end(), [](const ParamIndexEntry& a, const ParamIndexEntry& b) {
        return a.moduleKey != b.moduleKey ? a.moduleKey < b.moduleKey : a.paramKey < b.paramKey;
      });
      std::sort(prog->feedback.begin(), prog->feedback.end(), [](const FeedbackDelay& a, const FeedbackDelay& b) {
        return a.keyHash != b.keyHash ? a.keyHash < b.keyHash : a.key < b.key;
      });
      prog->signature = signature();
    }

    // Everything that determines the program's output, hashed (FNV-1a over the values' bytes;
    // a '\0' ends each string so that "ab"+"c" and "a"+"bc" differ).
    std::uint64_t signature() const {
      std::uint64_t h = fnv1a64("mvm-program");
      auto add = [&h](const auto& value) {
        h = fnv1a64(std::string_view(reinterpret_cast<const char*>(&value), sizeof value), h);
      };
      auto addString = [&h](const std::string& s) { h = fnv1a64(std::string_view(s.c_str(), s.size() + 1), h); };
      add(opt.sampleRate);
      add(opt.numOutputs);
      add(opt.numInputs);
      add(patchSeed());
      for (std::size_t m = 0; m < g.modules.size(); ++m) {
        addString(g.modules[m].id);
        addString(g.modules[m].type);
        for (float v : values[m]) add(v);
      }
      for (const Connection& c : g.connections) {
        addString(c.from.module);
        addString(c.from.port);
        addString(c.to.module);
        addString(c.to.port);
        add(c.amount);
      }
      return h;
    }
  };

  const ModuleRegistry& registry_;
};

} // namespace mvm
