#pragma once
// One run of mvm-live: open (live_rig.h), run the control loop, summarise. The audio callback runs
// the VM for exactly the frames asked (no ring buffer) and measures itself (callbacks, xruns — ours
// or the system's —, load against the buffer's time budget) without locks or allocation; patches
// load through the PatchManager, compiled off the audio thread and swapped in with a crossfade.
// An observer (session_observer.h) hears of swaps, each second and the end, for the soak report.
//
// Thread contract: control thread (the audio, MIDI and OSC threads are the rig's).

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_text.h"
#include "file_watch.h"
#include "jack_xruns.h"
#include "live_commands.h"
#include "live_rig.h"
#include "memory_sampler.h"
#include "meter.h"
#include "midi_learn_command.h"
#include "session_observer.h"
#include "thread_loads.h"
#ifdef MVM_LIVE_RT_PROBE
#include "rt_probe.h" // the test build: counts allocations made inside the audio callback
#endif

namespace mvm::live {

// A reload (watch, console, soak schedule) waiting for its outcome.
struct Reload {
  SwapHandle handle;
  std::string what;
};

class LiveSession {
public:
  using Clock = std::chrono::steady_clock;

  explicit LiveSession(const LiveOptions& options) : rig_(options), o_(options) {}

  void observe(SessionObserver& observer) { observer_ = &observer; }

  // An exit status when the session does not get to play (or is stopped before it begins).
  std::optional<int> open() { return rig_.open(); }

  // The control loop: console, meter, file watch, soak schedule, reload and overload reports,
  // memory; stops on a signal, `quit`, --seconds/--soak, or when the stream stops calling back.
  // Returns the exit status so far.
  int run() {
    prepareLoop();
    int exitCode = kOk;
    for (;;) { // memory is sampled from the first second on: growth is measured from a warmed-up start
      if (gStop || quit_) break;
      const auto now = Clock::now();
      const std::uint64_t nowNs = steadyNowNs();
      if (limitNs_ && nowNs - rig_.metrics->firstCallbackNs() >= limitNs_) break;
      if (streamStalled(now)) {
        meter_.clear();
        std::cerr << "mvm-live: error: the " << rig_.stream->api->label << " stream stopped calling back (2 s without a callback; did the server go away?)\n";
        exitCode = kAudioError;
        break;
      }
      readConsole();
      reportMidiLearned();
      pollWatch(now);
      scheduleSoakSwap(nowNs);
      reportReloads();
      reportOverload();
      sampleSecond(nowNs);
      drawMeter(now);
      sleepTick();
    }
    meter_.clear();
    return exitCode;
  }

  // Stops the stream and prints the summary; the observer has the last word on the exit status.
  int summarise(int exitCode) {
    RunTotals totals = stop(exitCode);
    printSummary(totals);
    SessionEnd end{exitCode};
    if (observer_) end = observer_->finished(*this, totals, exitCode);
    if (end.mayAbandonCompile && rig_.manager->compiling()) {
      // A compile cannot be interrupted and nothing is left to save: leave now instead of after it.
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(end.exitCode);
    }
    rig_.manager.reset(); // before the VM: its thread destroys retired programs
    return end.exitCode;
  }

  // For observers.
  const LiveOptions& options() const { return o_; }
  const OpenStream& stream() const { return *rig_.stream; }
  const VM& vm() const { return *rig_.vm; }
  const CallbackMetrics& metrics() const { return *rig_.metrics; }
  const OverloadPolicy& overload() const { return *rig_.overload; }
  const MemorySampler& memory() const { return memory_; }
  const WorkerPool* workerPool() const { return rig_.vm->workerPool(); } // null with one thread
  std::int64_t serverXrunCount() const { return serverXruns_ ? static_cast<std::int64_t>(serverXruns_->count()) : -1; }
  double sinceFirstCallback(std::uint64_t ns) const {
    const std::uint64_t first = rig_.metrics->firstCallbackNs();
    return ns > first ? static_cast<double>(ns - first) * 1e-9 : 0.0;
  }

private:
  void prepareLoop() {
#ifdef MVM_LIVE_HAVE_JACK
    if (rig_.stream->api->api == RtAudio::UNIX_JACK) {
      quietAudioLibraries(true);
      serverXruns_ = std::make_unique<JackXrunCounter>();
      quietAudioLibraries(false);
      if (!serverXruns_->ok()) serverXruns_.reset();
    }
#endif
    meter_ = MeterDisplay(!o_.soak && !o_.given("no-meter") && ::isatty(STDOUT_FILENO) == 1);
    watcher_.emplace(o_.patchPath);
    addCommands();
    const CallbackMetrics& metrics = *rig_.metrics;
    nextWatchPoll_ = nextMeter_ = lastProgress_ = Clock::now();
    lastCallbacks_ = metrics.callbacks();
    meterLoads_.emplace(metrics, workerPool(), rig_.stream->rate);
    limitNs_ = o_.seconds > 0 ? static_cast<std::uint64_t>(o_.seconds * 1e9) : 0;
    nextSampleNs_ = metrics.firstCallbackNs() + 1000000000ull;
    nextSwapNs_ = o_.swapEvery > 0 ? metrics.firstCallbackNs() + static_cast<std::uint64_t>(o_.swapEvery * 1e9) : 0;
    if (observer_) observer_->started(*this);
  }

