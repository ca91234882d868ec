#pragma once
// Hooks through which a VM reports what it runs, to one observer at a time (VM::attachObserver):
// the programs it is handed, and what its audio thread applies and computes — each block's start
// with the settings in force, each swap, each event as applied, each block of output. A session
// recording (vm/session_tap.h) is one. The audio-thread hooks must be wait-free: no allocation,
// lock, blocking call or I/O. A VM without an observer pays one pointer check per block and per
// applied event.

#include <cstdint>

#include "mvm/compiler/program.h"
#include "mvm/core/block.h"
#include "mvm/core/event.h"
#include "mvm/core/rt_context.h"
#include "mvm/vm/crossfade.h"

namespace mvm {

// A block about to be computed, with the settings the audio thread read for it.
struct BlockStart {
  std::uint64_t frame = 0;          // absolute frame of the block's first sample
  const Program* program = nullptr; // the program running before any swap at this boundary
  std::uint32_t fadeFrames = 0;     // the crossfade setting (VM::setCrossfade)
  FadeCurve curve = FadeCurve::EqualPower;
  int voiceLimit = 0;               // VM::setVoiceLimit, as read for this block
  bool muted = false;               // VM::setMuted, as read for this block
};

// A program the audio thread starts running.
struct SwapInfo {
  std::uint64_t frame = 0;          // the block boundary it starts at
  const Program* program = nullptr;
  std::uint32_t fadeFrames = 0;     // the crossfade it runs (0: a hard switch)
  FadeCurve curve = FadeCurve::EqualPower;
};

class VMObserver {
public:
  virtual ~VMObserver() = default;

  // control thread: a program handed to the VM (loadProgram, scheduleNewProgram, or there
  // already when the observer is attached), before the audio thread can run it.
  virtual void programHandedOver(Program&) noexcept {}

  // audio thread, wait-free: a block starts (before a swap at its boundary)
  virtual void blockStarted(const BlockStart&) noexcept MVM_NONBLOCKING {}
  // audio thread, wait-free: a scheduled program takes over at a block boundary
  virtual void programSwapped(const SwapInfo&) noexcept MVM_NONBLOCKING {}
  // audio thread, wait-free: an event as the block applies it, `e.frame` the absolute frame
  virtual void eventApplied(const Event&) noexcept MVM_NONBLOCKING {}
  // audio thread, wait-free: a finished block (after the output guard) at an absolute frame:
  // VMConfig::numOutputs rows of kBlockFrames
  virtual void blockComputed(std::uint64_t, const float (*)[kBlockFrames]) noexcept MVM_NONBLOCKING {}
};

} // namespace mvm
