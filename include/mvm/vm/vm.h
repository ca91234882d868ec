#pragma once
// The VM runs a compiled Program on the audio thread, one kBlockFrames block at a time, and
// adapts any host buffer size to that block: the rendered stream is the same whatever the host
// asks for per call. Host audio inputs reach the program one block late (the price of that
// independence). Events are applied at their exact frame, in frame order (arrival order at equal
// frames). Nothing accepted is dropped: events beyond a block's capacity wait for the next block
// (applied at its start, counted late); only postEvent refuses, when the queue is full (counted).
//
// Hot swap (DESIGN.md decision 3): the control thread schedules a new program in an
// AtomicGraphSlot; at the next block boundary the audio thread takes it, copies the state of every
// module whose id and type persist (and live parameter values, and feedback-delay contents) into
// it, crossfades old → new while both run, then hands the old program back through a queue to be
// destroyed on a control thread. A swap scheduled during a fade waits for the fade to end (at
// most one fade length); a newer schedule replaces a waiting one (the newest wins).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
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
#include "mvm/rt/atomic_graph_slot.h"
#include "mvm/rt/lock_free_queue.h"
#include "mvm/vm/crossfade.h"
#include "mvm/vm/session_tap.h"
#include "mvm/vm/swap_status.h"

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
  std::atomic<std::uint64_t> lateEvents{0};      // applied after their frame, at a block start: arrived late,
                                                 // or carried over from a block that had no room left
  std::atomic<std::uint64_t> carriedEvents{0};   // of those, carried over (each counted once)
  std::atomic<std::uint64_t> droppedEvents{0};   // accepted, then discarded: none (carry-over); kept for status readers
  std::atomic<std::uint64_t> unmatchedEvents{0}; // parameter events for no parameter of the program
  std::atomic<std::uint64_t> rejectedEvents{0};  // postEvent found the queue full: the events lost
  std::atomic<std::uint64_t> swaps{0};
  std::atomic<std::uint64_t> deferredSwaps{0};   // blocks where a pending swap waited (fade running, retire queue full)
  std::atomic<std::uint64_t> generation{0};      // generation of the program being run
  std::atomic<int> activeVoices{0};              // voices held by the running program's VoiceControllers
};

// A snapshot of the event counters, for status lines: what was accepted but late, and what was lost.
struct EventTally {
  std::uint64_t late = 0, carried = 0, unmatched = 0, rejected = 0, dropped = 0;
  std::uint64_t lost() const noexcept { return rejected + dropped; }
};

inline std::uint64_t steadyNowNs() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

class VM {
public:
  static constexpr std::size_t kEventQueueCapacity = 4096;
  static constexpr std::size_t kPendingCapacity = 4096;
  static constexpr std::size_t kBlockEventCapacity = 1024;

  static constexpr std::size_t kRetireCapacity = 64;
  static constexpr std::size_t kStatusCapacity = 256;

  explicit VM(VMConfig config = {}) : config_(config) {
    std::memset(outBlock_, 0, sizeof outBlock_);
    std::memset(inBlock_, 0, sizeof inBlock_);
    setCrossfade(20.0, FadeCurve::EqualPower);
  }
  ~VM() {
    delete slot_.takePending();
    delete slot_.exchangeCurrent(nullptr);
    delete fadingOut_;
    collectRetired();
  }
  VM(const VM&) = delete;
  VM& operator=(const VM&) = delete;

  const VMConfig& config() const noexcept { return config_; }

  // control thread, only while the audio thread is not running the VM: install a program now.
  void load_program(std::unique_ptr<Program> program) {
    if (SessionTap* tap = tap_.load(std::memory_order_acquire); tap && program) registerWithTap(*tap, *program);
    delete slot_.exchangeCurrent(program.release());
    counters_.generation.store(current() ? current()->generation : 0, std::memory_order_relaxed);
  }

  // control thread, wait-free: swap to `program` at the next block boundary. Returns the program
  // it replaced in the slot (scheduled earlier, never picked up), for the caller to destroy.
  std::unique_ptr<Program> scheduleNewProgram(std::unique_ptr<Program> program) noexcept {
    if (SessionTap* tap = tap_.load(std::memory_order_acquire); tap && program) registerWithTap(*tap, *program);
    return std::unique_ptr<Program>(slot_.scheduleSwap(program.release()));
  }

