#pragma once
// PatchManager: loads patches while the VM plays. One persistent compile thread takes requests
// from a queue (the newest wins when several wait), parses and compiles off the audio thread,
// and schedules the program on the VM, which swaps it in at a block boundary with a crossfade and
// state carry-over. A request returns a SwapHandle that tells when the patch was compiled, swapped
// in and faded — or why it failed; a failure leaves the running program untouched.
// The same thread destroys programs the audio thread retires, and reads its swap reports.
//
// Thread contract: every public function is for control threads (any number of them); none may
// be called from the audio thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mvm/compiler/compiler.h"
#include "mvm/control/meter_levels.h"
#include "mvm/control/swap_handle.h"
#include "mvm/core/file_reader.h"
#include "mvm/core/hash.h"
#include "mvm/patch/limits.h"
#include "mvm/patch/patch_parser.h"
#include "mvm/vm/vm.h"

namespace mvm {

struct PatchManagerStats {
  std::uint64_t requests = 0, swapped = 0, failed = 0, superseded = 0, unchanged = 0, retired = 0;
};

class PatchManager {
public:
  PatchManager(VM& vm, CompileOptions options, const ModuleRegistry& registry)
      : vm_(vm), options_(options), registry_(registry), thread_([this] { run(); }) {}
  ~PatchManager() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    for (auto& r : queue_) finish(*r, SwapState::Superseded, "the patch manager stopped");
  }
  PatchManager(const PatchManager&) = delete;
  PatchManager& operator=(const PatchManager&) = delete;

  SwapHandle loadPatch(const std::string& path) { return enqueue(Kind::File, "", path); }
  SwapHandle loadPatchFromString(const std::string& json, const std::string& source = "<string>") {
    return enqueue(Kind::Text, json, source);
  }
  // Swaps back to the patch that ran before the current one (with the same swap mechanism).
  SwapHandle rollback() { return enqueue(Kind::Rollback, "", "rollback"); }

  // Sets a parameter live: smoothed on the audio thread; kept across swaps unless the new patch
  // gives that parameter a new value (docs/hot-swap.md). rampSeconds < 0: the parameter's own smoothing.
  bool setParam(const std::string& module, const std::string& param, float value, double rampSeconds = -1) {
    Event e;
    e.type = EventType::ParamSet;
    e.frame = kFrameNow;
    e.moduleKey = fnv1a64(module);
    e.paramKey = fnv1a64(param);
    e.value = value;
    e.rampFrames = rampSeconds < 0 ? kDefaultRamp : static_cast<std::int32_t>(rampSeconds * options_.sampleRate + 0.5);
    return vm_.postEvent(e);
  }

  // The module types its patches are parsed and compiled with.
  const ModuleRegistry& registry() const noexcept { return registry_; }

  // The patch most recently swapped in (what is playing), and the one rollback() returns to.
  std::optional<PatchGraph> currentPatch() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  std::optional<PatchGraph> previousPatch() const {
    std::lock_guard lock(mutex_);
    return previous_;
  }
  // The levels of the playing patch's Meter modules (docs/modules.md#meter).
  std::vector<MeterLevel> meterLevels() const {
    const std::optional<PatchGraph> patch = currentPatch();
    return patch ? mvm::meterLevels(*patch, vm_.meters()) : std::vector<MeterLevel>{};
  }
  // any thread: the VM's event counters (late, carried over, lost), for status lines
  EventTally events() const noexcept { return vm_.eventTally(); }
  PatchManagerStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  // A request is being read, parsed or compiled right now (its thread cannot be interrupted:
  // a runner told to stop may leave without waiting for it).
  bool compiling() const noexcept { return compiling_.load(std::memory_order_relaxed); }
  // Requests that are scheduled but whose fade is not done yet.
  std::size_t inFlight() const {
    std::lock_guard lock(mutex_);
    return inflight_.size();
  }

private:
  using Request = SwapHandle::Request;
  using Kind = Request::Kind;

  struct InFlight {
    std::shared_ptr<Request> request;
    PatchGraph graph;
    std::uint64_t signature;
  };

  SwapHandle enqueue(Kind kind, std::string text, std::string source) {
    auto r = std::make_shared<Request>();
    r->kind = kind;
    r->text = std::move(text);
    r->source = std::move(source);
    r->times.requestNs = steadyNowNs();
    r->times.requestFrame = vm_.framesComputed();
    {
      // The newest wins: what waits is superseded now, not when the compile thread comes to it,
      // so a burst of loads (a peer's flood) holds one patch text in memory, not one per request.
      std::lock_guard lock(mutex_);
      ++stats_.requests;
      for (auto& older : queue_) {
        ++stats_.superseded;
        finish(*older, SwapState::Superseded, "a newer request replaced it");
      }
      queue_.clear();
      queue_.push_back(r);
    }
    cv_.notify_all();
    return SwapHandle(r);
  }

