#pragma once
// The VM runs a compiled Program on the audio thread, one kBlockFrames block at a time, and
// adapts any host buffer size to that block: the rendered stream is the same whatever the host
// asks for per call. Host audio inputs reach the program one block late (the price of that
// independence). Events are applied at their exact frame.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "mvm/compiler/opcodes.h"
#include "mvm/compiler/program.h"
#include "mvm/core/block.h"
#include "mvm/core/denormals.h"
#include "mvm/core/event.h"
#include "mvm/core/output_guard.h"
#include "mvm/core/rt_context.h"
#include "mvm/rt/lock_free_queue.h"

namespace mvm {

struct VMConfig {
  double sampleRate = 48000.0;
  int numOutputs = 2;
  int numInputs = 0;
};

// Counters written by the audio thread, readable from any thread.
struct VMCounters {
  std::atomic<std::uint64_t> blocks{0};
  std::atomic<std::uint64_t> guardedBlocks{0};
  std::atomic<std::uint64_t> lateEvents{0};      // arrived after their frame; applied at the block start
  std::atomic<std::uint64_t> droppedEvents{0};   // no room in the pending buffer or the block
  std::atomic<std::uint64_t> unmatchedEvents{0}; // parameter events for no parameter of the program
  std::atomic<std::uint64_t> rejectedEvents{0};  // postEvent found the queue full
};

class VM {
public:
  static constexpr std::size_t kEventQueueCapacity = 4096;
  static constexpr std::size_t kPendingCapacity = 4096;
  static constexpr std::size_t kBlockEventCapacity = 1024;

  explicit VM(VMConfig config = {}) : config_(config) {
    std::memset(outBlock_, 0, sizeof outBlock_);
    std::memset(inBlock_, 0, sizeof inBlock_);
  }
  virtual ~VM() { delete current_; }
  VM(const VM&) = delete;
  VM& operator=(const VM&) = delete;

  const VMConfig& config() const noexcept { return config_; }

  // control thread, only while the audio thread is not running the VM: install a program now.
  void load_program(std::unique_ptr<Program> program) {
    delete current_;
    current_ = program.release();
  }

