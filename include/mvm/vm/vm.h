#pragma once
// The VM runs a compiled Program on the audio thread, one kBlockFrames block at a time, and
// adapts any host buffer size to that block: the rendered stream is the same whatever the host
// asks for per call. Host audio inputs reach the program one block late (the price of that
// independence). Events are applied at their exact frame, in frame order (arrival order at equal
// frames). Nothing accepted is dropped: events beyond a block's capacity wait for the next block
// (applied at its start, counted late); only postEvent refuses, when the queue is full (counted).
//
// Hot swap (DESIGN.md decision 3): the control thread schedules a new program in a SwapSlot; at
// the next block boundary the audio thread takes it, carries the state of the old program over
// (vm/carry_over.h), crossfades old → new while both run, then hands the old program back through
// a queue to be destroyed on a control thread. A swap scheduled during a fade waits for the fade
// to end (at most one fade length); a newer schedule replaces a waiting one (the newest wins).
//
// The parts: vm/pending_events.h orders events into blocks, vm/interpreter.h runs the bytecode,
// vm/carry_over.h carries state over a swap, vm/vm_observer.h reports to an observer (a session
// recording), vm/vm_counters.h counts.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "mvm/compiler/program.h"
#include "mvm/core/block.h"
#include "mvm/core/clock.h"
#include "mvm/core/denormals.h"
#include "mvm/core/event.h"
#include "mvm/core/output_guard.h"
#include "mvm/core/rt_context.h"
#include "mvm/core/signal.h"
#include "mvm/rt/lock_free_queue.h"
#include "mvm/rt/swap_slot.h"
#include "mvm/vm/carry_over.h"
#include "mvm/vm/crossfade.h"
#include "mvm/vm/interpreter.h"
#include "mvm/vm/pending_events.h"
#include "mvm/vm/swap_status.h"
#include "mvm/vm/vm_counters.h"
#include "mvm/vm/vm_observer.h"
#include "mvm/vm/worker_pool.h"

namespace mvm {

struct VMConfig {
  double sampleRate = 48000.0;
  int numOutputs = 2;
  int numInputs = 0;
  // Threads that compute a block, the audio thread included (vm/worker_pool.h). A program runs
  // on them when it was compiled for more than one thread (CompileOptions::threads) and has
  // tasks; the output is the same bit for bit at every count.
  int threads = 1;
};

class VM {
public:
  static constexpr std::size_t kEventQueueCapacity = 4096;
  static constexpr std::size_t kPendingCapacity = PendingEvents::kCapacity;
  static constexpr std::size_t kBlockEventCapacity = PendingEvents::kBlockCapacity;
  static constexpr std::size_t kRetireCapacity = 64;
  static constexpr std::size_t kStatusCapacity = 256;

