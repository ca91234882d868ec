#pragma once
// Runs a Program's bytecode (compiler/opcodes.h) for one block, on the audio thread: clears and
// mixes cable buffers, fills parameter buffers from their smoothers (applying the block's
// parameter events at their exact frames), processes modules, copies feedback delays.
// Allocation-free and bounded by the program's size and the block's events.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "mvm/compiler/opcodes.h"
#include "mvm/compiler/program.h"
#include "mvm/core/block.h"
#include "mvm/core/event.h"
#include "mvm/vm/pending_events.h"

namespace mvm {

class Interpreter {
public:
  // audio thread: the block's parameter events → (slot, frame) order, the order PARAM
  // instructions visit them; an O(k log k) sort (allocation-free) with the list order as the last
  // key, so it is stable. Events for no parameter of `p` are counted in `unmatched`.
  void resolve(const Program& p, std::span<const Event> paramEvents, std::atomic<std::uint64_t>& unmatched) noexcept {
    refCount_ = 0;
    for (std::size_t i = 0; i < paramEvents.size(); ++i) {
      const Event& e = paramEvents[i];
      const int slot = p.findParamSlot(e.moduleKey, e.paramKey);
      if (slot < 0) {
        unmatched.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      refs_[refCount_++] = ParamEventRef{static_cast<std::uint32_t>(slot), static_cast<std::uint32_t>(e.frame),
                                         static_cast<std::uint32_t>(i), e.value, e.rampFrames, e.curve};
    }
    std::sort(refs_, refs_ + refCount_, [](const ParamEventRef& a, const ParamEventRef& b) {
      return a.slot != b.slot ? a.slot < b.slot : a.frame != b.frame ? a.frame < b.frame : a.order < b.order;
    });
  }

  // audio thread: one block of `p`, with the parameter events resolve() was last given for it
  void execute(Program& p) const noexcept { executeRange(p, 0, static_cast<std::uint32_t>(p.code.size())); }

  // audio or worker thread: the instructions of `p` in [begin, end) (a task of its TaskGraph,
  // compiler/task_graph.h); tasks that the graph does not order may run at the same time.
  void executeRange(Program& p, std::uint32_t begin, std::uint32_t end) const noexcept {
    const std::uint32_t* pc = p.code.data() + begin;
    const std::uint32_t* const stop = p.code.data() + end;
    float* arena = p.arena.data();
    for (; pc < stop; pc += 1 + kOperandCount[*pc]) {
      switch (static_cast<Op>(*pc)) {
      case Op::End: return;
      case Op::Clear:
        std::memset(arena + pc[1], 0, sizeof(float) * pc[2]);
        break;
      case Op::Mix: {
        float* dst = arena + pc[1];
        const std::uint32_t dstCh = pc[2], srcCh = pc[4];
        const float* src = arena + pc[3];
        float amount;
        std::memcpy(&amount, &pc[5], sizeof amount);
        const std::uint32_t runs = p.modules[pc[6]].instance->activeChannels(); // a skipped channel's input is not read
        for (std::uint32_t c = 0; c < dstCh; ++c) {
          if (srcCh != 1 && c >= srcCh) break;
          if ((runs >> c & 1) == 0) continue;
          const float* s = src + (srcCh == 1 ? 0 : c) * kBlockFrames;
          mixBlock(dst + c * kBlockFrames, s, amount);
        }
        break;
      }
      case Op::Param: {
        ParamSlot& slot = p.params[pc[1]];
        float* buf = arena + slot.buffer;
        std::size_t ref = refCount_ == 0 ? 0 : firstRefOf(pc[1]);
        const bool hasEvents = ref < refCount_ && refs_[ref].slot == pc[1];
        if (!hasEvents && !slot.modulated && slot.smoother.settled()) {
          if (!slot.filled) {
            slot.smoother.fill(buf, 0, kBlockFrames);
            slot.filled = true;
          }
          break;
        }
        int frame = 0;
        for (; ref < refCount_ && refs_[ref].slot == pc[1]; ++ref) {
          slot.smoother.fill(buf, frame, static_cast<int>(refs_[ref].frame));
          slot.smoother.setTarget(refs_[ref].value, refs_[ref].ramp, refs_[ref].curve);
          frame = static_cast<int>(refs_[ref].frame);
        }
        slot.smoother.fill(buf, frame, kBlockFrames);
        // A modulated slot is filled every block: the channels its module skips can wait.
        const std::uint32_t runs = slot.modulated ? p.modules[slot.module].instance->activeChannels() : ~std::uint32_t{0};
        for (std::uint32_t c = 1; c < slot.channels; ++c)
          if (runs >> c & 1) std::memcpy(buf + c * kBlockFrames, buf, sizeof(float) * kBlockFrames);
        slot.filled = false;
        break;
      }
      case Op::Process: {
        CompiledModule& m = p.modules[pc[1]];
        m.instance->process(p.inputPointers.data() + m.firstInput, p.outputPointers.data() + m.firstOutput);
        break;
      }
      case Op::Delay:
        std::memcpy(arena + pc[1], arena + pc[2], sizeof(float) * pc[3]);
        break;
      case Op::Gate: {
        const VoiceGate& gate = p.voiceGates[pc[1]];
        const std::uint32_t resting = p.modules[gate.envelopeModule].instance->restingChannels();
        std::uint32_t active = 0;
        for (std::uint32_t c = 0; c < gate.channels; ++c) {
          const std::uint32_t e = gate.envelopeChannels == 1 ? 0 : c;
          if (resting >> e & 1) continue; // silent without a look at the block
          const float* env = arena + gate.envelope + e * kBlockFrames;
          if (!(isSteadyBlock(env) && env[0] == 0.0f)) active |= std::uint32_t{1} << c; // a NaN is not silence
        }
        for (std::uint32_t m : gate.members) p.modules[m].instance->setActiveChannels(active);
        p.modules[gate.gate].instance->setActiveChannels(active);
        const std::uint32_t quiet = ~active & ((std::uint32_t{1} << gate.channels) - 1); // the channels the gate silences
        for (std::uint32_t m : gate.quietReaders) p.modules[m].instance->setQuietChannels(quiet);
        break;
      }
      case Op::Count: return;
      }
    }
  }

private:
  // the first event of parameter slot `slot` in refs_ (refCount_ when it has none)
  std::size_t firstRefOf(std::uint32_t slot) const noexcept {
    return static_cast<std::size_t>(
        std::lower_bound(refs_, refs_ + refCount_, slot, [](const ParamEventRef& r, std::uint32_t s) { return r.slot < s; }) - refs_);
  }

  struct ParamEventRef {
    std::uint32_t slot;
    std::uint32_t frame;
    std::uint32_t order; // position in the block's list: equal (slot, frame) keep it
    float value;
    std::int32_t ramp;
    RampCurve curve;
  };
  ParamEventRef refs_[PendingEvents::kBlockCapacity];
  std::size_t refCount_ = 0;
};

} // namespace mvm