  MeterReading reading(bool recent) {
    CallbackMetrics& metrics = *rig_.metrics;
    MeterReading m;
    m.peak = recent ? metrics.takeRecentPeak() : metrics.peak();
    m.loadPercent = recent ? metrics.takeRecentMaxLoad() : metrics.load().percentile(0.99);
    m.xrunsOurs = metrics.xrunsOurs();
    m.xrunsSystem = metrics.xrunsSystem();
    m.voices = rig_.vm->counters().activeVoices.load(std::memory_order_relaxed);
    m.voiceLimit = rig_.vm->voiceLimit();
    const std::uint64_t swaps = rig_.vm->counters().swaps.load(std::memory_order_relaxed);
    m.swaps = swaps > 0 ? swaps - 1 : 0;
    m.threadLoads = recent ? meterLoads_->take() : ThreadLoads(metrics, workerPool(), rig_.stream->rate).take();
    return m;
  }

  void addCommands() {
    LiveCommandContext ctx;
    ctx.vm = &*rig_.vm;
    ctx.manager = rig_.manager.get();
    ctx.track = [this](SwapHandle h, const std::string& what) { reloads_.push_back({std::move(h), what}); };
    ctx.status = [this] {
      std::string s = "playing generation " + std::to_string(rig_.vm->counters().generation.load(std::memory_order_relaxed)) + ": " +
                      meterLine(reading(false)) + " (peak and p99 load of the whole run)";
      for (const MeterLevel& m : rig_.manager->meterLevels()) {
        char line[160];
        std::snprintf(line, sizeof line, "; meter %s: peak %.3f, rms %.3f, held %.3f", m.id.c_str(), static_cast<double>(m.reading.peak),
                      static_cast<double>(m.reading.rms), static_cast<double>(m.reading.peakHold));
        s += line;
      }
      return s + "; " + rig_.drops().line();
    };
    addLiveCommands(commands_, std::move(ctx));
    addMidiLearnCommand(commands_, rig_.control.midiIn.get(), rig_.manager.get());
  }

  // True when the stream has not called back for 2 s.
  bool streamStalled(Clock::time_point now) {
    const std::uint64_t cb = rig_.metrics->callbacks();
    if (cb != lastCallbacks_) {
      lastCallbacks_ = cb;
      lastProgress_ = now;
      return false;
    }
    return now - lastProgress_ > std::chrono::seconds(2);
  }

  void readConsole() {
    const std::vector<std::string> lines = rig_.control.console.poll();
    rig_.control.consoleDropped.store(rig_.control.console.dropped(), std::memory_order_relaxed);
    for (const std::string& line : lines) {
      const ConsoleReply reply = commands_.execute(line);
      meter_.clear();
      if (!reply.ok) std::fprintf(stderr, "mvm-live: console: error: %s\n", reply.text.c_str());
      else if (!reply.text.empty()) std::printf("mvm-live: %s\n", reply.text.c_str());
      quit_ = quit_ || reply.quit;
    }
  }

  void reportMidiLearned() {
    if (rig_.control.midiIn)
      if (const std::string learned = rig_.control.midiIn->takeLearnReport(); !learned.empty()) {
        meter_.clear();
        std::printf("mvm-live: %s\n", learned.c_str());
      }
  }

  void pollWatch(Clock::time_point now) {
    if (!o_.watch || (now < nextWatchPoll_ && !watcher_->settling())) return;
    nextWatchPoll_ = now + std::chrono::milliseconds(50);
    switch (watcher_->poll(now)) {
    case FileWatch::Event::Changed: reloads_.push_back({rig_.manager->loadPatch(o_.patchPath), o_.patchPath}); break;
    case FileWatch::Event::Missing:
      meter_.clear();
      std::fprintf(stderr, "mvm-live: warning: %s is gone; waiting for it to come back\n", o_.patchPath.c_str());
      break;
    case FileWatch::Event::None: break;
    }
  }

