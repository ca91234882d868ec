#pragma once
// A compiled patch: bytecode, one arena holding every signal buffer, the module instances and
// their port pointers, parameter slots. Built on the compile thread, then only read and run
// by the audio thread (module and smoother state aside), then destroyed back on a control thread.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mvm/compiler/task_graph.h"
#include "mvm/core/aligned_buffer.h"
#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/host_bus.h"
#include "mvm/dsp/param_smoother.h"

namespace mvm {

struct CompiledModule {
  std::unique_ptr<DSPModule> instance;
  std::string id;
  std::string type;
  std::uint64_t key = 0;          // fnv1a64(id)
  std::uint64_t typeKey = 0;      // fnv1a64(type)
  std::uint32_t firstInput = 0;   // index into Program::inputPointers
  std::uint32_t firstOutput = 0;  // index into Program::outputPointers
};

struct ParamSlot {
  std::uint32_t module = 0;
  std::uint32_t param = 0;
  std::uint32_t buffer = 0;       // arena offset
  std::uint32_t channels = 1;
  bool modulated = false;         // refilled every block; otherwise only while ramping
  bool filled = false;            // buffer holds the settled value (unmodulated slots)
  bool setByPatch = false;        // the patch gives this parameter a value
  float patchValue = 0.0f;        // that value, or the default
  std::uint64_t moduleKey = 0, paramKey = 0;
  ParamSmoother smoother;
};

struct ParamIndexEntry {
  std::uint64_t moduleKey, paramKey;
  std::uint32_t slot;
};

// A cable the compiler delayed by one block to break a cycle. Its buffer is state.
struct FeedbackDelay {
  std::string key;                // "from.port>to.port", stable across recompiles
  std::uint64_t keyHash = 0;      // fnv1a64(key), for carry-over on the audio thread
  std::uint32_t buffer = 0;
  std::uint32_t floats = 0;
};

// A voice gate (compiler/voice_gates.h): a channel of `members` runs a block only when the
// envelope's channel is not zero through it.
struct VoiceGate {
  std::uint32_t envelope = 0;         // arena offset of the envelope's output
  std::uint32_t envelopeModule = 0;   // the module writing it: its resting channels are silent unread
  std::uint32_t envelopeChannels = 1; // 1 (every voice follows channel 0) or `channels`
  std::uint32_t channels = 1;
  std::uint32_t gate = 0;             // the module it silences, which skips those channels too
  std::vector<std::uint32_t> members;
  std::vector<std::uint32_t> quietReaders; // told which of the gate's channels are silent (DSPModule::setQuietChannels)
};

// Counts every Program alive, so tests and soak runs can prove programs are freed.
inline std::atomic<long> gLiveProgramCount{0};

class Program {
public:
  Program() { gLiveProgramCount.fetch_add(1, std::memory_order_relaxed); }
  ~Program() { gLiveProgramCount.fetch_sub(1, std::memory_order_relaxed); }
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  std::vector<std::uint32_t> code;
  AlignedFloatArray arena;
  std::vector<CompiledModule> modules;
  std::vector<const float*> inputPointers;
  std::vector<float*> outputPointers;
  std::vector<ParamSlot> params;
  std::vector<ParamIndexEntry> paramIndex;   // sorted by (moduleKey, paramKey)
  std::vector<std::pair<std::uint64_t, std::uint32_t>> moduleIndex; // (key, module), sorted: carry-over lookups
  std::vector<std::uint32_t> noteListeners;  // modules receiving note events
  std::vector<FeedbackDelay> feedback;      // sorted by keyHash: carry-over lookups
  std::vector<VoiceGate> voiceGates;
  TaskGraph tasks;                           // empty: the program runs on one thread
  HostBus bus;
  std::uint32_t busOutputOffset = 0, busInputOffset = 0;

  // For --disasm and diagnostics: a note per instruction (pc → text) and compiler reports.
  std::vector<std::pair<std::uint32_t, std::string>> annotations;
  std::vector<std::string> diagnostics;

  double sampleRate = 48000.0;
  std::uint64_t seed = 0;
  std::uint64_t signature = 0;  // equal signatures: equal programs (a reload may skip the swap)
  std::string source;
  // What rebuilds this program elsewhere (a session replay, control/session.h): its patch as
  // canonical JSON with the seed it was compiled with, and the host channel counts.
  std::string patchJson;
  int hostOutputs = 0, hostInputs = 0;
  bool optimizedForRealTime = true;
  std::uint32_t sessionPatch = 0; // its index in an attached SessionTap (0: not recorded)
  std::size_t arenaFloats = 0;
  std::size_t poolFloats = 0;   // signal buffers after liveness reuse
  std::size_t poolBuffers = 0;  // buffers the pool handed out
  std::uint64_t cycleBreakWork = 0; // cable visits of cycle breaking (compiler/cycle_breaker.h), which tests bound

  // Stamped by whoever schedules the program (PatchManager, renderer); the VM's swap reports carry it.
  std::uint64_t generation = 0;

  // any thread: the slot of a parameter, or -1
  int findParamSlot(std::uint64_t moduleKey, std::uint64_t paramKey) const noexcept {
    auto it = std::lower_bound(paramIndex.begin(), paramIndex.end(), std::pair{moduleKey, paramKey},
                               [](const ParamIndexEntry& e, const std::pair<std::uint64_t, std::uint64_t>& k) {
                                 return e.moduleKey != k.first ? e.moduleKey < k.first : e.paramKey < k.second;
                               });
    return it != paramIndex.end() && it->moduleKey == moduleKey && it->paramKey == paramKey
               ? static_cast<int>(it->slot) : -1;
  }
  // any thread, wait-free: the module with this id key, or -1
  int findModuleByKey(std::uint64_t key) const noexcept {
    auto it = std::lower_bound(moduleIndex.begin(), moduleIndex.end(), key,
                               [](const std::pair<std::uint64_t, std::uint32_t>& e, std::uint64_t k) { return e.first < k; });
    return it != moduleIndex.end() && it->first == key ? static_cast<int>(it->second) : -1;
  }
  // any thread, wait-free: the feedback delay with this key hash, or -1
  int findFeedback(std::uint64_t keyHash) const noexcept {
    auto it = std::lower_bound(feedback.begin(), feedback.end(), keyHash,
                               [](const FeedbackDelay& d, std::uint64_t k) { return d.keyHash < k; });
    return it != feedback.end() && it->keyHash == keyHash ? static_cast<int>(it - feedback.begin()) : -1;
  }
  // control thread: the module with this id, or -1
  int findModule(const std::string& id) const noexcept {
    for (std::size_t i = 0; i < modules.size(); ++i)
      if (modules[i].id == id) return static_cast<int>(i);
    return -1;
  }
  DSPModule* module(const std::string& id) const noexcept {
    const int m = findModule(id);
    return m < 0 ? nullptr : modules[static_cast<std::size_t>(m)].instance.get();
  }
};

} // namespace mvm
