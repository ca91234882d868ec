#pragma once
// Plays a recorded session (control/session.h) again, offline: every patch is recompiled from its
// recorded JSON, swapped in at the block it was swapped in live with the crossfade then in force,
// every event is posted to apply at the frame it applied live, crossfade and voice-limit settings
// change where they changed. The VM renders block by block, so the output is the recorded one,
// bit for bit (the engine is deterministic: docs/architecture.md).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mvm/compiler/compiler.h"
#include "mvm/control/meter_levels.h"
#include "mvm/control/session.h"
#include "mvm/patch/patch_parser.h"
#include "mvm/vm/vm.h"

namespace mvm {

struct ReplayStats {
  std::uint64_t frames = 0, swaps = 0, events = 0;
  std::uint64_t unmatchedEvents = 0; // parameter events for no parameter (as live: they changed nothing)
  std::uint64_t guardedBlocks = 0;   // blocks the output guard silenced
  std::vector<MeterLevel> meters;    // the Meter modules of the patch playing at the end
};

using ReplaySink = std::function<void(const float* const* channels, int frames)>;

// control thread (runs the VM inline, on `threads` threads: the same bits at any count). Throws
// SessionError when the session cannot be replayed (a patch that does not compile, a swap the VM
// could not take where it was recorded).
inline ReplayStats replaySession(const Session& s, const ReplaySink& sink, const ModuleRegistry& registry,
                                 const std::string& source = "session.json", int threads = 1) {
  if (s.inputs > 0)
    throw SessionError(source, "inputs", "the session had " + std::to_string(s.inputs) +
                                             " audio inputs, which are not recorded: it cannot be replayed");
  VM vm(VMConfig{s.sampleRate, s.channels, 0, threads});
  PatchGraph playing; // the patch of the last swap, for its meters
  auto compile = [&](std::size_t index) {
    const SessionPatch& p = s.patches[index];
    const std::string place = "patches[" + std::to_string(index) + "]";
    CompileOptions co;
    co.sampleRate = s.sampleRate;
    co.numOutputs = p.outputs > 0 ? p.outputs : s.channels;
    co.optimizeForRealTime = p.optimizedForRealTime;
    co.threads = threads;
    try {
      playing = PatchParser(registry).parseFromJson(p.json, source + " " + place);
      return Compiler(registry).compile(playing, co);
    } catch (const SessionError&) {
      throw;
    } catch (const PatchError& e) {
      throw SessionError(source, place, e.what());
    }
  };

  std::vector<std::vector<float>> buffers(static_cast<std::size_t>(s.channels), std::vector<float>(kBlockFrames));
  std::vector<float*> out;
  for (auto& b : buffers) out.push_back(b.data());

  ReplayStats stats;
  std::size_t swap = 0, fade = 0, limit = 0, mute = 0, event = 0;
  for (std::uint64_t frame = 0; frame < s.frames; frame += kBlockFrames) {
    for (; fade < s.crossfades.size() && s.crossfades[fade].frame <= frame; ++fade)
      vm.setCrossfadeFrames(s.crossfades[fade].crossfadeFrames, s.crossfades[fade].curve);
    for (; limit < s.voiceLimits.size() && s.voiceLimits[limit].frame <= frame; ++limit) vm.setVoiceLimit(s.voiceLimits[limit].voiceLimit);
    for (; mute < s.mutes.size() && s.mutes[mute].frame <= frame; ++mute) vm.setMuted(s.mutes[mute].muted);
    const Program* expected = nullptr;
    for (; swap < s.swaps.size() && s.swaps[swap].frame <= frame; ++swap) {
      const SessionSwap& w = s.swaps[swap];
      std::unique_ptr<Program> program = compile(w.patch);
      program->generation = w.generation;
      expected = program.get();
      if (w.loaded) {
        vm.loadProgram(std::move(program));
        continue;
      }
      vm.setCrossfadeFrames(w.crossfadeFrames, w.curve);
      if (vm.scheduleNewProgram(std::move(program)))
        throw SessionError(source, "swaps[" + std::to_string(swap) + "]", "two swaps in one block (frame " + std::to_string(frame) + ")");
      ++stats.swaps;
    }
    // This block's events, in the order they were applied (the VM keeps that order for equal frames).
    for (; event < s.events.size() && s.events[event].frame < frame + kBlockFrames; ++event) {
      if (!vm.postEvent(s.events[event]))
        throw SessionError(source, "events[" + std::to_string(event) + "]", "more events in one block than the VM's queue holds");
      ++stats.events;
    }
    vm.process(nullptr, out.data(), kBlockFrames);
    if (expected && vm.program() != expected)
      throw SessionError(source, "swaps[" + std::to_string(swap - 1) + "]",
                         "the VM did not take the patch at frame " + std::to_string(frame) + " (a fade was still running)");
    vm.collectRetired();
    sink(out.data(), kBlockFrames);
    stats.frames += kBlockFrames;
  }
  stats.unmatchedEvents = vm.counters().unmatchedEvents.load(std::memory_order_relaxed);
  stats.guardedBlocks = vm.counters().guardedBlocks.load(std::memory_order_relaxed);
  stats.meters = meterLevels(playing, vm.meters());
  return stats;
}

} // namespace mvm