  void scheduleSoakSwap(std::uint64_t nowNs) {
    if (!nextSwapNs_ || nowNs < nextSwapNs_ || o_.swapPatches.empty()) return;
    const std::string& next = o_.swapPatches[swapIndex_++ % o_.swapPatches.size()];
    reloads_.push_back({rig_.manager->loadPatch(next), next});
    nextSwapNs_ += static_cast<std::uint64_t>(o_.swapEvery * 1e9);
  }

  // A reload is reported when it is final: for a swap, once its fade is done.
  void reportReloads() {
    for (auto it = reloads_.begin(); it != reloads_.end();) {
      const SwapState s = it->handle.state();
      if (!SwapHandle::isFinal(s)) {
        ++it;
        continue;
      }
      meter_.clear();
      const SwapTimes t = it->handle.times();
      for (const std::string& d : it->handle.diagnostics()) std::fprintf(stderr, "mvm-live: note: %s\n", d.c_str());
      SwapRecord record;
      record.t = sinceFirstCallback(t.requestNs);
      record.patch = it->what;
      if (s == SwapState::Faded) {
        record.generation = it->handle.generation();
        record.compileMs = t.compileMs();
        record.firstBlockMs = t.audibleMs();
        record.fadeDoneMs = t.fadedMs();
        if (observer_) observer_->reloadFinished(*this, record);
        std::printf("mvm-live: swapped to generation %llu (compiled in %.1f ms, first block %.1f ms, fade done %.1f ms after the request; "
                    "heard %.1f ms later)\n",
                    static_cast<unsigned long long>(record.generation), record.compileMs, record.firstBlockMs, record.fadeDoneMs,
                    rig_.stream->outputLatencyMs());
      } else if (s == SwapState::Failed) {
        ++failedReloads_;
        record.ok = false;
        record.error = it->handle.error();
        if (observer_) observer_->reloadFinished(*this, record);
        std::fprintf(stderr, "mvm-live: error: %s (still playing generation %llu)\n", record.error.c_str(),
                     static_cast<unsigned long long>(rig_.vm->counters().generation.load(std::memory_order_relaxed)));
      } else if (s == SwapState::Unchanged) {
        std::printf("mvm-live: unchanged: %s compiles to the program already playing\n", it->what.c_str());
      }
      it = reloads_.erase(it);
    }
  }

  // Overload: the audio callback engaged or lifted the policy; say so once each time.
  void reportOverload() {
    const OverloadConfig& oc = rig_.overloadConfig;
    if (const std::uint64_t e = rig_.overload->engagements(); e != seenEngagements_) {
      seenEngagements_ = e;
      meter_.clear();
      if (oc.mode == OverloadMode::StealVoices)
        std::fprintf(stderr, "mvm-live: overload: %d callbacks in a row over budget (max %.1f%%): stealing the oldest voices down to %d\n",
                     oc.overBlocks, rig_.metrics->load().maxPercent(), oc.voices);
      else
        std::fprintf(stderr, "mvm-live: overload: %d callbacks in a row over budget (max %.1f%%); policy none: nothing changed\n",
                     oc.overBlocks, rig_.metrics->load().maxPercent());
    }
    if (const std::uint64_t r = rig_.overload->recoveries(); r != seenRecoveries_) {
      seenRecoveries_ = r;
      meter_.clear();
      std::fprintf(stderr, "mvm-live: overload over: load under %.0f%% for %d callbacks%s\n", oc.recoverPercent, oc.recoverBlocks,
                   oc.mode == OverloadMode::StealVoices ? "; voice limit lifted" : "");
    }
    if (const std::uint64_t m = rig_.overload->mutes(); m != seenMutes_) {
      seenMutes_ = m;
      meter_.clear();
      std::fprintf(stderr, "mvm-live: overload: still over budget (max %.1f%%) %d callbacks after stealing voices (%d sounding): "
                   "the patch is too heavy without its notes; muted until a new patch plays (a lighter one: edit it, or load one over OSC)\n",
                   rig_.metrics->load().maxPercent(), oc.fallbackBlocks, rig_.vm->counters().activeVoices.load(std::memory_order_relaxed));
    }
    if (const std::uint64_t u = rig_.overload->unmutes(); u != seenUnmutes_) {
      seenUnmutes_ = u;
      meter_.clear();
      std::fprintf(stderr, "mvm-live: overload over: a new patch plays (generation %llu); unmuted, voice limit lifted\n",
                   static_cast<unsigned long long>(rig_.vm->counters().generation.load(std::memory_order_relaxed)));
    }
  }