  // the thread that owns the event stream (one producer), wait-free. False when the queue is full.
  bool postEvent(const Event& e) noexcept {
    if (events_.try_push(e)) return true;
    counters_.rejectedEvents.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  // audio thread, wait-free. inputs: config.numInputs channels (may be null: silence); outputs:
  // config.numOutputs channels of `frames` frames each.
  MVM_NONBLOCKING void process(const float* const* inputs, float* const* outputs, int frames) noexcept {
    AudioThreadScope audioThread;
    flushDenormals();
    int done = 0;
    while (done < frames) {
      if (outPos_ == kBlockFrames) {
        computeBlock();
        outPos_ = 0;
      }
      const int n = std::min(frames - done, kBlockFrames - outPos_);
      for (int c = 0; c < config_.numOutputs; ++c)
        std::memcpy(outputs[c] + done, outBlock_[c] + outPos_, sizeof(float) * static_cast<unsigned>(n));
      // Inputs arriving while block k plays feed block k + 1.
      for (int c = 0; c < config_.numInputs; ++c) {
        float* dst = inBlock_[(blocks_ - 1) & 1][c] + outPos_;
        if (inputs && inputs[c]) std::memcpy(dst, inputs[c] + done, sizeof(float) * static_cast<unsigned>(n));
        else std::memset(dst, 0, sizeof(float) * static_cast<unsigned>(n));
      }
      outPos_ += n;
      done += n;
      framesOut_ += static_cast<std::uint64_t>(n);
    }
  }

  // audio thread, wait-free: the seed's audio-driven entry point (no inputs).
  MVM_NONBLOCKING void processBlock(float* const* outputs, int blockSize) noexcept { process(nullptr, outputs, blockSize); }

  // Frames handed to the host so far / frames the VM has computed (a multiple of kBlockFrames).
  std::uint64_t framesOutput() const noexcept { return framesOut_; }
  std::uint64_t framesComputed() const noexcept { return blocks_ * kBlockFrames; }
  const VMCounters& counters() const noexcept { return counters_; }
  // The program the audio thread runs (control side: for inspection when the VM is idle).
  Program* program() const noexcept { return current_; }

protected:
  // audio thread: run one block of a program into its host bus
  void runProgram(Program& p, std::span<const Event> noteEvents) noexcept {
    for (std::uint32_t m : p.noteListeners) p.modules[m].instance->setBlockEvents(noteEvents);
    resolveParamEvents(p);
    for (int c = 0; c < p.bus.numInputs && c < config_.numInputs; ++c)
      std::memcpy(const_cast<float*>(p.bus.inputs[c]), inBlock_[(blocks_ & 1) ^ 1][c], sizeof(float) * kBlockFrames);
    execute(p);
    for (std::uint32_t m : p.noteListeners) p.modules[m].instance->setBlockEvents({});
  }

  // audio thread: this block's events, sorted by frame, split by kind
  void gatherEvents() noexcept {
    Event e;
    while (pendingCount_ < kPendingCapacity && events_.try_pop(e)) insertPending(e);
    const std::uint64_t start = blocks_ * kBlockFrames, end = start + kBlockFrames;
    std::size_t taken = 0;
    noteCount_ = paramCount_ = 0;
    for (; taken < pendingCount_ && pending_[taken].frame < end; ++taken) {
      Event ev = pending_[taken];
      if (ev.frame < start) {
        counters_.lateEvents.fetch_add(1, std::memory_order_relaxed);
        ev.frame = 0;
      } else {
        ev.frame -= start;
      }
      if (ev.type == EventType::ParamSet) {
        if (paramCount_ < kBlockEventCapacity) paramEvents_[paramCount_++] = ev;
        else counters_.droppedEvents.fetch_add(1, std::memory_order_relaxed);
      } else {
        if (noteCount_ < kBlockEventCapacity) noteEvents_[noteCount_++] = ev;
        else counters_.droppedEvents.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (taken > 0) {
      std::memmove(pending_, pending_ + taken, sizeof(Event) * (pendingCount_ - taken));
      pendingCount_ -= taken;
    }
  }

  std::span<const Event> blockNoteEvents() const noexcept { return {noteEvents_, noteCount_}; }

  // audio thread: finish a block in outBlock_ (guarded) and advance the clock
  void finishBlock() noexcept {
    float* channels[kMaxHostChannels];
    for (int c = 0; c < config_.numOutputs; ++c) channels[c] = outBlock_[c];
    if (guard_.apply(channels, config_.numOutputs, kBlockFrames))
      counters_.guardedBlocks.fetch_add(1, std::memory_order_relaxed);
    ++blocks_;
    counters_.blocks.store(blocks_, std::memory_order_relaxed);
  }

  // audio thread: the block for one program, no swap (the hot-swap VM overrides this)
  virtual void computeBlock() noexcept {
    gatherEvents();
    if (current_) {
      runProgram(*current_, blockNoteEvents());
      for (int c = 0; c < config_.numOutputs; ++c)
        std::memcpy(outBlock_[c], c < current_->bus.numOutputs ? current_->bus.outputs[c] : silence_, sizeof(float) * kBlockFrames);
    } else {
      std::memset(outBlock_, 0, sizeof outBlock_);
    }
    finishBlock();
  }

  VMConfig config_;
  Program* current_ = nullptr;
  float outBlock_[kMaxHostChannels][kBlockFrames];
  std::uint64_t blocks_ = 0;
  VMCounters counters_;

private:
  struct ParamEventRef {
    std::uint32_t slot;
    std::uint32_t frame;
    float value;
    std::int32_t ramp;
  };

  void insertPending(const Event& e) noexcept {
    std::size_t i = pendingCount_;
    while (i > 0 && pending_[i - 1].frame > e.frame) {
      pending_[i] = pending_[i - 1];
      --i;
    }
    pending_[i] = e;
    ++pendingCount_;
  }

  // Parameter events → (slot, frame) order, the order PARAM instructions visit them.
  void resolveParamEvents(const Program& p) noexcept {
    refCount_ = 0;
    for (std::size_t i = 0; i < paramCount_; ++i) {
      const Event& e = paramEvents_[i];
      const int slot = p.findParamSlot(e.moduleKey, e.paramKey);
      if (slot < 0) {
        counters_.unmatchedEvents.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      ParamEventRef r{static_cast<std::uint32_t>(slot), static_cast<std::uint32_t>(e.frame), e.value, e.rampFrames};
      std::size_t k = refCount_++;
      while (k > 0 && (refs_[k - 1].slot > r.slot || (refs_[k - 1].slot == r.slot && refs_[k - 1].frame > r.frame))) {
        refs_[k] = refs_[k - 1];
        --k;
      }
      refs_[k] = r;
    }
  }

  void execute(Program& p) noexcept {
    const std::uint32_t* pc = p.code.data();
    float* arena = p.arena.data();
    std::size_t ref = 0;
    for (;;) {
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
        for (std::uint32_t c = 0; c < dstCh; ++c) {
          if (srcCh != 1 && c >= srcCh) break;
          const float* s = src + (srcCh == 1 ? 0 : c) * kBlockFrames;
          float* d = dst + c * kBlockFrames;
          for (int i = 0; i < kBlockFrames; ++i) d[i] += amount * s[i];
        }
        break;
      }
      case Op::Param: {
        ParamSlot& slot = p.params[pc[1]];
        float* buf = arena + slot.buffer;
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
          slot.smoother.setTarget(refs_[ref].value, refs_[ref].ramp);
          frame = static_cast<int>(refs_[ref].frame);
        }
        slot.smoother.fill(buf, frame, kBlockFrames);
        for (std::uint32_t c = 1; c < slot.channels; ++c) std::memcpy(buf + c * kBlockFrames, buf, sizeof(float) * kBlockFrames);
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
      case Op::Count: return;
      }
      pc += 1 + kOperandCount[*pc];
    }
  }

  LockFreeQueue<Event, kEventQueueCapacity> events_;
  Event pending_[kPendingCapacity];
  std::size_t pendingCount_ = 0;
  Event noteEvents_[kBlockEventCapacity];
  std::size_t noteCount_ = 0;
  Event paramEvents_[kBlockEventCapacity];
  std::size_t paramCount_ = 0;
  ParamEventRef refs_[kBlockEventCapacity];
  std::size_t refCount_ = 0;
  float inBlock_[2][kMaxHostChannels][kBlockFrames];
  float silence_[kBlockFrames] = {};
  int outPos_ = kBlockFrames;
  std::uint64_t framesOut_ = 0;
  OutputGuard guard_;
};

} // namespace mvm