  // any thread: the crossfade of the next swaps. 0 ms = hard switch at a block boundary.
  void setCrossfade(double ms, FadeCurve curve) noexcept {
    const double frames = std::max(0.0, ms) * 0.001 * config_.sampleRate;
    setCrossfadeFrames(static_cast<std::uint32_t>(std::min(frames + 0.5, 3600.0 * config_.sampleRate)), curve);
  }
  // any thread: the same in frames (a session replay sets exactly what was recorded).
  void setCrossfadeFrames(std::uint32_t frames, FadeCurve curve) noexcept {
    fadeFramesSetting_.store(frames, std::memory_order_relaxed);
    fadeCurveSetting_.store(curve, std::memory_order_relaxed);
  }
  FadeCurve crossfadeCurve() const noexcept { return fadeCurveSetting_.load(std::memory_order_relaxed); }

  // control thread, before the audio thread's first block: from then on, report what the audio
  // thread applies and computes to `tap` (vm/session_tap.h). Programs already loaded or scheduled
  // are registered now. False (and nothing attached) once the VM has computed a block: a
  // recording must start with the stream, or it could not be replayed.
  bool attachSessionTap(SessionTap& tap) {
    if (blocks_ != 0) return false;
    if (Program* p = current()) registerWithTap(tap, *p);
    if (Program* p = slot_.takePending()) {
      registerWithTap(tap, *p);
      slot_.scheduleSwap(p);
    }
    tap_.store(&tap, std::memory_order_release);
    return true;
  }
  // control thread, while the audio thread is not running the VM: stop reporting.
  void detachSessionTap() noexcept { tap_.store(nullptr, std::memory_order_release); }
  // any thread: compilers of programs for this VM keep their patch (CompileOptions::keepPatchJson) while true
  bool sessionTapAttached() const noexcept { return tap_.load(std::memory_order_acquire) != nullptr; }
  std::uint32_t crossfadeFrames() const noexcept { return fadeFramesSetting_.load(std::memory_order_relaxed); }

  // control thread: destroy programs the audio thread retired; returns how many.
  std::size_t collectRetired() noexcept {
    std::size_t n = 0;
    Program* p;
    while (retired_.try_pop(p)) {
      delete p;
      ++n;
    }
    retiredPopped_.fetch_add(n, std::memory_order_relaxed);
    return n;
  }
  // control thread: the next swap report, if any
  bool popSwapStatus(SwapStatus& out) noexcept { return status_.try_pop(out); }