  // Once a second: memory, and whatever the observer samples. `last`: the part of a second before
  // the end, so the samples cover the whole run.
  void sampleSecond(std::uint64_t nowNs, bool last = false) {
    if (nowNs < nextSampleNs_ && !last) return;
    nextSampleNs_ += 1000000000ull;
    if (!last && !faultsAfterFirstSecond_) faultsAfterFirstSecond_ = threadPageFaults(rig_.metrics->audioThreadId());
    const auto rss = residentBytes();
    if (rss) memory_.add(*rss);
    if (observer_) observer_->secondPassed(*this, nowNs, rss);
  }

  void drawMeter(Clock::time_point now) {
    if (!meter_.on() || now < nextMeter_) return;
    nextMeter_ = now + std::chrono::milliseconds(100);
    meter_.show(meterLine(reading(true)));
  }

  // Short ticks while a change settles or a reload is on its way, so it is reported promptly.
  void sleepTick() const {
    auto tick = std::chrono::nanoseconds(std::chrono::milliseconds(watcher_->settling() || !reloads_.empty() ? 2 : 10));
    if (limitNs_) { // wake up on time for --seconds
      const std::uint64_t played = steadyNowNs() - rig_.metrics->firstCallbackNs();
      if (played < limitNs_) tick = std::min(tick, std::chrono::nanoseconds(limitNs_ - played));
    }
    std::this_thread::sleep_for(tick);
  }

  // Stops the stream and the inputs. The totals and the last sample are read together while the
  // stream plays: closing frees the client's threads (RSS), and its last callback (which can read
  // as an xrun of ours or a long callback) belongs to no second of the run.
  RunTotals stop(int& exitCode) {
    RunTotals totals;
    const std::uint64_t endNs = steadyNowNs();
    const CallbackMetrics& metrics = *rig_.metrics;
    sampleSecond(endNs, true);
    if (const WorkerPool* pool = workerPool()) {
      totals.threadLoads = ThreadLoads(metrics, pool, rig_.stream->rate).take();
      for (int t = 0; t < pool->threads(); ++t) totals.threadTasks.push_back(pool->tasksRun(t));
      const std::vector<std::uint64_t> wakes = pool->wakeHistogram();
      totals.wakeP50Us = static_cast<double>(WorkerPool::wakeQuantileNs(wakes, 0.5)) * 1e-3;
      totals.wakeP99Us = static_cast<double>(WorkerPool::wakeQuantileNs(wakes, 0.99)) * 1e-3;
    }
    totals.callbacks = metrics.callbacks();
    totals.xruns = metrics.xruns();
    totals.xrunsOurs = metrics.xrunsOurs();
    totals.xrunsSystem = metrics.xrunsSystem();
    totals.loadP50 = metrics.load().percentile(0.5);
    totals.loadP99 = metrics.load().percentile(0.99);
    totals.loadMax = metrics.load().maxPercent();
    totals.peak = metrics.peak();
    totals.overloads = rig_.overload->engagements();
    totals.overloadMutes = rig_.overload->mutes();
    if (const auto locked = lockedBytes()) totals.lockedMb = bytesToMb(*locked);
    if (const auto jack = residentBytesOf("/dev/shm/jack"); jack && *jack > 0) totals.jackSharedMb = bytesToMb(*jack);
    if (const auto faults = threadPageFaults(rig_.metrics->audioThreadId()); faults && faultsAfterFirstSecond_)
      totals.audioThreadPageFaults = static_cast<std::int64_t>(*faults - *faultsAfterFirstSecond_);
    totals.serverXruns = serverXrunCount();
    rig_.stop();
    serverXruns_.reset();
    rig_.finishRecording(exitCode);
    totals.playedSeconds = static_cast<double>(endNs - rig_.metrics->firstCallbackNs()) * 1e-9;
#ifdef MVM_LIVE_RT_PROBE
    const mvm::test::RtCounts rt = mvm::test::rtCounts();
    totals.audioThreadAllocations = static_cast<std::int64_t>(rt.allocations + rt.deallocations);
#endif
    return totals;
  }

