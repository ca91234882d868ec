// mvm-live: plays a patch through RtAudio (JACK, ALSA or PulseAudio). The audio callback runs the
// VM for exactly the frames asked (no ring buffer); patches load through the PatchManager (compiled
// off the audio thread, swapped in with a crossfade); the callback measures itself (callbacks,
// xruns — ours or the system's —, load against the buffer's time budget) without locks or allocation.

#include <RtAudio.h>
#include <boost/program_options.hpp>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#ifdef MVM_LIVE_HAVE_JACK
#include <jack/jack.h>
#endif
#ifdef MVM_LIVE_HAVE_ALSA
#include <alsa/asoundlib.h>
#endif

#include "audio_callback.h"
#include "callback_metrics.h"
#include "file_watch.h"
#include "mvm/mvm.h"

namespace po = boost::program_options;
using namespace mvm;
using mvm::live::AudioState;
using mvm::live::audioCallback;
using mvm::live::CallbackMetrics;
using mvm::live::FileWatch;

namespace {

enum Exit { kOk = 0, kBadPatch = 1, kUsage = 2, kAudioError = 3 };

volatile std::sig_atomic_t gStop = 0;
extern "C" void onStopSignal(int) { gStop = 1; }

const char* kUsageText = R"(Usage: mvm-live PATCH.json [options]
       mvm-live --list-devices [--api jack|alsa|pulse]

Plays a Madrona VM patch live through RtAudio until Ctrl-C (or for --seconds), and ends with a
one-line summary: time, callbacks, xruns (ours / the system's), callback load, swaps.
)";

// ---------------------------------------------------------------------------------------------
// Audio APIs

struct ApiName {
  RtAudio::Api api;
  const char* name;
  const char* label;
};
constexpr ApiName kApis[] = {
    {RtAudio::UNIX_JACK, "jack", "JACK"},
    {RtAudio::LINUX_ALSA, "alsa", "ALSA"},
    {RtAudio::LINUX_PULSE, "pulse", "PulseAudio"},
};

bool compiled(RtAudio::Api api) {
  std::vector<RtAudio::Api> apis;
  RtAudio::getCompiledApi(apis);
  for (RtAudio::Api a : apis)
    if (a == api) return true;
  return false;
}

#ifdef MVM_LIVE_HAVE_JACK
extern "C" void jackQuiet(const char*) {}
extern "C" void jackError(const char* msg) { std::fprintf(stderr, "mvm-live: jack: %s\n", msg); }
#endif
#ifdef MVM_LIVE_HAVE_ALSA
extern "C" void alsaQuiet(const char*, int, const char*, int, const char*, ...) {}
#endif

// While probing, the JACK and ALSA libraries would print several lines per missing server or
// card; the runner says in one line what it could not open instead.
void quietAudioLibraries(bool quiet) {
#ifdef MVM_LIVE_HAVE_JACK
  jack_set_error_function(quiet ? jackQuiet : jackError);
  jack_set_info_function(jackQuiet);
#endif
#ifdef MVM_LIVE_HAVE_ALSA
  snd_lib_error_set_handler(quiet ? alsaQuiet : nullptr);
#endif
  (void)quiet;
}

constexpr int kJackAttempts = 3;
constexpr auto kJackRetryDelay = std::chrono::milliseconds(250);

static_assert(mvm::live::kOutputUnderflow == RTAUDIO_OUTPUT_UNDERFLOW);

// ---------------------------------------------------------------------------------------------
// Opening a stream

struct StreamRequest {
  std::optional<unsigned> device, rate;
  unsigned frames = 256;
  int priority = 70;
};

struct OpenStream {
  std::unique_ptr<RtAudio> audio;
  const ApiName* api = nullptr;
  unsigned device = 0;
  std::string deviceName;
  unsigned rate = 0, frames = 0;
  int channels = 0;
};

// control thread: opens (does not start) an output stream on `api`; nullopt and `why` when it cannot.
std::optional<OpenStream> tryOpen(const ApiName& api, const StreamRequest& req, AudioState& state, std::string& why) {
  if (!compiled(api.api)) {
    why = "not compiled into this RtAudio";
    return std::nullopt;
  }
  try {
    OpenStream o;
    o.audio = std::make_unique<RtAudio>(api.api);
    o.audio->showWarnings(false);
    const unsigned n = o.audio->getDeviceCount();
    if (n == 0) {
      why = api.api == RtAudio::UNIX_JACK ? "no server running" : "no devices";
      return std::nullopt;
    }
    o.device = req.device ? *req.device : o.audio->getDefaultOutputDevice();
    if (o.device >= n) {
      why = "no device " + std::to_string(o.device) + " (there " + (n == 1 ? "is 1" : "are " + std::to_string(n)) + "; see --list-devices)";
      return std::nullopt;
    }
    const RtAudio::DeviceInfo info = o.audio->getDeviceInfo(o.device);
    o.deviceName = info.name;
    if (!info.probed || info.outputChannels == 0) {
      why = "device " + std::to_string(o.device) + " '" + info.name + "' has no outputs";
      return std::nullopt;
    }
    o.rate = req.rate ? *req.rate : (info.preferredSampleRate ? info.preferredSampleRate : 48000);
    o.channels = static_cast<int>(std::min(2u, info.outputChannels));
    o.frames = req.frames;
    RtAudio::StreamParameters out;
    out.deviceId = o.device;
    out.nChannels = static_cast<unsigned>(o.channels);
    RtAudio::StreamOptions options;
    options.flags = RTAUDIO_NONINTERLEAVED | RTAUDIO_SCHEDULE_REALTIME;
    options.priority = req.priority;
    options.streamName = "mvm-live";
    state.channels = o.channels;
    o.audio->openStream(&out, nullptr, RTAUDIO_FLOAT32, o.rate, &o.frames, &audioCallback, &state, &options);
    if (!o.audio->isStreamOpen()) {
      why = "the stream did not open";
      return std::nullopt;
    }
    o.api = &api;
    return o;
  } catch (const RtAudioError& e) {
    why = e.getMessage();
  } catch (const std::exception& e) {
    why = e.what();
  }
  while (!why.empty() && (why.back() == '\n' || why.back() == '.')) why.pop_back();
  return std::nullopt;
}

int listDevices(const std::vector<const ApiName*>& apis) {
  quietAudioLibraries(true);
  for (const ApiName* api : apis) {
    std::printf("%s (--api %s):", api->label, api->name);
    if (!compiled(api->api)) {
      std::printf(" not compiled into this RtAudio\n");
      continue;
    }
    try {
      RtAudio audio(api->api);
      audio.showWarnings(false);
      unsigned n = audio.getDeviceCount();
      for (int a = 1; n == 0 && api->api == RtAudio::UNIX_JACK && a < kJackAttempts; ++a) { // see main()
        std::this_thread::sleep_for(kJackRetryDelay);
        n = audio.getDeviceCount();
      }
      if (n == 0) std::printf(" %s\n", api->api == RtAudio::UNIX_JACK ? "no server running" : "no devices");
      else std::printf("\n");
      for (unsigned d = 0; d < n; ++d) {
        const RtAudio::DeviceInfo info = audio.getDeviceInfo(d);
        if (!info.probed) {
          std::printf("  %u: %s (could not be probed)\n", d, info.name.c_str());
          continue;
        }
        std::string rates;
        for (unsigned r : info.sampleRates) rates += (rates.empty() ? "" : " ") + std::to_string(r);
        std::printf("  %u: %s — %u out, %u in, rates %s%s%s\n", d, info.name.c_str(), info.outputChannels, info.inputChannels,
                    rates.empty() ? "?" : rates.c_str(),
                    info.preferredSampleRate ? (", preferred " + std::to_string(info.preferredSampleRate)).c_str() : "",
                    info.isDefaultOutput ? " (default output)" : "");
      }
    } catch (const RtAudioError& e) {
      std::printf("  error: %s\n", e.getMessage().c_str());
    }
  }
  return kOk;
}

// ---------------------------------------------------------------------------------------------
// Reporting

std::string dbString(float peak) {
  if (!(peak > 0.0f)) return "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", 20.0 * std::log10(static_cast<double>(peak)));
  return buf;
}

