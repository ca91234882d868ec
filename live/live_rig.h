#pragma once
// What a live session plays through, opened in order and held together: the patches checked, the
// audio stream, the engine at the stream's rate (VM, callback metrics, overload policy, audio
// clock), the session recorder, the PatchManager with the first patch, and the MIDI and OSC inputs.
// Fields are declared in the order they are made, so each is destroyed before what it uses.
//
// Thread contract: control thread.

#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio_clock.h"
#include "audio_stream.h"
#include "callback_metrics.h"
#include "live_control.h"
#include "live_exit.h"
#include "live_options.h"
#include "mvm/control/session_recorder.h"
#include "mvm/mvm.h"
#include "mvm/rt/thread_scheduling.h"
#include "overload_policy.h"
#include "patch_dirs.h"

namespace mvm::live {

inline volatile std::sig_atomic_t gStop = 0;
extern "C" inline void mvmLiveOnStopSignal(int) { gStop = 1; }

struct LiveRig {
  using Clock = std::chrono::steady_clock;

  explicit LiveRig(const LiveOptions& options) : o(options) {}
  LiveRig(const LiveRig&) = delete;
  LiveRig& operator=(const LiveRig&) = delete;

  // An exit status when the session does not get to play (or is stopped before it begins).
  std::optional<int> open() {
    if (const auto bad = checkPatches()) return bad;
    if (const auto bad = allowPatchDirs()) return bad;
    lockMemory();
    if (const auto failed = openStream()) return failed;
    wireEngine();
    if (const auto failed = startRecorder()) return failed;
    manager = std::make_unique<PatchManager>(*vm, compileOptions, builtinModules());
    if (const auto failed = loadFirstPatch()) return failed;
    if (const auto failed = openMidi()) return failed;
    if (const auto failed = openOsc()) return failed;
    return start();
  }

  LiveDrops drops() const { return control.drops(*vm); }

  // Stops the audio, then the inputs (before the PatchManager goes: the OSC thread uses it).
  void stop() {
    closeStream(*stream);
    control.stop();
  }

  // Once the audio thread has stopped: closes the recording and says what it holds; a recording
  // that cannot be closed turns a clean run into an audio error.
  void finishRecording(int& exitCode) {
    if (!recorder) return;
    try {
      const SessionSummary r = recorder->finish();
      std::printf("mvm-live: recorded %s: %llu frames (%.2f s), %llu patches, %llu swaps, %llu events, %s\n", o.recordDir.c_str(),
                  static_cast<unsigned long long>(r.frames), static_cast<double>(r.frames) / stream->rate,
                  static_cast<unsigned long long>(r.patches), static_cast<unsigned long long>(r.swaps),
                  static_cast<unsigned long long>(r.events), r.complete ? "complete" : "INCOMPLETE");
      if (!r.complete)
        std::fprintf(stderr, "mvm-live: warning: the recording is incomplete: %llu frames and %llu records dropped, %llu patches unknown\n",
                     static_cast<unsigned long long>(r.droppedFrames), static_cast<unsigned long long>(r.droppedRecords),
                     static_cast<unsigned long long>(r.unknownPatches));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mvm-live: --record: %s\n", e.what());
      if (exitCode == kOk) exitCode = kAudioError;
    }
  }

  const LiveOptions& o;
  std::unique_ptr<PatchDirs> patchDirs;
  std::string rtNotes; // what the real-time line says besides the audio thread's policy
  std::string helperScheduling; // ", 1 worker SCHED_FIFO priority P, MIDI thread ..." (scheduleHelperThreads)
  AudioState state;
  std::optional<OpenStream> stream;
  std::optional<VM> vm;
  std::optional<CallbackMetrics> metrics;
  OverloadConfig overloadConfig;
  std::optional<OverloadPolicy> overload;
  std::optional<AudioClock> audioClock;
  CompileOptions compileOptions;
  // The recorder attaches before the first block and before the manager compiles anything (it
  // then keeps every patch for the session); declared first, it outlives the compile thread.
  std::unique_ptr<SessionRecorder> recorder;
  std::unique_ptr<PatchManager> manager;
  SwapHandle first;
  LiveControl control;

private:
  // A bad patch is reported before any audio device is touched; a file that cannot be used at all
  // (missing, a directory, FIFO or device, over the cap) is a file error, as in mvm-render.
  std::optional<int> checkPatches() const {
    try {
      CompileOptions co;
      co.sampleRate = o.given("rate") ? o.rate : 48000;
      std::vector<std::string> all{o.patchPath};
      all.insert(all.end(), o.swapPatches.begin(), o.swapPatches.end());
      for (const std::string& p : all)
        Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(readRegularFile(p, limits::kMaxPatchBytes, "patch"), p), co);
    } catch (const FileError& e) {
      std::cerr << "mvm-live: " << printablePath(e.path()) << ": " << e.cause() << "\n";
      return kFileOrAudioError;
    } catch (const std::bad_alloc&) {
      std::cerr << "mvm-live: " << printablePath(o.patchPath) << ": out of memory while compiling\n";
      return kBadPatch;
    } catch (const std::exception& e) {
      std::cerr << "mvm-live: " << e.what() << "\n";
      return kBadPatch;
    }
    return std::nullopt;
  }