  // stdout: the summary line (kUsageText's "The summary"), MIDI and OSC if on, what was lost.
  void printSummary(RunTotals& totals) {
    const std::uint64_t swaps = rig_.vm->counters().swaps.load(std::memory_order_relaxed);
    char jackShared[64] = "";
    if (totals.jackSharedMb >= 0) std::snprintf(jackShared, sizeof jackShared, ", JACK's shared memory %.1f MB of it", totals.jackSharedMb);
    std::string extra;
    if (totals.audioThreadPageFaults >= 0) extra += ", audio-thread page faults " + std::to_string(totals.audioThreadPageFaults);
    if (totals.serverXruns >= 0) extra += ", server's xruns " + std::to_string(totals.serverXruns);
    if (totals.overloadMutes > 0) extra += ", muted by the overload fallback " + std::to_string(totals.overloadMutes) + " times";
#ifdef MVM_LIVE_RT_PROBE
    const mvm::test::RtCounts rt = mvm::test::rtCounts();
    extra += ", audio-thread allocations " + std::to_string(totals.audioThreadAllocations) + ", locks " + std::to_string(rt.locks) +
             ", blocking calls " + std::to_string(rt.blockingCalls);
#endif
    std::printf("mvm-live: %.2f s, %llu callbacks (%.1f expected), xruns %llu (ours %llu, system's %llu), "
                "load p50 %.1f%% p99 %.1f%% max %.1f%%, swaps %llu, failed reloads %llu, peak %s dBFS, overloads %llu, "
                "RSS %.1f MB (growth %+.2f MB)%s, locked %.1f MB%s\n",
                totals.playedSeconds, static_cast<unsigned long long>(totals.callbacks), totals.playedSeconds * rig_.stream->rate / rig_.stream->frames,
                static_cast<unsigned long long>(totals.xruns), static_cast<unsigned long long>(totals.xrunsOurs),
                static_cast<unsigned long long>(totals.xrunsSystem), totals.loadP50, totals.loadP99, totals.loadMax,
                static_cast<unsigned long long>(swaps > 0 ? swaps - 1 : 0), static_cast<unsigned long long>(failedReloads_),
                cli::linearDbText(totals.peak, 1).c_str(), static_cast<unsigned long long>(totals.overloads),
                bytesToMb(memory_.latest()), memory_.growthMb(), jackShared, totals.lockedMb, extra.c_str());
    if (!totals.threadLoads.empty()) {
      std::string tasks;
      for (std::uint64_t n : totals.threadTasks) tasks += (tasks.empty() ? "" : " ") + std::to_string(n);
      std::printf("mvm-live: threads %zu: mean load %s (the audio thread's callbacks, then each worker's tasks), tasks run %s, "
                  "worker wake-up p50 %.0f us p99 %.0f us\n",
                  totals.threadLoads.size(), threadLoadsText(totals.threadLoads).c_str(), tasks.c_str(), totals.wakeP50Us, totals.wakeP99Us);
    }
    if (rig_.control.midiIn || rig_.control.oscServer)
      std::printf("mvm-live: control: %s, late events %llu\n", rig_.control.summary().c_str(),
                  static_cast<unsigned long long>(rig_.vm->counters().lateEvents.load(std::memory_order_relaxed)));
    totals.dropped = rig_.drops();
    std::printf("mvm-live: %s\n", totals.dropped.line().c_str());
  }

  LiveRig rig_; // first: destroyed last, after everything of the loop that uses it
  const LiveOptions& o_;
  SessionObserver* observer_ = nullptr;
  MemorySampler memory_;
  std::unique_ptr<JackXrunCounter> serverXruns_;
  MeterDisplay meter_{false};
  std::optional<FileWatch> watcher_;
  std::optional<ThreadLoads> meterLoads_; // the meter line's window
  std::vector<Reload> reloads_;
  std::uint64_t failedReloads_ = 0;
  bool quit_ = false;
  CommandTable commands_;
  // The control loop's clocks.
  Clock::time_point nextWatchPoll_, nextMeter_, lastProgress_;
  std::uint64_t lastCallbacks_ = 0, limitNs_ = 0, nextSampleNs_ = 0, nextSwapNs_ = 0;
  std::size_t swapIndex_ = 0;
  std::optional<std::uint64_t> faultsAfterFirstSecond_; // the audio thread's, at the first sample
  std::uint64_t seenEngagements_ = 0, seenRecoveries_ = 0, seenMutes_ = 0, seenUnmutes_ = 0;
};

} // namespace mvm::live