const char* policyName(int policy) {
  switch (policy) {
  case SCHED_FIFO: return "SCHED_FIFO";
  case SCHED_RR: return "SCHED_RR";
  case SCHED_OTHER: return "SCHED_OTHER";
#ifdef SCHED_BATCH
  case SCHED_BATCH: return "SCHED_BATCH";
#endif
#ifdef SCHED_IDLE
  case SCHED_IDLE: return "SCHED_IDLE";
#endif
  }
  return "unknown";
}

// A reload waiting for its outcome.
struct Reload {
  SwapHandle handle;
  std::uint64_t startNs;
};

} // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // one line at a time, also into a pipe

  po::options_description visible("Options");
  std::string apiName, curveName = "equal-power";
  unsigned device = 0, rate = 0, buffer = 256;
  double seconds = 0, crossfadeMs = 20.0;
  int priority = 70;
  visible.add_options()
      ("help,h", "show this help")
      ("api", po::value(&apiName), "jack | alsa | pulse (default: the first of these that opens)")
      ("list-devices", "list the devices of each API (or of --api) and exit")
      ("device", po::value(&device), "device index from --list-devices (needs --api; default: the API's default output)")
      ("rate,r", po::value(&rate), "sample rate in Hz (default: the device's preferred rate; JACK: the server's)")
      ("buffer,b", po::value(&buffer)->default_value(256), "buffer size in frames (JACK uses the server's period)")
      ("crossfade-ms", po::value(&crossfadeMs)->default_value(20.0), "crossfade length of swaps; 0 = hard switch")
      ("crossfade-curve", po::value(&curveName)->default_value("equal-power"), "equal-power | linear")
      ("watch,w", "reload the patch whenever its file changes (polled every 50 ms)")
      ("seconds,s", po::value(&seconds), "play for S seconds, then stop cleanly (default: until Ctrl-C)")
      ("priority", po::value(&priority)->default_value(70), "real-time priority asked for the audio thread (1..99; JACK sets its own)");
  po::options_description hidden;
  hidden.add_options()("patch", po::value<std::string>(), "patch");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("patch", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "mvm-live: " << e.what() << "\n" << kUsageText << "Try 'mvm-live --help'.\n";
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << kUsageText << "\n" << visible
              << "\nThe summary: mvm-live: SECONDS s, N callbacks (M expected), xruns X (ours A, system's B),\n"
                 "load p50 P% p99 Q% max R%, swaps S, failed reloads F, peak D dBFS.\n"
                 "Exit status: 0 ok (also after Ctrl-C), 1 bad patch, 2 usage, 3 audio API or device error.\n";
    return kOk;
  }

  std::vector<const ApiName*> apis;
  if (vm.count("api")) {
    for (const ApiName& a : kApis)
      if (apiName == a.name) apis.push_back(&a);
    if (apis.empty()) {
      std::cerr << "mvm-live: --api " << apiName << ": expected jack, alsa or pulse\n";
      return kUsage;
    }
  } else {
    for (const ApiName& a : kApis) apis.push_back(&a);
  }
  if (vm.count("list-devices")) return listDevices(apis);

  if (!vm.count("patch")) {
    std::cerr << "mvm-live: no patch given\n" << kUsageText << "Try 'mvm-live --help'.\n";
    return kUsage;
  }
  const std::string patchPath = vm["patch"].as<std::string>();
  if (vm.count("device") && !vm.count("api")) {
    std::cerr << "mvm-live: --device needs --api (device numbers belong to one API; see --list-devices)\n";
    return kUsage;
  }
  if (vm.count("rate") && !(rate >= limits::kMinSampleRate && rate <= limits::kMaxSampleRate)) {
    std::cerr << "mvm-live: --rate " << rate << ": expected a whole number of Hz within [8000, 384000]\n";
    return kUsage;
  }
  if (buffer < 16 || buffer > 8192) {
    std::cerr << "mvm-live: --buffer " << buffer << ": expected 16..8192 frames\n";
    return kUsage;
  }
  if (vm.count("seconds") && !(seconds > 0 && seconds <= 31.0 * 86400)) {
    std::cerr << "mvm-live: --seconds " << seconds << ": expected a positive length (at most 31 days)\n";
    return kUsage;
  }
  if (!(crossfadeMs >= 0 && crossfadeMs <= 60000)) {
    std::cerr << "mvm-live: --crossfade-ms " << crossfadeMs << ": expected 0..60000\n";
    return kUsage;
  }
  FadeCurve curve;
  if (!parseFadeCurve(curveName, curve)) {
    std::cerr << "mvm-live: --crossfade-curve " << curveName << ": expected equal-power or linear\n";
    return kUsage;
  }
  if (priority < 1 || priority > 99) {
    std::cerr << "mvm-live: --priority " << priority << ": expected 1..99\n";
    return kUsage;
  }
  const bool watch = vm.count("watch") > 0;

  // A bad patch is reported before any audio device is touched.
  try {
    CompileOptions co;
    co.sampleRate = vm.count("rate") ? rate : 48000;
    Compiler().compile(PatchParser().parseFromFile(patchPath), co);
  } catch (const std::exception& e) {
    std::cerr << "mvm-live: " << e.what() << "\n";
    return kBadPatch;
  }

  // Real-time hygiene: locked memory (no page faults on the audio thread); the audio thread's
  // priority is asked of RtAudio and checked in the first callback.
  std::string rtNotes;
  if (::mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
    std::cerr << "mvm-live: warning: mlockall failed (" << std::strerror(errno)
              << "): memory is not locked and may be paged out (run as root or raise the memlock limit)\n";
  else
    rtNotes = "memory locked";

  // Open the first API that works.
  AudioState state;
  StreamRequest req;
  if (vm.count("device")) req.device = device;
  if (vm.count("rate")) req.rate = rate;
  req.frames = buffer;
  req.priority = priority;
  std::optional<OpenStream> stream;
  std::string failures;
  quietAudioLibraries(true);
  for (const ApiName* api : apis) {
    std::string why;
    // A JACK client sometimes fails to open while another JACK server on the machine starts or
    // stops (seen with private servers in parallel tests); a retry a moment later works.
    const int attempts = api->api == RtAudio::UNIX_JACK ? kJackAttempts : 1;
    for (int a = 0; a < attempts && !stream; ++a) {
      if (a > 0) std::this_thread::sleep_for(kJackRetryDelay);
      stream = tryOpen(*api, req, state, why);
    }
    if (stream) break;
    failures += std::string(failures.empty() ? "" : "; ") + api->name + ": " + why;
  }
  quietAudioLibraries(false);
  if (!stream) {
    std::cerr << "mvm-live: cannot open an audio output (" << failures << ")\n";
    return kAudioError;
  }

  // The engine, at the stream's rate.
  VMConfig vc;
  vc.sampleRate = stream->rate;
  vc.numOutputs = stream->channels;
  VM machine(vc);
  machine.setCrossfade(crossfadeMs, curve);
  CallbackMetrics metrics(stream->rate);
  state.vm = &machine;
  state.metrics = &metrics;
  CompileOptions co;
  co.sampleRate = stream->rate;
  co.numOutputs = stream->channels;
  auto manager = std::make_unique<PatchManager>(machine, co);

  auto closeStream = [&] {
    try {
      if (stream->audio->isStreamRunning()) {
#if defined(__SANITIZE_THREAD__)
        stream->audio->abortStream(); // RtAudio 5.2's JACK stopStream hangs under TSan
#else
        stream->audio->stopStream();
#endif
      }
      if (stream->audio->isStreamOpen()) stream->audio->closeStream();
    } catch (const RtAudioError& e) {
      std::cerr << "mvm-live: warning: closing the stream: " << e.getMessage() << "\n";
    }
  };

  // The first patch goes through the PatchManager like every other; it is swapped in at the
  // first block the audio thread computes.
  SwapHandle first = manager->loadPatch(patchPath);
  if (first.waitFor(SwapState::Scheduled) == SwapState::Failed) {
    std::cerr << "mvm-live: " << first.error() << "\n";
    closeStream();
    return kBadPatch;
  }

  std::signal(SIGINT, onStopSignal);
  std::signal(SIGTERM, onStopSignal);
  std::signal(SIGHUP, onStopSignal);
  try {
    stream->audio->startStream();
  } catch (const RtAudioError& e) {
    std::cerr << "mvm-live: cannot start the " << stream->api->label << " stream: " << e.getMessage() << "\n";
    closeStream();
    return kAudioError;
  }

  const auto budgetMs = 1000.0 * stream->frames / stream->rate;
  int exitCode = kOk;
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  while (metrics.callbacks() == 0 && !gStop && Clock::now() - started < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (metrics.callbacks() == 0) {
    closeStream();
    if (gStop) return kOk; // stopped before it began
    std::cerr << "mvm-live: the " << stream->api->label << " stream started but never called back (5 s)\n";
    return kAudioError;
  }
  first.waitFor(SwapState::Swapped, std::chrono::seconds(2));
  std::printf("mvm-live: playing %s (generation %llu) through %s '%s': %u Hz, %u frames (%.2f ms budget), %d channel%s, crossfade %g ms%s\n",
              patchPath.c_str(), static_cast<unsigned long long>(first.generation()), stream->api->label,
              stream->deviceName.c_str(), stream->rate, stream->frames, budgetMs, stream->channels, stream->channels == 1 ? "" : "s",
              crossfadeMs, watch ? ", watching the file" : "");
  if (stream->frames != buffer)
    std::printf("mvm-live: note: the buffer is %u frames (asked %u; %s decides)\n", stream->frames, buffer,
                stream->api->api == RtAudio::UNIX_JACK ? "the JACK server" : "the device");
  {
    const int policy = metrics.schedPolicy();
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
      std::printf("mvm-live: real time: %s%saudio thread %s priority %d\n", rtNotes.c_str(), rtNotes.empty() ? "" : ", ",
                  policyName(policy), metrics.schedPriority());
    } else {
      std::cerr << "mvm-live: warning: the audio thread is not real-time (" << policyName(policy)
                << "): expect xruns under load (run as root, or give the user rtprio in limits.conf)\n";
    }
  }

  // The control loop: watch the file, report reloads, stop on a signal, on --seconds, or when the
  // stream stops calling back.
  FileWatch watcher(patchPath);
  std::vector<Reload> reloads;
  std::uint64_t failedReloads = 0;
  auto nextWatchPoll = Clock::now();
  std::uint64_t lastCallbacks = metrics.callbacks();
  auto lastProgress = Clock::now();
  const std::uint64_t limitNs = vm.count("seconds") ? static_cast<std::uint64_t>(seconds * 1e9) : 0;
  for (;;) {
    if (gStop) break;
    const auto now = Clock::now();
    if (limitNs && steadyNowNs() - metrics.firstCallbackNs() >= limitNs) break;

    const std::uint64_t cb = metrics.callbacks();
    if (cb != lastCallbacks) {
      lastCallbacks = cb;
      lastProgress = now;
    } else if (now - lastProgress > std::chrono::seconds(2)) {
      std::cerr << "mvm-live: error: the " << stream->api->label << " stream stopped calling back (2 s without a callback; did the server go away?)\n";
      exitCode = kAudioError;
      break;
    }

    if (watch && (now >= nextWatchPoll || watcher.settling())) {
      nextWatchPoll = now + std::chrono::milliseconds(50);
      switch (watcher.poll(now)) {
      case FileWatch::Event::Changed: reloads.push_back({manager->loadPatch(patchPath), steadyNowNs()}); break;
      case FileWatch::Event::Missing: std::fprintf(stderr, "mvm-live: warning: %s is gone; waiting for it to come back\n", patchPath.c_str()); break;
      case FileWatch::Event::None: break;
      }
    }

    for (auto it = reloads.begin(); it != reloads.end();) {
      const SwapState s = it->handle.state();
      if (s == SwapState::Swapped || s == SwapState::Faded) {
        const SwapTimes t = it->handle.times();
        std::printf("mvm-live: swapped to generation %llu (compiled in %.1f ms, playing %.1f ms after the change was seen)\n",
                    static_cast<unsigned long long>(it->handle.generation()), t.compileMs(), t.audibleMs());
      } else if (s == SwapState::Failed) {
        ++failedReloads;
        std::fprintf(stderr, "mvm-live: error: %s (still playing generation %llu)\n", it->handle.error().c_str(),
                     static_cast<unsigned long long>(machine.counters().generation.load(std::memory_order_relaxed)));
      } else if (s == SwapState::Unchanged) {
        std::printf("mvm-live: unchanged: %s compiles to the program already playing\n", patchPath.c_str());
      } else if (s != SwapState::Superseded) {
        ++it;
        continue;
      }
      it = reloads.erase(it);
    }
    // Short ticks while a change settles or a reload is on its way, so it is reported promptly.
    auto tick = std::chrono::nanoseconds(std::chrono::milliseconds(watcher.settling() || !reloads.empty() ? 2 : 10));
    if (limitNs) { // wake up on time for --seconds
      const std::uint64_t played = steadyNowNs() - metrics.firstCallbackNs();
      if (played < limitNs) tick = std::min(tick, std::chrono::nanoseconds(limitNs - played));
    }
    std::this_thread::sleep_for(tick);
  }

  // Stop, then summarise. Time and callbacks are read together, before the stream stops.
  const std::uint64_t endNs = steadyNowNs();
  const std::uint64_t callbacks = metrics.callbacks();
  closeStream();
  const double playedSeconds = static_cast<double>(endNs - metrics.firstCallbackNs()) * 1e-9;
  const auto& load = metrics.load();
  const std::uint64_t swaps = machine.counters().swaps.load(std::memory_order_relaxed);
  std::printf("mvm-live: %.2f s, %llu callbacks (%.1f expected), xruns %llu (ours %llu, system's %llu), "
              "load p50 %.1f%% p99 %.1f%% max %.1f%%, swaps %llu, failed reloads %llu, peak %s dBFS\n",
              playedSeconds, static_cast<unsigned long long>(callbacks), playedSeconds * stream->rate / stream->frames,
              static_cast<unsigned long long>(metrics.xruns()), static_cast<unsigned long long>(metrics.xrunsOurs()),
              static_cast<unsigned long long>(metrics.xrunsSystem()), load.percentile(0.5), load.percentile(0.99), load.maxPercent(),
              static_cast<unsigned long long>(swaps > 0 ? swaps - 1 : 0), static_cast<unsigned long long>(failedReloads),
              dbString(metrics.peak()).c_str());
  manager.reset(); // before the VM: its thread destroys retired programs
  return exitCode;
}