  // Where OSC peers may load patches from (docs/midi-osc.md#trust-model).
  std::optional<int> allowPatchDirs() {
    std::vector<std::string> dirs = o.patchDirs;
    if (dirs.empty()) {
      const std::filesystem::path parent = std::filesystem::path(o.patchPath).parent_path();
      dirs.push_back(parent.empty() ? "." : parent.string());
    }
    try {
      patchDirs = std::make_unique<PatchDirs>(dirs);
    } catch (const FileError& e) {
      std::cerr << "mvm-live: --patch-dir " << printablePath(e.path()) << ": " << e.cause() << "\n";
      return kUsage;
    }
    return std::nullopt;
  }

  // Real-time hygiene: no page faults on the audio thread, and no more memory than it touches.
  // Every page is locked as it is first touched (MCL_ONFAULT), not every mapping whole: locking
  // whole mappings made every thread's stack and the JACK client's shared memory resident (139 MB
  // for the demo patch, 336 MB locked). What the audio thread touches is touched before it plays:
  // programs and their arenas when they are compiled, the queues when they are made, its own stack
  // in the first callback (audio_callback.h). Threads made from here on (compile, OSC, MIDI) get
  // kThreadStackBytes of stack instead of 8 MiB. The audio thread's priority is asked of RtAudio and
  // checked in the first callback.
  void lockMemory() {
    pthread_attr_t attributes;
    if (::pthread_attr_init(&attributes) == 0) {
      ::pthread_attr_setstacksize(&attributes, kThreadStackBytes);
      ::pthread_setattr_default_np(&attributes);
      ::pthread_attr_destroy(&attributes);
    }
    bool locked = ::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0;
    if (!locked && errno == EINVAL) locked = ::mlockall(MCL_CURRENT | MCL_FUTURE) == 0; // a kernel before 4.4
    if (!locked)
      std::cerr << "mvm-live: warning: mlockall failed (" << std::strerror(errno)
                << "): memory is not locked and may be paged out (run as root or raise the memlock limit)\n";
    else
      rtNotes = "memory locked";
  }
  static constexpr std::size_t kThreadStackBytes = 1u << 20;

  std::optional<int> openStream() {
    StreamRequest req;
    if (o.given("device")) req.device = o.device;
    if (o.given("rate")) req.rate = o.rate;
    req.frames = o.buffer;
    req.priority = o.priority;
    std::string failures;
    stream = openFirstStream(o.apis, req, state, failures);
    if (!stream) {
      std::cerr << "mvm-live: cannot open an audio output (" << failures << ")\n";
      return kAudioError;
    }
    return std::nullopt;
  }

  // The engine, at the stream's rate, and what the audio callback reaches through state.
  void wireEngine() {
    VMConfig vc;
    vc.sampleRate = stream->rate;
    vc.numOutputs = stream->channels;
    vc.threads = o.threads;
    vm.emplace(vc);
    vm->setCrossfade(o.crossfadeMs, o.curve);
    metrics.emplace(stream->rate);
    overloadConfig.mode = o.overloadMode;
    overloadConfig.voices = o.overloadVoices;
    overloadConfig.recoverBlocks = static_cast<int>(std::ceil(static_cast<double>(stream->rate) / stream->frames)); // about a second
    overloadConfig.fallbackBlocks = overloadConfig.recoverBlocks; // a second for stolen voices to release
    overload.emplace(overloadConfig);
    state.vm = &*vm;
    state.metrics = &*metrics;
    state.overload = &*overload;
    audioClock.emplace(stream->rate);
    state.audioClock = &*audioClock;
    compileOptions.sampleRate = stream->rate;
    compileOptions.numOutputs = stream->channels;
    compileOptions.threads = o.threads;
  }