  void run() {
    for (;;) {
      std::shared_ptr<Request> next;
      {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, std::chrono::milliseconds(2), [&] { return stop_ || !queue_.empty(); });
        if (stop_) break;
        if (!queue_.empty()) {
          next = queue_.back(); // the newest wins
          queue_.pop_back();
          for (auto& older : queue_) {
            ++stats_.superseded;
            finish(*older, SwapState::Superseded, "a newer request replaced it");
          }
          queue_.clear();
        }
      }
      if (next) {
        compiling_.store(true, std::memory_order_relaxed);
        handle(next);
        compiling_.store(false, std::memory_order_relaxed);
      }
      pump();
    }
    pump();
  }

  void handle(const std::shared_ptr<Request>& r) {
    setState(*r, SwapState::Compiling);
    PatchGraph graph;
    std::unique_ptr<Program> program;
    try {
      if (r->kind == Kind::Rollback) {
        std::lock_guard lock(mutex_);
        if (!previous_) throw std::runtime_error("rollback: there is no previous patch to roll back to");
        graph = *previous_;
      } else {
        // A regular file within the patch cap, opened without blocking: a FIFO or device named
        // by a load never stalls this thread (and with it every later load and shutdown).
        const std::string text = r->kind == Kind::File ? readRegularFile(r->source, limits::kMaxPatchBytes, "patch") : r->text;
        r->text.clear();
        r->text.shrink_to_fit();
        graph = PatchParser(registry_).parseFromJson(text, r->source);
      }
      CompileOptions options = options_;
      options.keepPatchJson = vm_.observerAttached(); // a recording needs the patch of every program
      program = Compiler(registry_).compile(graph, options);
    } catch (const std::bad_alloc&) {
      fail(*r, escapeForMessage(r->source) + ": out of memory while compiling", {});
      return;
    } catch (const FileError& e) {
      fail(*r, e.what(), {SwapFailure::Kind::File, e.reason(), 0, 0});
      return;
    } catch (const PatchError& e) {
      fail(*r, e.what(), {SwapFailure::Kind::Patch, FileError::Reason::Unreadable, e.line(), e.column()});
      return;
    } catch (const std::exception& e) {
      fail(*r, e.what(), {});
      return;
    }
    const std::uint64_t compiledNs = steadyNowNs();
    const std::uint64_t compiledFrame = vm_.framesComputed();
    {
      std::lock_guard rl(r->mutex);
      for (const std::string& d : program->diagnostics) r->diagnostics.push_back(graph.source + ": " + d);
    }
    {
      std::lock_guard lock(mutex_);
      if (program->signature == latestSignature_ && inflight_.empty()) {
        ++stats_.unchanged;
        std::lock_guard rl(r->mutex);
        r->times.compiledNs = compiledNs;
        r->state = SwapState::Unchanged;
        r->cv.notify_all();
        return;
      }
      latestSignature_ = program->signature;
      program->generation = ++generation_;
      inflight_[program->generation] = InFlight{r, graph, program->signature};
    }
    const std::uint64_t generation = program->generation;
    if (std::unique_ptr<Program> replaced = vm_.scheduleNewProgram(std::move(program))) {
      std::lock_guard lock(mutex_);
      if (auto it = inflight_.find(replaced->generation); it != inflight_.end()) {
        ++stats_.superseded;
        finish(*it->second.request, SwapState::Superseded, "a newer patch was scheduled before it was swapped in");
        inflight_.erase(it);
      }
    }
    // Marked after the program it displaced is superseded, so whoever sees this one scheduled
    // also sees the older one finished. Only this thread pumps the audio thread's reports, so
    // Swapped cannot be set before Scheduled.
    {
      std::lock_guard rl(r->mutex);
      r->generation = generation;
      r->times.compiledNs = compiledNs;
      r->times.compiledFrame = compiledFrame;
      r->state = SwapState::Scheduled;
      r->cv.notify_all();
    }
  }

  // Destroys retired programs and turns the audio thread's reports into handle states.
  void pump() {
    const std::size_t retired = vm_.collectRetired();
    SwapStatus s;
    std::lock_guard lock(mutex_);
    stats_.retired += retired;
    while (vm_.popSwapStatus(s)) {
      auto it = inflight_.find(s.generation);
      if (it == inflight_.end()) continue;
      Request& r = *it->second.request;
      if (s.kind == SwapStatus::Kind::FirstBlock) {
        ++stats_.swapped;
        previous_ = std::move(current_);
        current_ = it->second.graph;
        std::lock_guard rl(r.mutex);
        r.times.firstBlockNs = s.ns;
        r.times.firstBlockFrame = s.frame;
        r.state = SwapState::Swapped;
        r.cv.notify_all();
      } else {
        {
          std::lock_guard rl(r.mutex);
          r.times.fadeDoneNs = s.ns;
          r.times.fadeDoneFrame = s.frame;
          r.state = SwapState::Faded;
          r.cv.notify_all();
        }
        inflight_.erase(it);
      }
    }
  }

  void fail(Request& r, const std::string& error, SwapFailure failure) {
    if (failure.kind == SwapFailure::Kind::None) failure.kind = SwapFailure::Kind::Other;
    {
      std::lock_guard lock(mutex_);
      ++stats_.failed;
    }
    {
      std::lock_guard rl(r.mutex);
      r.failure = failure;
    }
    finish(r, SwapState::Failed, error);
  }
  static void finish(Request& r, SwapState state, const std::string& error) {
    std::lock_guard rl(r.mutex);
    r.state = state;
    r.error = error;
    r.cv.notify_all();
  }
  static void setState(Request& r, SwapState state) {
    std::lock_guard rl(r.mutex);
    r.state = state;
    r.cv.notify_all();
  }

  VM& vm_;
  const CompileOptions options_;
  const ModuleRegistry& registry_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Request>> queue_;
  std::map<std::uint64_t, InFlight> inflight_;
  std::optional<PatchGraph> current_, previous_;
  std::uint64_t generation_ = 0;
  std::uint64_t latestSignature_ = 0;
  PatchManagerStats stats_;
  bool stop_ = false;
  std::atomic<bool> compiling_{false};
  std::thread thread_; // last: starts after everything above is constructed
};

} // namespace mvm