  explicit VM(VMConfig config = {}) : config_(config) {
    config_.threads = std::clamp(config_.threads, 1, WorkerPool::kMaxThreads);
    if (config_.threads > 1) pool_ = std::make_unique<WorkerPool>(config_.threads);
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
  void loadProgram(std::unique_ptr<Program> program) {
    if (VMObserver* o = observer_.load(std::memory_order_acquire); o && program) o->programHandedOver(*program);
    delete slot_.exchangeCurrent(program.release());
    counters_.generation.store(current() ? current()->generation : 0, std::memory_order_relaxed);
  }

  // control thread, wait-free: swap to `program` at the next block boundary. Returns the program
  // it replaced in the slot (scheduled earlier, never picked up), for the caller to destroy.
  std::unique_ptr<Program> scheduleNewProgram(std::unique_ptr<Program> program) noexcept {
    if (VMObserver* o = observer_.load(std::memory_order_acquire); o && program) o->programHandedOver(*program);
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
  std::uint32_t crossfadeFrames() const noexcept { return fadeFramesSetting_.load(std::memory_order_relaxed); }

  // control thread, before the audio thread's first block: from then on, report to `observer`
  // (vm/vm_observer.h). Programs already loaded or scheduled are handed over now. False (and
  // nothing attached) once the VM has computed a block: an observer sees the stream from its
  // start (a recording could not be replayed otherwise).
  bool attachObserver(VMObserver& observer) {
    if (blocks_ != 0) return false;
    if (Program* p = current()) observer.programHandedOver(*p);
    if (Program* p = slot_.takePending()) {
      observer.programHandedOver(*p);
      slot_.scheduleSwap(p);
    }
    observer_.store(&observer, std::memory_order_release);
    return true;
  }
  // control thread, while the audio thread is not running the VM: stop reporting.
  void detachObserver() noexcept { observer_.store(nullptr, std::memory_order_release); }
  // any thread: compilers of programs for this VM keep their patch (CompileOptions::keepPatchJson)
  // while true, since an observer (a recording) may need it
  bool observerAttached() const noexcept { return observer_.load(std::memory_order_acquire) != nullptr; }

  // control thread: destroy programs the audio thread retired; returns how many.
  std::size_t collectRetired() noexcept {
    std::size_t n = 0;
    Program* p;
    while (retired_.tryPop(p)) {
      delete p;
      ++n;
    }
    retiredPopped_.fetch_add(n, std::memory_order_relaxed);
    return n;
  }
  // control thread: the next swap report, if any
  bool popSwapStatus(SwapStatus& out) noexcept { return status_.tryPop(out); }

  // any thread, lock-free. False when the queue is full (counted).
  bool postEvent(const Event& e) noexcept {
    if (events_.tryPush(e)) return true;
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

  // Frames handed to the host so far / frames the VM has computed (a multiple of kBlockFrames).
  std::uint64_t framesOutput() const noexcept { return framesOut_; }
  std::uint64_t framesComputed() const noexcept { return counters_.blocks.load(std::memory_order_relaxed) * kBlockFrames; }
  const VMCounters& counters() const noexcept { return counters_; }
  // any thread
  EventTally eventTally() const noexcept { return counters_.eventTally(); }
  // For tests, while the audio thread is idle: comparisons made keeping pending events in order
  // (O(log n) per event, whatever order events arrive in).
  std::uint64_t pendingComparisons() const noexcept { return pending_.comparisons(); }
  // The program the audio thread runs (control side: for inspection when the VM is idle).
  Program* program() const noexcept { return current(); }
  bool isFading() const noexcept { return fading_.load(std::memory_order_relaxed); }
  // any thread, wait-free: the most voices the program's VoiceControllers may hold from the next
  // block on (0 = no limit). Above it, they release their oldest notes (an overload policy's lever).
  void setVoiceLimit(int voices) noexcept { voiceLimit_.store(voices < 0 ? 0 : voices, std::memory_order_relaxed); }
  int voiceLimit() const noexcept { return voiceLimit_.load(std::memory_order_relaxed); }
  // any thread, wait-free: muted, the VM stops running its program from the next block on and
  // plays silence (the block where it starts fades out, the block where it ends fades in), an
  // overload policy's last lever. Events applied while muted reach no module, so a program
  // swapped in while muted starts afresh, without a crossfade and without the old state
  // (whose notes may have lost their note-offs).
  void setMuted(bool muted) noexcept { muted_.store(muted, std::memory_order_relaxed); }
  bool muted() const noexcept { return muted_.load(std::memory_order_relaxed); }
  // The threads computing blocks beside the audio thread, or null (VMConfig::threads 1).
  const WorkerPool* workerPool() const noexcept { return pool_.get(); }
  WorkerPool* workerPool() noexcept { return pool_.get(); }
  // any thread: the levels Meter modules publish, by their id's key (fnv1a64(id))
  const MeterBoard& meters() const noexcept { return meters_; }

private:
  Program* current() const noexcept { return slot_.current(); }

  // audio thread: one block, swapping first when a program is waiting
  void computeBlock() noexcept {
    blockVoiceLimit_ = voiceLimit_.load(std::memory_order_relaxed); // one value per block (and per reported block)
    const bool muted = blockMuted_ = muted_.load(std::memory_order_relaxed);
    blockObserver_ = observer_.load(std::memory_order_acquire);
    if (blockObserver_)
      blockObserver_->blockStarted({blocks_ * kBlockFrames, current(), fadeFramesSetting_.load(std::memory_order_relaxed),
                                    fadeCurveSetting_.load(std::memory_order_relaxed), blockVoiceLimit_, muted});
    swapIfPending();
    const std::uint64_t start = blocks_ * kBlockFrames;
    pending_.gather(events_, start, counters_, [&](const Event& e) noexcept {
      if (!blockObserver_) return;
      Event applied = e;
      applied.frame += start;
      blockObserver_->eventApplied(applied);
    });
    Program* cur = current();
    if (!cur || (muted && wasMuted_)) {
      std::memset(outBlock_, 0, sizeof outBlock_);
      if (fadingOut_) endFade(); // nothing runs while muted: the fade is over
      counters_.activeVoices.store(0, std::memory_order_relaxed);
    } else if (!fadingOut_) {
      runProgram(*cur);
      copyBus(*cur, outBlock_);
    } else {
      runProgram(*fadingOut_);
      copyBus(*fadingOut_, fadeOld_);
      runProgram(*cur);
      copyBus(*cur, outBlock_);
      mixFade();
    }
    if (cur && muted != wasMuted_) rampBlock(muted);
    wasMuted_ = muted;
    finishBlock();
  }

  // outBlock_ faded out over the block (muting) or in (unmuting), linearly: 1.3 ms, no click
  void rampBlock(bool out) noexcept {
    for (int i = 0; i < kBlockFrames; ++i) {
      const float up = static_cast<float>(i + 1) * (1.0f / kBlockFrames);
      const float g = out ? 1.0f - up : up;
      for (int c = 0; c < config_.numOutputs; ++c) outBlock_[c][i] *= g;
    }
  }

  // audio thread, wait-free: take a waiting program at this block boundary. Returns true when a
  // swap happened. Carries state over and starts the crossfade.
  bool swapIfPending() noexcept {
    if (!slot_.hasPending()) return false;
    if (fadingOut_ || retired_.capacity() - retiredInFlight() < 2) {
      counters_.deferredSwaps.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    Program* prev = slot_.maybeSwap();
    Program* next = current();
    const std::uint64_t now = steadyNowNs();
    const bool silent = blockMuted_ && wasMuted_; // see setMuted
    if (prev && !silent) carryOver(*next, *prev);
    const std::uint32_t fade = silent ? 0 : fadeFramesSetting_.load(std::memory_order_relaxed);
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
    if (blockObserver_) // the curve the fade runs
      blockObserver_->programSwapped({blocks_ * kBlockFrames, next, fade,
                                      fadingOut_ ? fadeCurve_ : fadeCurveSetting_.load(std::memory_order_relaxed)});
    counters_.swaps.fetch_add(1, std::memory_order_relaxed);
    counters_.generation.store(next->generation, std::memory_order_relaxed);
    report(SwapStatus::Kind::FirstBlock, *next, now);
    if (!fadingOut_) report(SwapStatus::Kind::FadeDone, *next, now);
    return true;
  }

  // audio thread: run one block of a program into its host bus
  void runProgram(Program& p) noexcept {
    const std::span<const Event> notes = pending_.notes();
    for (std::uint32_t m : p.noteListeners) p.modules[m].instance->setBlockEvents(notes);
    interpreter_.resolve(p, pending_.params(), counters_.unmatchedEvents);
    for (int c = 0; c < p.bus.numInputs && c < config_.numInputs; ++c)
      std::memcpy(const_cast<float*>(p.bus.inputs[c]), inBlock_[(blocks_ & 1) ^ 1][c], sizeof(float) * kBlockFrames);
    p.bus.voiceLimit = blockVoiceLimit_;
    p.bus.meters = &meters_;
    if (pool_ && !p.tasks.empty()) pool_->run(p, interpreter_);
    else interpreter_.execute(p);
    for (std::uint32_t m : p.noteListeners) p.modules[m].instance->setBlockEvents({});
    if (&p == current()) {
      int voices = 0;
      for (std::uint32_t m : p.noteListeners) voices += p.modules[m].instance->heldVoices();
      counters_.activeVoices.store(voices, std::memory_order_relaxed);
    }
  }

  void copyBus(const Program& p, float (*dst)[kBlockFrames]) noexcept {
    for (int c = 0; c < config_.numOutputs; ++c)
      std::memcpy(dst[c], c < p.bus.numOutputs ? p.bus.outputs[c] : kSilentBlock, sizeof(float) * kBlockFrames);
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
    if (fadePos_ >= fadeLength_) endFade();
  }

  void endFade() noexcept {
    retire(fadingOut_);
    fadingOut_ = nullptr;
    fading_.store(false, std::memory_order_relaxed);
    report(SwapStatus::Kind::FadeDone, *current(), steadyNowNs(), fadeStartFrame_ + std::min(fadePos_, fadeLength_));
  }

  // audio thread: finish a block in outBlock_ (guarded) and advance the clock
  void finishBlock() noexcept {
    float* channels[kMaxHostChannels];
    for (int c = 0; c < config_.numOutputs; ++c) channels[c] = outBlock_[c];
    if (guard_.apply(channels, config_.numOutputs, kBlockFrames))
      counters_.guardedBlocks.fetch_add(1, std::memory_order_relaxed);
    if (blockObserver_) blockObserver_->blockComputed(blocks_ * kBlockFrames, outBlock_);
    ++blocks_;
    counters_.blocks.store(blocks_, std::memory_order_relaxed);
  }

  void retire(Program* p) noexcept {
    if (retired_.tryPush(p)) retiredPushed_.fetch_add(1, std::memory_order_relaxed);
    // swapIfPending keeps two places free, so the queue cannot be full here.
  }
  std::size_t retiredInFlight() const noexcept {
    return static_cast<std::size_t>(retiredPushed_.load(std::memory_order_relaxed) - retiredPopped_.load(std::memory_order_relaxed));
  }

  void report(SwapStatus::Kind kind, const Program& p, std::uint64_t ns, std::uint64_t frame = ~std::uint64_t{0}) noexcept {
    SwapStatus s;
    s.kind = kind;
    s.generation = p.generation;
    s.frame = frame == ~std::uint64_t{0} ? blocks_ * kBlockFrames : frame;
    s.ns = ns;
    status_.tryPush(s); // a full status queue drops reports, never blocks
  }

  VMConfig config_;
  SwapSlot<Program> slot_;
  VMCounters counters_;
  std::uint64_t blocks_ = 0;
  int outPos_ = kBlockFrames;
  std::uint64_t framesOut_ = 0;
  float outBlock_[kMaxHostChannels][kBlockFrames];
  float fadeOld_[kMaxHostChannels][kBlockFrames];
  float inBlock_[2][kMaxHostChannels][kBlockFrames];
  OutputGuard guard_;
  MeterBoard meters_;

  // control → audio thread
  MpmcLockFreeQueue<Event, kEventQueueCapacity> events_; // control, MIDI, OSC threads all post
  std::atomic<std::uint32_t> fadeFramesSetting_{0};
  std::atomic<FadeCurve> fadeCurveSetting_{FadeCurve::EqualPower};
  std::atomic<int> voiceLimit_{0};
  std::atomic<bool> muted_{false};
  std::atomic<VMObserver*> observer_{nullptr};

  // audio thread
  PendingEvents pending_;
  Interpreter interpreter_;
  std::unique_ptr<WorkerPool> pool_; // threads > 1
  int blockVoiceLimit_ = 0;               // voiceLimit_ as read at the start of the block
  bool blockMuted_ = false, wasMuted_ = false; // muted_ as read for this block and for the previous one
  VMObserver* blockObserver_ = nullptr;   // observer_ as read at the start of the block
  Program* fadingOut_ = nullptr;
  std::uint32_t fadeLength_ = 0, fadePos_ = 0;
  std::uint64_t fadeStartFrame_ = 0;
  FadeCurve fadeCurve_ = FadeCurve::EqualPower;

  // audio → control thread
  std::atomic<bool> fading_{false};
  LockFreeQueue<Program*, kRetireCapacity> retired_;
  std::atomic<std::uint64_t> retiredPushed_{0}, retiredPopped_{0};
  LockFreeQueue<SwapStatus, kStatusCapacity> status_;
};

} // namespace mvm