  std::optional<int> startRecorder() {
    if (o.recordDir.empty()) return std::nullopt;
    try {
      recorder = std::make_unique<SessionRecorder>(o.recordDir, *vm);
    } catch (const std::exception& e) {
      std::cerr << "mvm-live: --record: " << e.what() << "\n";
      return kUsage;
    }
    return std::nullopt;
  }

  // The first patch goes through the PatchManager like every other; it is swapped in at the
  // first block the audio thread computes.
  std::optional<int> loadFirstPatch() {
    first = manager->loadPatch(o.patchPath);
    if (first.waitFor(SwapState::Scheduled) == SwapState::Failed) {
      std::cerr << "mvm-live: " << first.error() << "\n";
      closeStream(*stream);
      return kBadPatch;
    }
    for (const std::string& d : first.diagnostics()) std::cerr << "mvm-live: note: " << d << "\n";
    return std::nullopt;
  }

  std::optional<int> openMidi() {
    if (!o.given("midi-in")) return std::nullopt;
    const RtMidi::Api midiApi =
        *midiApiByName(!o.midiApiName.empty() ? o.midiApiName : stream->api->api == RtAudio::UNIX_JACK ? "jack" : "alsa");
    control.midiIn = std::make_unique<MidiInput>(*vm, *audioClock, stream->rate, [this]() -> std::optional<MidiMap> {
      const auto patch = manager->currentPatch();
      return patch ? std::optional<MidiMap>(patch->midi) : std::nullopt;
    });
    const bool audioOnJack = stream->api->api == RtAudio::UNIX_JACK;
    if (const std::string why = control.midiIn->open(midiApi, o.midiPort, audioOnJack); !why.empty()) {
      std::cerr << "mvm-live: --midi-in " << o.midiPort << ": " << why << "\n";
      closeStream(*stream);
      return kAudioError;
    }
    control.midiIn->start();
#ifdef MVM_LIVE_HAVE_JACK
    if (void* client = control.midiIn->jackClient()) { // the stream has not started: the callback reads these from its first period
      state.jackClient = client;
      state.jackPeriodStart = &MidiInput::jackPeriodStart;
    }
#endif
    std::printf("mvm-live: MIDI in: %s (%s), latency %llu frames%s\n", control.midiIn->portName().c_str(),
                midiApi == RtMidi::UNIX_JACK ? "JACK" : "ALSA", static_cast<unsigned long long>(AudioClock::latencyFrames(stream->frames)),
                state.jackClient ? ", exact to the frame" : "");
    return std::nullopt;
  }

  std::optional<int> openOsc() {
    if (!o.given("osc-port")) return std::nullopt;
    control.oscTarget = std::make_unique<LiveOscTarget>(
        *vm, *manager, *metrics, *patchDirs, control.oscQuota, [this] { return drops().total(); },
        [](const std::string& line) { std::fprintf(stderr, "mvm-live: %s\n", line.c_str()); });
    control.oscDispatcher = std::make_unique<OscDispatcher>(*control.oscTarget, stream->rate);
    control.oscServer = std::make_unique<OscServer>(*control.oscDispatcher, *audioClock, &control.oscQuota,
                                                     [t = control.oscTarget.get()](const std::string& sender) { t->setSender(sender); });
    if (const std::string why = control.oscServer->open(o.oscHost, o.oscPort); !why.empty()) {
      std::cerr << "mvm-live: --osc-port " << o.oscPort << ": " << why << "\n";
      closeStream(*stream);
      return kAudioError;
    }
    control.oscServer->start();
    std::printf("mvm-live: OSC on udp %s:%d\n", o.oscHost.c_str(), o.oscPort);
    if (!control.oscServer->loopbackOnly())
      std::fprintf(stderr, "mvm-live: warning: OSC is bound to %s, not a loopback address: anyone on the network who reaches "
                           "udp port %d can play, change parameters and load patches from the allowed directories\n",
                   o.oscHost.c_str(), o.oscPort);
    return std::nullopt;
  }