  // any thread, lock-free. False when the queue is full (counted).
  bool postEvent(const Event& e) noexcept {
    if (events_.try_push(e)) return true;
    counters_.rejectedEvents.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  // audio thread, wait-free. inputs: config.numInputs channels (may be null: silence); outputs:
  // config.numOutputs channels of `frames` frames each.
  void process(const float* const* inputs, float* const* outputs, int frames) noexcept MVM_NONBLOCKING {
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
  void processBlock(float* const* outputs, int blockSize) noexcept MVM_NONBLOCKING { process(nullptr, outputs, blockSize); }

  // Frames handed to the host so far / frames the VM has computed (a multiple of kBlockFrames).
  std::uint64_t framesOutput() const noexcept { return framesOut_; }
  std::uint64_t framesComputed() const noexcept { return counters_.blocks.load(std::memory_order_relaxed) * kBlockFrames; }
  const VMCounters& counters() const noexcept { return counters_; }
  // any thread
  EventTally eventTally() const noexcept {
    EventTally t;
    t.late = counters_.lateEvents.load(std::memory_order_relaxed);
    t.carried = counters_.carriedEvents.load(std::memory_order_relaxed);
    t.unmatched = counters_.unmatchedEvents.load(std::memory_order_relaxed);
    t.rejected = counters_.rejectedEvents.load(std::memory_order_relaxed);
    t.dropped = counters_.droppedEvents.load(std::memory_order_relaxed);
    return t;
  }
  // For tests, while the audio thread is idle: comparisons made keeping pending events in order
  // (O(log n) per event, whatever order events arrive in).
  std::uint64_t pendingComparisons() const noexcept { return pendingComparisons_; }
  // The program the audio thread runs (control side: for inspection when the VM is idle).
  Program* program() const noexcept { return current(); }
  bool isFading() const noexcept { return fading_.load(std::memory_order_relaxed); }
  // any thread, wait-free: the most voices the program's VoiceControllers may hold from the next
  // block on (0 = no limit). Above it, they release their oldest notes (an overload policy's lever).
  void setVoiceLimit(int voices) noexcept { voiceLimit_.store(voices < 0 ? 0 : voices, std::memory_order_relaxed); }
  int voiceLimit() const noexcept { return voiceLimit_.load(std::memory_order_relaxed); }
  // any thread: the levels Meter modules publish, by their id's key (fnv1a64(id))
  const MeterBoard& meters() const noexcept { return meters_; }

private:
  // audio thread: run one block of a program into its host bus
  void runProgram(Program& p, std::span<const Event> noteEvents) noexcept {
    for (std::uint32_t m : p.noteListeners) p.modules[m].instance->setBlockEvents(noteEvents);
    resolveParamEvents(p);
    for (int c = 0; c < p.bus.numInputs && c < config_.numInputs; ++c)
      std::memcpy(const_cast<float*>(p.bus.inputs[c]), inBlock_[(blocks_ & 1) ^ 1][c], sizeof(float) * kBlockFrames);
    p.bus.voiceLimit = blockVoiceLimit_;
    p.bus.activeVoices = 0;
    p.bus.meters = &meters_;
    execute(p);
    for (std::uint32_t m : p.noteListeners) p.modules[m].instance->setBlockEvents({});
    if (&p == current()) counters_.activeVoices.store(p.bus.activeVoices, std::memory_order_relaxed);
  }

  // audio thread: this block's events, in frame order, split by kind. When a kind's list is full
  // the block takes nothing more: the rest stays pending, in order, and applies at the start of
  // the next block with room (late), so nothing accepted is lost and the order is kept.
  void gatherEvents() noexcept {
    Event e;
    const std::uint64_t start = blocks_ * kBlockFrames, end = start + kBlockFrames;
    const std::uint64_t arrivedBefore = arrivals_; // pending before this block: carried if due earlier
    while (pendingCount_ < kPendingCapacity && events_.try_pop(e)) {
      if (e.frame == kFrameNow) e.frame = start; // live control: this block, not late
      pushPending(e);
    }
    noteCount_ = paramCount_ = 0;
    while (pendingCount_ > 0 && pending_[0].event.frame < end) {
      const bool param = pending_[0].event.type == EventType::ParamSet;
      if ((param ? paramCount_ : noteCount_) == kBlockEventCapacity) break;
      const PendingEvent p = popPending();
      Event ev = p.event;
      if (ev.frame < start) {
        counters_.lateEvents.fetch_add(1, std::memory_order_relaxed);
        if (p.arrival < arrivedBefore) counters_.carriedEvents.fetch_add(1, std::memory_order_relaxed);
        ev.frame = 0;
      } else {
        ev.frame -= start;
      }
      (param ? paramEvents_[paramCount_++] : noteEvents_[noteCount_++]) = ev;
      tapEvent(ev, start);
    }
  }

  std::span<const Event> blockNoteEvents() const noexcept { return {noteEvents_, noteCount_}; }

  // audio thread: finish a block in outBlock_ (guarded) and advance the clock
  void finishBlock() noexcept {
    float* channels[kMaxHostChannels];
    for (int c = 0; c < config_.numOutputs; ++c) channels[c] = outBlock_[c];
    if (guard_.apply(channels, config_.numOutputs, kBlockFrames))
      counters_.guardedBlocks.fetch_add(1, std::memory_order_relaxed);
    if (tapOn_) tapOn_->recordOutput(blocks_ * kBlockFrames, outBlock_);
    ++blocks_;
    counters_.blocks.store(blocks_, std::memory_order_relaxed);
  }

private:
  Program* current() const noexcept { return slot_.getCurrentGraph(); }

  // audio thread: one block, swapping first when a program is waiting
  void computeBlock() noexcept {
    blockVoiceLimit_ = voiceLimit_.load(std::memory_order_relaxed); // one value per block (and per recorded block)
    tapSettings();
    trySwapProgram();
    gatherEvents();
    Program* cur = current();
    if (!cur) {
      std::memset(outBlock_, 0, sizeof outBlock_);
    } else if (!fadingOut_) {
      runProgram(*cur, blockNoteEvents());
      copyBus(*cur, outBlock_);
    } else {
      runProgram(*fadingOut_, blockNoteEvents());
      copyBus(*fadingOut_, fadeOld_);
      runProgram(*cur, blockNoteEvents());
      copyBus(*cur, outBlock_);
      mixFade();
    }
    finishBlock();
  }

public:
  // audio thread, wait-free: take a waiting program at this block boundary (the seed's name).
  // Returns true when a swap happened. Carries state over and starts the crossfade.
  bool trySwapProgram() noexcept {
    if (!slot_.hasPending()) return false;
    if (fadingOut_ || retired_.capacity() - retiredInFlight() < 2) {
      counters_.deferredSwaps.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    Program* prev = slot_.maybeSwap();
    Program* next = current();
    const std::uint64_t now = steadyNowNs();
    if (prev) carryOver(*next, *prev);
    const std::uint32_t fade = fadeFramesSetting_.load(std::memory_order_relaxed);
    if (prev && fade > 0) {
      fadingOut_ = prev;
      fadeLength_ = fade;
      fadePos_ = 0;
      fadeStartFrame_ = blocks_ * kBlockFrames;
      fadeCurve_ = fadeCurveSetting_.load(std::memory_order_relaxed);
      fading_.store(true, std::memory_order_relaxed);
    } else if (prev) {
      retire(prev);
    }
    if (tapOn_) tapSwap(*next, false, fade);
    counters_.swaps.fetch_add(1, std::memory_order_relaxed);
    counters_.generation.store(next->generation, std::memory_order_relaxed);
    report(SwapStatus::Kind::FirstBlock, *next, now);
    if (!fadingOut_) report(SwapStatus::Kind::FadeDone, *next, now);
    return true;
  }

private:
  void copyBus(const Program& p, float (*dst)[kBlockFrames]) noexcept {
    for (int c = 0; c < config_.numOutputs; ++c)
      std::memcpy(dst[c], c < p.bus.numOutputs ? p.bus.outputs[c] : silence_, sizeof(float) * kBlockFrames);
  }

  // outBlock_ = old * g_old + new * g_new, per sample; retires the old program when done.
  void mixFade() noexcept {
    const float inv = 1.0f / static_cast<float>(fadeLength_);
    for (int i = 0; i < kBlockFrames; ++i) {
      const std::uint32_t pos = fadePos_ + static_cast<std::uint32_t>(i) + 1;
      const FadeGains g = crossfadeGains(fadeCurve_, pos >= fadeLength_ ? 1.0f : static_cast<float>(pos) * inv);
      for (int c = 0; c < config_.numOutputs; ++c) outBlock_[c][i] = fadeOld_[c][i] * g.oldGain + outBlock_[c][i] * g.newGain;
    }
    fadePos_ += kBlockFrames;
    if (fadePos_ >= fadeLength_) {
      retire(fadingOut_);
      fadingOut_ = nullptr;
      fading_.store(false, std::memory_order_relaxed);
      report(SwapStatus::Kind::FadeDone, *current(), steadyNowNs(), fadeStartFrame_ + fadeLength_);
    }
  }

  // Module state, live parameter values and feedback-delay contents, from `prev` into `next`.
  // Bounded: a binary search per module, parameter and delay; copyStateFrom is bounded per module.
  static void carryOver(Program& next, const Program& prev) noexcept {
    for (CompiledModule& m : next.modules) {
      const int o = prev.findModuleByKey(m.key);
      if (o >= 0 && prev.modules[static_cast<std::size_t>(o)].typeKey == m.typeKey)
        m.instance->copyStateFrom(*prev.modules[static_cast<std::size_t>(o)].instance);
    }
    // A parameter keeps the value it was given live, unless the new patch gives it a new value;
    // then it glides from where it was to the new value.
    for (ParamSlot& s : next.params) {
      const int o = prev.findParamSlot(s.moduleKey, s.paramKey);
      if (o < 0) continue;
      const ParamSlot& old = prev.params[static_cast<std::size_t>(o)];
      if (prev.modules[old.module].typeKey != next.modules[s.module].typeKey) continue;
      const std::uint32_t ramp = s.smoother.defaultRampFrames();
      if (old.patchValue == s.patchValue) {
        s.smoother = old.smoother;
      } else {
        s.smoother.reset(old.smoother.current(), ramp);
        s.smoother.setTarget(s.patchValue, kDefaultRamp);
      }
      s.smoother.setDefaultRampFrames(ramp);
      s.filled = false;
    }
    for (FeedbackDelay& d : next.feedback)
      if (const int o = prev.findFeedback(d.keyHash); o >= 0) {
        const FeedbackDelay& od = prev.feedback[static_cast<std::size_t>(o)];
        std::memcpy(next.arena.data() + d.buffer, prev.arena.data() + od.buffer, sizeof(float) * std::min(d.floats, od.floats));
      }
  }

  // control thread
  static void registerWithTap(SessionTap& tap, Program& p) noexcept {
    try {
      // Without its patch (compiled without keepPatchJson) a program is recorded as unknown.
      p.sessionPatch = p.patchJson.empty() ? 0 : tap.registerProgram(p);
    } catch (...) {
      p.sessionPatch = 0; // out of memory: the swap is recorded without its patch (incomplete)
    }
  }

  // audio thread: what the session tap needs at a block start — the tap to use for the block,
  // the program installed before the first block, crossfade and voice-limit settings when they change.
  void tapSettings() noexcept {
    tapOn_ = tap_.load(std::memory_order_acquire);
    if (!tapOn_) return;
    const std::uint64_t frame = blocks_ * kBlockFrames;
    if (!tapStarted_) {
      tapStarted_ = true;
      if (Program* p = current()) tapSwap(*p, true, 0);
    }
    const std::uint32_t fade = fadeFramesSetting_.load(std::memory_order_relaxed);
    const FadeCurve curve = fadeCurveSetting_.load(std::memory_order_relaxed);
    if (fade != tapFade_ || curve != tapCurve_) {
      tapFade_ = fade;
      tapCurve_ = curve;
      SessionRecord r;
      r.kind = SessionRecord::Kind::Crossfade;
      r.frame = frame;
      r.fadeFrames = fade;
      r.curve = curve;
      tapOn_->record(r);
    }
    const int limit = blockVoiceLimit_;
    if (limit != tapVoiceLimit_) {
      tapVoiceLimit_ = limit;
      SessionRecord r;
      r.kind = SessionRecord::Kind::VoiceLimit;
      r.frame = frame;
      r.voiceLimit = limit;
      tapOn_->record(r);
    }
  }
  void tapSwap(const Program& p, bool loaded, std::uint32_t fade) noexcept {
    SessionRecord r;
    r.kind = SessionRecord::Kind::Swap;
    r.frame = blocks_ * kBlockFrames;
    r.loaded = loaded;
    r.patch = p.sessionPatch;
    r.generation = p.generation;
    r.fadeFrames = fade;
    r.curve = fadingOut_ ? fadeCurve_ : fadeCurveSetting_.load(std::memory_order_relaxed); // the curve the fade runs
    tapOn_->record(r);
  }
  void tapEvent(const Event& applied, std::uint64_t blockStart) noexcept {
    if (!tapOn_) return;
    SessionRecord r;
    r.kind = SessionRecord::Kind::Event;
    r.event = applied;
    r.event.frame += blockStart;
    r.frame = r.event.frame;
    tapOn_->record(r);
  }

  void retire(Program* p) noexcept {
    if (retired_.try_push(p)) retiredPushed_.fetch_add(1, std::memory_order_relaxed);
    // trySwapProgram keeps two places free, so the queue cannot be full here.
  }
  std::size_t retiredInFlight() const noexcept {
    return static_cast<std::size_t>(retiredPushed_.load(std::memory_order_relaxed) - retiredPopped());
  }
  std::uint64_t retiredPopped() const noexcept { return retiredPopped_.load(std::memory_order_relaxed); }

  void report(SwapStatus::Kind kind, const Program& p, std::uint64_t ns, std::uint64_t frame = ~std::uint64_t{0}) noexcept {
    SwapStatus s;
    s.kind = kind;
    s.generation = p.generation;
    s.requestNs = p.requestNs;
    s.compiledNs = p.compiledNs;
    s.requestFrame = p.requestFrame;
    s.compiledFrame = p.compiledFrame;
    s.frame = frame == ~std::uint64_t{0} ? blocks_ * kBlockFrames : frame;
    s.ns = ns;
    status_.try_push(s); // a full status queue drops reports, never blocks
  }

  VMConfig config_;
  AtomicGraphSlot<Program> slot_;
  float outBlock_[kMaxHostChannels][kBlockFrames];
  float fadeOld_[kMaxHostChannels][kBlockFrames];
  std::uint64_t blocks_ = 0;
  VMCounters counters_;

  Program* fadingOut_ = nullptr;
  std::uint32_t fadeLength_ = 0, fadePos_ = 0;
  std::uint64_t fadeStartFrame_ = 0;
  FadeCurve fadeCurve_ = FadeCurve::EqualPower;
  std::atomic<bool> fading_{false};
  std::atomic<int> voiceLimit_{0};
  MeterBoard meters_;
  int blockVoiceLimit_ = 0; // audio thread: voiceLimit_ as read at the start of the block
  std::atomic<SessionTap*> tap_{nullptr};
  SessionTap* tapOn_ = nullptr; // audio thread: the tap of the block being computed
  bool tapStarted_ = false;
  std::uint32_t tapFade_ = ~std::uint32_t{0};
  FadeCurve tapCurve_ = FadeCurve::EqualPower;
  int tapVoiceLimit_ = 0;
  std::atomic<std::uint32_t> fadeFramesSetting_{0};
  std::atomic<FadeCurve> fadeCurveSetting_{FadeCurve::EqualPower};
  LockFreeQueue<Program*, kRetireCapacity> retired_;
  std::atomic<std::uint64_t> retiredPushed_{0}, retiredPopped_{0};
  LockFreeQueue<SwapStatus, kStatusCapacity> status_;

  struct ParamEventRef {
    std::uint32_t slot;
    std::uint32_t frame;
    std::uint32_t order; // position in the block's list: equal (slot, frame) keep it
    float value;
    std::int32_t ramp;
    RampCurve curve;
  };

  // The pending buffer is a binary min-heap on (frame, arrival): O(log n) per event in any
  // arrival order (an insertion sort cost O(n) per event arriving out of order, so events in
  // reverse time order were quadratic), same order as a stable sort by frame.
  struct PendingEvent {
    Event event;
    std::uint64_t arrival = 0;
  };
  struct Later {
    std::uint64_t* comparisons;
    bool operator()(const PendingEvent& a, const PendingEvent& b) const noexcept {
      ++*comparisons;
      return a.event.frame != b.event.frame ? a.event.frame > b.event.frame : a.arrival > b.arrival;
    }
  };
  void pushPending(const Event& e) noexcept {
    pending_[pendingCount_++] = PendingEvent{e, arrivals_++};
    std::push_heap(pending_, pending_ + pendingCount_, Later{&pendingComparisons_});
  }
  PendingEvent popPending() noexcept {
    std::pop_heap(pending_, pending_ + pendingCount_, Later{&pendingComparisons_});
    return pending_[--pendingCount_];
  }

  // Parameter events → (slot, frame) order, the order PARAM instructions visit them; an
  // O(k log k) sort (allocation-free) with the list order as the last key, so it is stable.
  void resolveParamEvents(const Program& p) noexcept {
    refCount_ = 0;
    for (std::size_t i = 0; i < paramCount_; ++i) {
      const Event& e = paramEvents_[i];
      const int slot = p.findParamSlot(e.moduleKey, e.paramKey);
      if (slot < 0) {
        counters_.unmatchedEvents.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      refs_[refCount_++] = ParamEventRef{static_cast<std::uint32_t>(slot), static_cast<std::uint32_t>(e.frame),
                                         static_cast<std::uint32_t>(i), e.value, e.rampFrames, e.curve};
    }
    std::sort(refs_, refs_ + refCount_, [](const ParamEventRef& a, const ParamEventRef& b) {
      return a.slot != b.slot ? a.slot < b.slot : a.frame != b.frame ? a.frame < b.frame : a.order < b.order;
    });
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
          mixBlock(dst + c * kBlockFrames, s, amount);
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
          slot.smoother.setTarget(refs_[ref].value, refs_[ref].ramp, refs_[ref].curve);
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

  MpmcLockFreeQueue<Event, kEventQueueCapacity> events_; // control, MIDI, OSC threads all post
  PendingEvent pending_[kPendingCapacity];
  std::size_t pendingCount_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t pendingComparisons_ = 0;
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