  // Starts the stream and waits for its first callback and the first patch's swap.
  std::optional<int> start() {
    std::signal(SIGINT, mvmLiveOnStopSignal);
    std::signal(SIGTERM, mvmLiveOnStopSignal);
    std::signal(SIGHUP, mvmLiveOnStopSignal);
    try {
      stream->audio->startStream();
    } catch (const RtAudioError& e) {
      std::cerr << "mvm-live: cannot start the " << stream->api->label << " stream: " << e.getMessage() << "\n";
      closeStream(*stream);
      return kAudioError;
    }
    const auto started = Clock::now();
    while (metrics->callbacks() == 0 && !gStop && Clock::now() - started < std::chrono::seconds(5))
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (metrics->callbacks() == 0) {
      closeStream(*stream);
      if (gStop) return kOk; // stopped before it began
      std::cerr << "mvm-live: the " << stream->api->label << " stream started but never called back (5 s)\n";
      return kAudioError;
    }
    for (const auto swapWait = Clock::now(); !gStop && Clock::now() - swapWait < std::chrono::seconds(2);)
      if (first.waitFor(SwapState::Swapped, std::chrono::milliseconds(10)) >= SwapState::Swapped) break;
    scheduleHelperThreads();
    printPlaying();
    return std::nullopt;
  }

  // With a real-time audio thread, the threads it depends on get real-time scheduling too: the
  // workers (--threads N) its policy and priority, since they compute its block; the MIDI and OSC
  // threads the priority just below, since each arrival must reach the VM before the audio thread
  // computes its frame, one period later, however busy the machine's ordinary processes keep the
  // cores, and must never preempt the audio thread to do it.
  void scheduleHelperThreads() {
    const int policy = metrics->schedPolicy();
    if (policy != SCHED_FIFO && policy != SCHED_RR) return;
    const int priority = metrics->schedPriority();
    if (WorkerPool* pool = vm->workerPool()) {
      const int n = pool->threads() - 1;
      if (const int error = pool->setScheduling(policy, priority); error == 0)
        helperScheduling += ", " + std::to_string(n) + (n == 1 ? " worker " : " workers ") + policyName(policy) + " priority " + std::to_string(priority);
      else
        helperScheduling += ", workers at normal priority (" + std::string(std::strerror(error)) + ")";
    }
    const int below = priorityBelow(policy, priority);
    auto raise = [&](const char* name, auto& input) {
      if (!input) return;
      if (const int error = input->setScheduling(policy, below); error == 0)
        helperScheduling += std::string(", ") + name + " thread " + policyName(policy) + " priority " + std::to_string(below);
      else
        helperScheduling += std::string(", ") + name + " thread at normal priority (" + std::strerror(error) + ")";
    };
    raise("MIDI", control.midiIn);
    raise("OSC", control.oscServer);
  }

  void printPlaying() const {
    const auto budgetMs = 1000.0 * stream->frames / stream->rate;
    std::printf("mvm-live: playing %s (generation %llu) through %s '%s': %u Hz, %u frames (%.2f ms budget), %d channel%s, crossfade %g ms%s\n",
                o.patchPath.c_str(), static_cast<unsigned long long>(first.generation()), stream->api->label,
                stream->deviceName.c_str(), stream->rate, stream->frames, budgetMs, stream->channels, stream->channels == 1 ? "" : "s",
                o.crossfadeMs, o.watch ? ", watching the file" : "");
    if (stream->frames != o.buffer)
      std::printf("mvm-live: note: the buffer is %u frames (asked %u; %s decides)\n", stream->frames, o.buffer,
                  stream->api->api == RtAudio::UNIX_JACK ? "the JACK server" : "the device");
    const int policy = metrics->schedPolicy();
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
      std::printf("mvm-live: real time: %s%saudio thread %s priority %d%s\n", rtNotes.c_str(), rtNotes.empty() ? "" : ", ",
                  policyName(policy), metrics->schedPriority(), helperScheduling.c_str());
    } else {
      std::cerr << "mvm-live: warning: the audio thread is not real-time (" << policyName(policy)
                << "): expect xruns under load (run as root, or give the user rtprio in limits.conf)\n";
    }
  }
};

} // namespace mvm::live
