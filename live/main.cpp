// mvm-live: plays a patch through RtAudio (JACK, ALSA or PulseAudio). The audio callback runs the
// VM for exactly the frames asked (no ring buffer); patches load through the PatchManager (compiled
// off the audio thread, swapped in with a crossfade); the callback measures itself (callbacks,
// xruns — ours or the system's —, load against the buffer's time budget) without locks or allocation.
// The control thread (this main loop) reads the console on stdin, draws the meter, reports
// overloads and swaps, samples memory, and in --soak mode swaps on a schedule and writes a report.

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
#include <filesystem>
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
#include "console.h"
#include "file_watch.h"
#include "live_commands.h"
#include "memory_sampler.h"
#include "meter.h"
#include "mvm/control/session_recorder.h"
#include "mvm/mvm.h"
#include "overload_policy.h"
#include "soak_report.h"
#include "jack_xruns.h"
#include "live_osc_target.h"
#include "midi_input.h"
#include "midi_learn_command.h"
#include "osc_server.h"
#include "patch_dirs.h"
#include "live_drops.h"
#ifdef MVM_LIVE_RT_PROBE
#include "rt_probe.h" // the test build: counts allocations made inside the audio callback
#endif

namespace po = boost::program_options;
using namespace mvm;
using mvm::live::AudioState;
using mvm::live::audioCallback;
using mvm::live::CallbackMetrics;
using mvm::live::FileWatch;

namespace {

// kFileOrAudioError: a file named on the command line cannot be used (missing, not a regular
// file, over its cap), like mvm-render's 3, or the audio API or device failed.
enum Exit { kOk = 0, kBadPatch = 1, kUsage = 2, kFileOrAudioError = 3, kSoakFailed = 4, kInternalError = 5 };
constexpr Exit kAudioError = kFileOrAudioError;

volatile std::sig_atomic_t gStop = 0;
extern "C" void onStopSignal(int) { gStop = 1; }

const char* kUsageText = R"(Usage: mvm-live PATCH.json [options]
       mvm-live --list-devices [--api jack|alsa|pulse]
       mvm-live --list-midi [--midi-api jack|alsa]

Plays a Madrona VM patch live through RtAudio until Ctrl-C, `quit` (or for --seconds), and ends
with a one-line summary: time, callbacks, xruns (ours / the system's), callback load, swaps, memory.
Commands on stdin (type `help`): load PATH, set MODULE.PARAM VALUE, note on KEY [VEL], note off KEY,
rollback, status, quit, learn MODULE.PARAM (MIDI learn). When stdout is a terminal, a meter line shows level, load, xruns, voices, swaps.

Soak: mvm-live PATCH --soak SECONDS [--swap-every S --swap-patches a.json,b.json] --report soak.json
plays unattended, swaps on the schedule, writes soak.json and soak.html, and exits 4 when a
threshold (--max-xruns-ours, --max-xruns-system-per-min, --max-rss-growth-mb, --max-swap-ms) is passed.
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

// A reload (watch, console, soak schedule) waiting for its outcome.
struct Reload {
  SwapHandle handle;
  std::string what;
};

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1) out.push_back(s.substr(start, comma - start));
  out.push_back(s.substr(start));
  return out;
}

// The meter line, rewritten in place with \r; cleared before any other line is printed.
class MeterDisplay {
public:
  explicit MeterDisplay(bool on) : on_(on) {}
  bool on() const { return on_; }
  void show(const std::string& line) {
    if (!on_) return;
    std::fputs(("\r" + line + "\033[K").c_str(), stdout);
    std::fflush(stdout);
    shown_ = true;
  }
  void clear() {
    if (!shown_) return;
    std::fputs("\r\033[K", stdout);
    std::fflush(stdout);
    shown_ = false;
  }

private:
  bool on_, shown_ = false;
};

} // namespace

static int run(int argc, char** argv) {

  po::options_description visible("Options");
  std::string apiName, curveName = "equal-power";
  unsigned device = 0, rate = 0, buffer = 256;
  double seconds = 0, crossfadeMs = 20.0;
  int priority = 70, oscPort = 0;
  std::string midiPort, midiApiName, oscHost = "127.0.0.1";
  std::string overloadName = "steal-voices", swapPatchList, reportPath;
  int overloadVoices = 4;
  double soakSeconds = 0, swapEvery = 0;
  mvm::live::SoakThresholds thresholds;
  std::uint64_t maxXrunsOurs = 0;
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
      ("record", po::value<std::string>(), "SESSION_DIR: record the session (patches, events, output) for mvm-render --replay (docs/session-format.md)")
      ("seconds,s", po::value(&seconds), "play for S seconds, then stop cleanly (default: until Ctrl-C)")
      ("priority", po::value(&priority)->default_value(70), "real-time priority asked for the audio thread (1..99; JACK sets its own)")
      ("midi-in", po::value(&midiPort), "MIDI source to play from: its number or part of its name (--list-midi), or 'virtual' (a port midi_in that others connect to)")
      ("midi-api", po::value(&midiApiName), "jack | alsa (default: jack when the audio goes through JACK, else alsa)")
      ("list-midi", "list the MIDI sources of --midi-api (default jack) and exit")
      ("osc-port", po::value(&oscPort), "UDP port for OSC control (docs/midi-osc.md)")
      ("osc-host", po::value(&oscHost)->default_value("127.0.0.1"), "address the OSC port binds to (0.0.0.0: every interface; anyone who reaches it controls the runner)")
      ("patch-dir", po::value<std::vector<std::string>>(), "a directory OSC peers may load patches from (repeatable; default: the directory of PATCH.json)")
      ("no-meter", "no meter line, even when stdout is a terminal")
      ("overload", po::value(&overloadName)->default_value("steal-voices"),
       "when callbacks run over budget several in a row: steal-voices (release the oldest notes down to --overload-voices) | none (only report)")
      ("overload-voices", po::value(&overloadVoices)->default_value(4), "voice limit while overloaded (steal-voices)")
      ("soak", po::value(&soakSeconds), "soak test: play unattended for S seconds, then write --report and judge the thresholds")
      ("swap-every", po::value(&swapEvery), "soak: swap patches every S seconds (needs --swap-patches)")
      ("swap-patches", po::value(&swapPatchList), "soak: comma-separated patches loaded in turn by --swap-every")
      ("report", po::value(&reportPath), "soak: the JSON report to write (the HTML plot goes next to it, .html)")
      ("max-xruns-ours", po::value(&maxXrunsOurs)->default_value(0), "soak threshold: xruns of ours (our callback over budget)")
      ("max-xruns-system-per-min", po::value(&thresholds.maxXrunsSystemPerMinute)->default_value(120.0),
       "soak threshold: the system's xruns per minute (the machine's own stalls)")
      ("max-rss-growth-mb", po::value(&thresholds.maxRssGrowthMb)->default_value(16.0), "soak threshold: RSS growth, MB (last sample minus the first once every swap patch has played)")
      ("max-swap-ms", po::value(&thresholds.maxSwapMs)->default_value(250.0), "soak threshold: every swap's request → fade done, ms");
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
                 "load p50 P% p99 Q% max R%, swaps S, failed reloads F, peak D dBFS, overloads O, RSS M MB (growth G MB).\n"
                 "Exit status: 0 ok (also after Ctrl-C, SIGTERM or quit), 1 bad patch, 2 usage, 3 file error (a patch that is\n"
                 "missing, not a regular file or over 16 MiB) or audio API or device error, 4 soak thresholds passed (see the\n"
                 "report), 5 internal error (out of memory, a bug).\n";
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
  if (vm.count("midi-api") && !mvm::live::midiApiByName(midiApiName)) {
    std::cerr << "mvm-live: --midi-api " << midiApiName << ": expected jack or alsa\n";
    return kUsage;
  }
  if (vm.count("list-midi")) {
    std::printf("MIDI sources (--midi-api %s):\n%s", midiApiName.empty() ? "jack" : midiApiName.c_str(),
                mvm::live::listMidiPorts(*mvm::live::midiApiByName(midiApiName.empty() ? "jack" : midiApiName)).c_str());
    return kOk;
  }
  if (vm.count("osc-port") && (oscPort < 1 || oscPort > 65535)) {
    std::cerr << "mvm-live: --osc-port " << oscPort << ": expected 1..65535\n";
    return kUsage;
  }

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
  const std::string recordDir = vm.count("record") ? vm["record"].as<std::string>() : "";
  if (vm.count("record")) { // a directory we cannot write is reported before any audio device is touched
    std::error_code ec;
    std::filesystem::create_directories(recordDir, ec);
    if (ec || ::access(recordDir.c_str(), W_OK) != 0) {
      std::cerr << "mvm-live: --record " << recordDir << ": cannot create or write the directory" << (ec ? ": " + ec.message() : "") << "\n";
      return kUsage;
    }
  }
  mvm::live::OverloadMode overloadMode;
  if (!mvm::live::parseOverloadMode(overloadName, overloadMode)) {
    std::cerr << "mvm-live: --overload " << overloadName << ": expected steal-voices or none\n";
    return kUsage;
  }
  if (overloadVoices < 0 || overloadVoices > kMaxChannels) {
    std::cerr << "mvm-live: --overload-voices " << overloadVoices << ": expected 0.." << kMaxChannels << "\n";
    return kUsage;
  }
  const bool soak = vm.count("soak") > 0;
  std::vector<std::string> swapPatches;
  std::vector<std::string> patchDirList;
  if (vm.count("patch-dir")) patchDirList = vm["patch-dir"].as<std::vector<std::string>>();
  if (soak) {
    if (!(soakSeconds > 0 && soakSeconds <= 31.0 * 86400)) {
      std::cerr << "mvm-live: --soak " << soakSeconds << ": expected a positive length in seconds (at most 31 days)\n";
      return kUsage;
    }
    if (vm.count("seconds")) {
      std::cerr << "mvm-live: --soak and --seconds both give the length; give one\n";
      return kUsage;
    }
    if (reportPath.empty()) {
      std::cerr << "mvm-live: --soak needs --report FILE.json\n";
      return kUsage;
    }
    seconds = soakSeconds;
  } else if (vm.count("swap-every") || vm.count("swap-patches") || vm.count("report")) {
    std::cerr << "mvm-live: --swap-every, --swap-patches and --report belong to --soak\n";
    return kUsage;
  }
  if (vm.count("swap-every") != vm.count("swap-patches")) {
    std::cerr << "mvm-live: --swap-every and --swap-patches go together\n";
    return kUsage;
  }
  if (vm.count("swap-every") && !(swapEvery >= 0.05 && swapEvery <= soakSeconds)) {
    std::cerr << "mvm-live: --swap-every " << swapEvery << ": expected 0.05 s up to the soak's length\n";
    return kUsage;
  }
  if (vm.count("swap-patches")) {
    swapPatches = splitList(swapPatchList);
    for (const std::string& p : swapPatches)
      if (p.empty()) {
        std::cerr << "mvm-live: --swap-patches " << swapPatchList << ": an empty name\n";
        return kUsage;
      }
  }
  thresholds.maxXrunsOurs = maxXrunsOurs;
  if (!(thresholds.maxXrunsSystemPerMinute >= 0) || !(thresholds.maxRssGrowthMb >= 0) || !(thresholds.maxSwapMs > 0)) {
    std::cerr << "mvm-live: the soak thresholds must be positive\n";
    return kUsage;
  }

  // A bad patch is reported before any audio device is touched; a file that cannot be used at all
  // (missing, a directory, FIFO or device, over the cap) is a file error, as in mvm-render.
  try {
    CompileOptions co;
    co.sampleRate = vm.count("rate") ? rate : 48000;
    std::vector<std::string> all{patchPath};
    all.insert(all.end(), swapPatches.begin(), swapPatches.end());
    for (const std::string& p : all)
      Compiler().compile(PatchParser().parseFromJson(readRegularFile(p, limits::kMaxPatchBytes, "patch"), p), co);
  } catch (const FileError& e) {
    std::cerr << "mvm-live: " << mvm::live::printablePath(e.path()) << ": " << e.cause() << "\n";
    return kFileOrAudioError;
  } catch (const std::bad_alloc&) {
    std::cerr << "mvm-live: " << mvm::live::printablePath(patchPath) << ": out of memory while compiling\n";
    return kBadPatch;
  } catch (const std::exception& e) {
    std::cerr << "mvm-live: " << e.what() << "\n";
    return kBadPatch;
  }
  // Where OSC peers may load patches from (docs/midi-osc.md#trust-model).
  if (patchDirList.empty()) {
    const std::filesystem::path parent = std::filesystem::path(patchPath).parent_path();
    patchDirList.push_back(parent.empty() ? "." : parent.string());
  }
  std::unique_ptr<mvm::live::PatchDirs> patchDirs;
  try {
    patchDirs = std::make_unique<mvm::live::PatchDirs>(patchDirList);
  } catch (const FileError& e) {
    std::cerr << "mvm-live: --patch-dir " << mvm::live::printablePath(e.path()) << ": " << e.cause() << "\n";
    return kUsage;
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
  mvm::live::OverloadConfig oc;
  oc.mode = overloadMode;
  oc.voices = overloadVoices;
  oc.recoverBlocks = static_cast<int>(std::ceil(static_cast<double>(stream->rate) / stream->frames)); // about a second
  mvm::live::OverloadPolicy overload(oc);
  state.vm = &machine;
  state.metrics = &metrics;
  state.overload = &overload;
  mvm::live::AudioClock audioClock(stream->rate);
  state.audioClock = &audioClock;
  CompileOptions co;
  co.sampleRate = stream->rate;
  co.numOutputs = stream->channels;
  // The recorder attaches before the first block and before the manager compiles anything (it
  // then keeps every patch for the session); declared first, it outlives the compile thread.
  std::unique_ptr<SessionRecorder> recorder;
  if (!recordDir.empty()) {
    try {
      recorder = std::make_unique<SessionRecorder>(recordDir, machine);
    } catch (const std::exception& e) {
      std::cerr << "mvm-live: --record: " << e.what() << "\n";
      return kUsage;
    }
  }
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
  for (const std::string& d : first.diagnostics()) std::cerr << "mvm-live: note: " << d << "\n";

  // External control: MIDI and OSC threads stamp arrivals against the audio clock and post events.
  std::unique_ptr<mvm::live::MidiInput> midiIn;
  std::unique_ptr<mvm::live::LiveOscTarget> oscTarget;
  std::unique_ptr<OscDispatcher> oscDispatcher;
  std::unique_ptr<mvm::live::OscServer> oscServer;
  if (vm.count("midi-in")) {
    const RtMidi::Api midiApi = *mvm::live::midiApiByName(
        !midiApiName.empty() ? midiApiName : stream->api->api == RtAudio::UNIX_JACK ? "jack" : "alsa");
    midiIn = std::make_unique<mvm::live::MidiInput>(machine, audioClock, stream->rate, [&manager]() -> std::optional<MidiMap> {
      const auto patch = manager->currentPatch();
      return patch ? std::optional<MidiMap>(patch->midi) : std::nullopt;
    });
    if (const std::string why = midiIn->open(midiApi, midiPort); !why.empty()) {
      std::cerr << "mvm-live: --midi-in " << midiPort << ": " << why << "\n";
      closeStream();
      return kAudioError;
    }
    midiIn->start();
    std::printf("mvm-live: MIDI in: %s (%s), latency %llu frames\n", midiIn->portName().c_str(), midiApi == RtMidi::UNIX_JACK ? "JACK" : "ALSA",
                static_cast<unsigned long long>(mvm::live::AudioClock::latencyFrames(stream->frames)));
  }
  mvm::live::StdinLines console;
  mvm::live::OscEventQuota oscQuota;
  // Everything lost so far to a full queue or a limit; read by the summary, status, /mvm/status, the soak report.
  std::atomic<std::uint64_t> consoleDropped{0};
  auto drops = [&] {
    mvm::live::LiveDrops d;
    d.eventsRejected = machine.counters().rejectedEvents.load(std::memory_order_relaxed);
    d.eventsDropped = machine.counters().droppedEvents.load(std::memory_order_relaxed);
    if (oscServer) {
      d.oscKernel = oscServer->counters().kernelDropped.load(std::memory_order_relaxed);
      d.oscHorizon = oscServer->counters().beyondHorizon.load(std::memory_order_relaxed);
    }
    d.oscQuota = oscQuota.refused();
    if (midiIn) d.midi = midiIn->counters().dropped.load(std::memory_order_relaxed);
    d.console = consoleDropped.load(std::memory_order_relaxed);
    return d;
  };
  if (vm.count("osc-port")) {
    oscTarget = std::make_unique<mvm::live::LiveOscTarget>(
        machine, *manager, metrics, *patchDirs, oscQuota, [&drops] { return drops().total(); },
        [](const std::string& line) { std::fprintf(stderr, "mvm-live: %s\n", line.c_str()); });
    oscDispatcher = std::make_unique<OscDispatcher>(*oscTarget, stream->rate);
    oscServer = std::make_unique<mvm::live::OscServer>(*oscDispatcher, audioClock, &oscQuota,
                                                        [t = oscTarget.get()](const std::string& sender) { t->setSender(sender); });
    if (const std::string why = oscServer->open(oscHost, oscPort); !why.empty()) {
      std::cerr << "mvm-live: --osc-port " << oscPort << ": " << why << "\n";
      closeStream();
      return kAudioError;
    }
    oscServer->start();
    std::printf("mvm-live: OSC on udp %s:%d\n", oscHost.c_str(), oscPort);
    if (!oscServer->loopbackOnly())
      std::fprintf(stderr, "mvm-live: warning: OSC is bound to %s, not a loopback address: anyone on the network who reaches "
                           "udp port %d can play, change parameters and load patches from the allowed directories\n",
                   oscHost.c_str(), oscPort);
  }
  auto stopControl = [&] { // before the PatchManager goes: the OSC thread uses it
    if (midiIn) midiIn->stop();
    if (oscServer) oscServer->stop();
  };

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
  for (const auto swapWait = Clock::now(); !gStop && Clock::now() - swapWait < std::chrono::seconds(2);)
    if (first.waitFor(SwapState::Swapped, std::chrono::milliseconds(10)) >= SwapState::Swapped) break;
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

  // Everything the control loop keeps about the run.
  using mvm::live::SoakReport;
  SoakReport report;
  report.patch = patchPath;
  report.api = stream->api->name;
  report.device = stream->deviceName;
  report.swapPatches = swapPatches;
  report.plannedSeconds = soakSeconds;
  report.swapEverySeconds = swapEvery;
  report.rate = stream->rate;
  report.frames = stream->frames;
  report.thresholds = thresholds;
  mvm::live::MemorySampler memory;
  auto toMb = [](std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); };
  auto sinceFirstCallback = [&](std::uint64_t ns) { return ns > metrics.firstCallbackNs() ? static_cast<double>(ns - metrics.firstCallbackNs()) * 1e-9 : 0.0; };
  std::unique_ptr<mvm::live::JackXrunCounter> serverXruns;
#ifdef MVM_LIVE_HAVE_JACK
  if (stream->api->api == RtAudio::UNIX_JACK) {
    quietAudioLibraries(true);
    serverXruns = std::make_unique<mvm::live::JackXrunCounter>();
    quietAudioLibraries(false);
    if (!serverXruns->ok()) serverXruns.reset();
  }
#endif
  auto serverXrunCount = [&]() -> std::int64_t { return serverXruns ? static_cast<std::int64_t>(serverXruns->count()) : -1; };

  MeterDisplay meter(!soak && !vm.count("no-meter") && ::isatty(STDOUT_FILENO) == 1);
  auto reading = [&](bool recent) {
    mvm::live::MeterReading m;
    m.peak = recent ? metrics.takeRecentPeak() : metrics.peak();
    m.loadPercent = recent ? metrics.takeRecentMaxLoad() : metrics.load().percentile(0.99);
    m.xrunsOurs = metrics.xrunsOurs();
    m.xrunsSystem = metrics.xrunsSystem();
    m.voices = machine.counters().activeVoices.load(std::memory_order_relaxed);
    m.voiceLimit = machine.voiceLimit();
    const std::uint64_t swaps = machine.counters().swaps.load(std::memory_order_relaxed);
    m.swaps = swaps > 0 ? swaps - 1 : 0;
    return m;
  };

  // The control loop: console, meter, file watch, soak schedule, reload and overload reports,
  // memory; stops on a signal, `quit`, --seconds/--soak, or when the stream stops calling back.
  FileWatch watcher(patchPath);
  std::vector<Reload> reloads;
  std::uint64_t failedReloads = 0;
  bool quit = false;

  mvm::live::CommandTable commands;
  {
    mvm::live::LiveCommandContext ctx;
    ctx.vm = &machine;
    ctx.manager = manager.get();
    ctx.track = [&](SwapHandle h, const std::string& what) { reloads.push_back({std::move(h), what}); };
    ctx.status = [&] {
      std::string s = "playing generation " + std::to_string(machine.counters().generation.load(std::memory_order_relaxed)) + ": " +
                      mvm::live::meterLine(reading(false)) + " (peak and p99 load of the whole run)";
      for (const MeterLevel& m : manager->meterLevels()) {
        char line[160];
        std::snprintf(line, sizeof line, "; meter %s: peak %.3f, rms %.3f, held %.3f", m.id.c_str(), static_cast<double>(m.reading.peak),
                      static_cast<double>(m.reading.rms), static_cast<double>(m.reading.peakHold));
        s += line;
      }
      return s + "; " + drops().line();
    };
    mvm::live::addLiveCommands(commands, std::move(ctx));
    mvm::live::addMidiLearnCommand(commands, midiIn.get(), manager.get());
  }

  auto nextWatchPoll = Clock::now();
  auto nextMeter = Clock::now();
  std::uint64_t lastCallbacks = metrics.callbacks();
  auto lastProgress = Clock::now();
  const std::uint64_t limitNs = seconds > 0 ? static_cast<std::uint64_t>(seconds * 1e9) : 0;
  std::uint64_t nextSampleNs = metrics.firstCallbackNs() + 1000000000ull;
  std::uint64_t nextSwapNs = swapEvery > 0 ? metrics.firstCallbackNs() + static_cast<std::uint64_t>(swapEvery * 1e9) : 0;
  std::size_t swapIndex = 0;
  auto window = std::make_unique<mvm::live::LoadHistogram::Counts>(), previous = std::make_unique<mvm::live::LoadHistogram::Counts>();
  metrics.load().snapshot(*previous);
  std::uint64_t previousCallbacks = metrics.callbacks();
  std::uint64_t seenEngagements = 0, seenRecoveries = 0;
  std::optional<std::pair<double, double>> rssBaseline; // (t, MB): see SoakReport::rssBaselineMb
  for (;;) { // memory is sampled from the first second on: growth is measured from a warmed-up start
    if (gStop || quit) break;
    const auto now = Clock::now();
    const std::uint64_t nowNs = steadyNowNs();
    if (limitNs && nowNs - metrics.firstCallbackNs() >= limitNs) break;

    const std::uint64_t cb = metrics.callbacks();
    if (cb != lastCallbacks) {
      lastCallbacks = cb;
      lastProgress = now;
    } else if (now - lastProgress > std::chrono::seconds(2)) {
      meter.clear();
      std::cerr << "mvm-live: error: the " << stream->api->label << " stream stopped calling back (2 s without a callback; did the server go away?)\n";
      exitCode = kAudioError;
      break;
    }

    const std::vector<std::string> lines = console.poll();
    consoleDropped.store(console.dropped(), std::memory_order_relaxed);
    for (const std::string& line : lines) {
      const mvm::live::ConsoleReply reply = commands.execute(line);
      meter.clear();
      if (!reply.ok) std::fprintf(stderr, "mvm-live: console: error: %s\n", reply.text.c_str());
      else if (!reply.text.empty()) std::printf("mvm-live: %s\n", reply.text.c_str());
      quit = quit || reply.quit;
    }
    if (midiIn)
      if (const std::string learned = midiIn->takeLearnReport(); !learned.empty()) {
        meter.clear();
        std::printf("mvm-live: %s\n", learned.c_str());
      }

    if (watch && (now >= nextWatchPoll || watcher.settling())) {
      nextWatchPoll = now + std::chrono::milliseconds(50);
      switch (watcher.poll(now)) {
      case FileWatch::Event::Changed: reloads.push_back({manager->loadPatch(patchPath), patchPath}); break;
      case FileWatch::Event::Missing:
        meter.clear();
        std::fprintf(stderr, "mvm-live: warning: %s is gone; waiting for it to come back\n", patchPath.c_str());
        break;
      case FileWatch::Event::None: break;
      }
    }

    if (nextSwapNs && nowNs >= nextSwapNs && !swapPatches.empty()) {
      const std::string& next = swapPatches[swapIndex++ % swapPatches.size()];
      reloads.push_back({manager->loadPatch(next), next});
      nextSwapNs += static_cast<std::uint64_t>(swapEvery * 1e9);
    }

    // A reload is reported when it is final: for a swap, once its fade is done.
    for (auto it = reloads.begin(); it != reloads.end();) {
      const SwapState s = it->handle.state();
      if (!SwapHandle::isFinal(s)) {
        ++it;
        continue;
      }
      meter.clear();
      const SwapTimes t = it->handle.times();
      for (const std::string& d : it->handle.diagnostics()) std::fprintf(stderr, "mvm-live: note: %s\n", d.c_str());
      mvm::live::SwapRecord record;
      record.t = sinceFirstCallback(t.requestNs);
      record.patch = it->what;
      if (s == SwapState::Faded) {
        record.generation = it->handle.generation();
        record.compileMs = t.compileMs();
        record.firstBlockMs = t.audibleMs();
        record.fadeDoneMs = t.fadedMs();
        report.swaps.push_back(record);
        std::printf("mvm-live: swapped to generation %llu (compiled in %.1f ms, first block %.1f ms, fade done %.1f ms after the request)\n",
                    static_cast<unsigned long long>(record.generation), record.compileMs, record.firstBlockMs, record.fadeDoneMs);
      } else if (s == SwapState::Failed) {
        ++failedReloads;
        record.ok = false;
        record.error = it->handle.error();
        report.swaps.push_back(record);
        std::fprintf(stderr, "mvm-live: error: %s (still playing generation %llu)\n", record.error.c_str(),
                     static_cast<unsigned long long>(machine.counters().generation.load(std::memory_order_relaxed)));
      } else if (s == SwapState::Unchanged) {
        std::printf("mvm-live: unchanged: %s compiles to the program already playing\n", it->what.c_str());
      }
      it = reloads.erase(it);
    }

    // Overload: the audio callback engaged or lifted the policy; say so once each time.
    if (const std::uint64_t e = overload.engagements(); e != seenEngagements) {
      seenEngagements = e;
      meter.clear();
      if (oc.mode == mvm::live::OverloadMode::StealVoices)
        std::fprintf(stderr, "mvm-live: overload: %d callbacks in a row over budget (max %.1f%%): stealing the oldest voices down to %d\n",
                     oc.overBlocks, metrics.load().maxPercent(), oc.voices);
      else
        std::fprintf(stderr, "mvm-live: overload: %d callbacks in a row over budget (max %.1f%%); policy none: nothing changed\n",
                     oc.overBlocks, metrics.load().maxPercent());
    }
    if (const std::uint64_t r = overload.recoveries(); r != seenRecoveries) {
      seenRecoveries = r;
      meter.clear();
      std::fprintf(stderr, "mvm-live: overload over: load under %.0f%% for %d callbacks%s\n", oc.recoverPercent, oc.recoverBlocks,
                   oc.mode == mvm::live::OverloadMode::StealVoices ? "; voice limit lifted" : "");
    }

    // Once a second: memory, and for a soak one sample of everything.
    if (nowNs >= nextSampleNs) {
      nextSampleNs += 1000000000ull;
      const auto rss = mvm::live::residentBytes();
      if (rss) memory.add(*rss);
      if (soak) {
        metrics.load().snapshot(*window);
        for (std::size_t i = 0; i < window->size(); ++i) {
          const std::uint64_t total = (*window)[i];
          (*window)[i] -= (*previous)[i];
          (*previous)[i] = total;
        }
        mvm::live::SoakSample sample;
        sample.t = sinceFirstCallback(nowNs);
        sample.rssMb = rss ? toMb(*rss) : 0.0;
        const double overflow = metrics.load().maxPercent();
        sample.loadP50 = mvm::live::LoadHistogram::percentileOf(*window, 0.5, overflow);
        sample.loadP99 = mvm::live::LoadHistogram::percentileOf(*window, 0.99, overflow);
        sample.loadMax = mvm::live::LoadHistogram::percentileOf(*window, 1.0, overflow);
        const std::uint64_t callbacksNow = metrics.callbacks();
        sample.callbacks = callbacksNow - previousCallbacks;
        previousCallbacks = callbacksNow;
        sample.xrunsOurs = metrics.xrunsOurs();
        sample.xrunsSystem = metrics.xrunsSystem();
        sample.serverXruns = serverXrunCount();
        sample.voices = machine.counters().activeVoices.load(std::memory_order_relaxed);
        report.samples.push_back(sample);
        if (!rssBaseline && report.swaps.size() >= swapPatches.size()) rssBaseline = {{sample.t, sample.rssMb}};
      }
    }

    if (meter.on() && now >= nextMeter) {
      nextMeter = now + std::chrono::milliseconds(100);
      meter.show(mvm::live::meterLine(reading(true)));
    }

    // Short ticks while a change settles or a reload is on its way, so it is reported promptly.
    auto tick = std::chrono::nanoseconds(std::chrono::milliseconds(watcher.settling() || !reloads.empty() ? 2 : 10));
    if (limitNs) { // wake up on time for --seconds
      const std::uint64_t played = steadyNowNs() - metrics.firstCallbackNs();
      if (played < limitNs) tick = std::min(tick, std::chrono::nanoseconds(limitNs - played));
    }
    std::this_thread::sleep_for(tick);
  }
  meter.clear();

  // Stop, then summarise. Time and callbacks are read together, before the stream stops.
  const std::uint64_t endNs = steadyNowNs();
  const std::uint64_t callbacks = metrics.callbacks();
  const std::int64_t serverXrunsTotal = serverXrunCount();
  if (const auto rss = mvm::live::residentBytes()) memory.add(*rss); // while playing: closing frees the client's threads
  closeStream();
  stopControl();
  serverXruns.reset();
  if (recorder) { // the audio thread has stopped: the recording can be closed
    try {
      const SessionSummary r = recorder->finish();
      std::printf("mvm-live: recorded %s: %llu frames (%.2f s), %llu patches, %llu swaps, %llu events, %s\n", recordDir.c_str(),
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
  const double playedSeconds = static_cast<double>(endNs - metrics.firstCallbackNs()) * 1e-9;
  const auto& load = metrics.load();
  const std::uint64_t swaps = machine.counters().swaps.load(std::memory_order_relaxed);
  std::string extra;
  if (serverXrunsTotal >= 0) extra += ", server's xruns " + std::to_string(serverXrunsTotal);
#ifdef MVM_LIVE_RT_PROBE
  const mvm::test::RtCounts rt = mvm::test::rtCounts();
  const std::uint64_t rtAllocations = rt.allocations + rt.deallocations;
  extra += ", audio-thread allocations " + std::to_string(rtAllocations) + ", locks " + std::to_string(rt.locks) +
           ", blocking calls " + std::to_string(rt.blockingCalls);
#endif
  std::printf("mvm-live: %.2f s, %llu callbacks (%.1f expected), xruns %llu (ours %llu, system's %llu), "
              "load p50 %.1f%% p99 %.1f%% max %.1f%%, swaps %llu, failed reloads %llu, peak %s dBFS, overloads %llu, "
              "RSS %.1f MB (growth %+.2f MB)%s\n",
              playedSeconds, static_cast<unsigned long long>(callbacks), playedSeconds * stream->rate / stream->frames,
              static_cast<unsigned long long>(metrics.xruns()), static_cast<unsigned long long>(metrics.xrunsOurs()),
              static_cast<unsigned long long>(metrics.xrunsSystem()), load.percentile(0.5), load.percentile(0.99), load.maxPercent(),
              static_cast<unsigned long long>(swaps > 0 ? swaps - 1 : 0), static_cast<unsigned long long>(failedReloads),
              dbString(metrics.peak()).c_str(), static_cast<unsigned long long>(overload.engagements()), toMb(memory.latest()),
              memory.growthMb(), extra.c_str());
  if (midiIn || oscServer) {
    std::string control;
    if (midiIn)
      control += "MIDI " + std::to_string(midiIn->counters().received.load()) + " messages -> " + std::to_string(midiIn->counters().events.load()) +
                 " events (" + std::to_string(midiIn->counters().rejected.load() + midiIn->counters().dropped.load()) + " lost)";
    if (oscServer) {
      const OscCounters& c = oscDispatcher->counters();
      control += std::string(control.empty() ? "" : ", ") + "OSC " + std::to_string(oscServer->counters().packets.load()) + " packets, " +
                 std::to_string(c.received.load()) + " messages (" + std::to_string(c.handled.load()) + " handled, " +
                 std::to_string(c.malformed.load()) + " malformed, " + std::to_string(c.unknown.load()) + " unknown, " +
                 std::to_string(oscServer->counters().badPackets.load()) + " bad packets, " + std::to_string(oscServer->counters().scheduled.load()) +
                 " scheduled)";
    }
    std::printf("mvm-live: control: %s, late events %llu\n", control.c_str(),
                static_cast<unsigned long long>(machine.counters().lateEvents.load(std::memory_order_relaxed)));
  }
  const mvm::live::LiveDrops dropped = drops();
  std::printf("mvm-live: %s\n", dropped.line().c_str());

  if (soak) {
    report.playedSeconds = playedSeconds;
    report.callbacks = callbacks;
    report.xrunsOurs = metrics.xrunsOurs();
    report.xrunsSystem = metrics.xrunsSystem();
    report.serverXruns = serverXrunsTotal;
    report.overloads = overload.engagements();
    report.loadP50 = load.percentile(0.5);
    report.loadP99 = load.percentile(0.99);
    report.loadMax = load.maxPercent();
    report.rssFirstMb = toMb(memory.first());
    report.rssLastMb = toMb(memory.latest());
    report.rssMaxMb = toMb(memory.max());
    report.rssBaselineT = rssBaseline ? rssBaseline->first : (report.samples.empty() ? 0.0 : report.samples.front().t);
    report.rssBaselineMb = rssBaseline ? rssBaseline->second : report.rssFirstMb; // too short to warm up
    report.dropped = dropped;
#ifdef MVM_LIVE_RT_PROBE
    report.audioThreadAllocations = static_cast<std::int64_t>(rtAllocations);
#endif
    std::string why;
    if (!mvm::live::writeSoakReport(report, reportPath, why)) {
      std::fprintf(stderr, "mvm-live: soak report: %s\n", why.c_str());
      manager.reset();
      return exitCode == kOk ? kAudioError : exitCode;
    }
    const auto failures = mvm::live::soakFailures(report);
    std::printf("mvm-live: soak report %s and %s: %s\n", reportPath.c_str(), mvm::live::htmlPathFor(reportPath).c_str(),
                failures.empty() ? "PASS (within every threshold)" : "FAIL");
    for (const std::string& f : failures) std::fprintf(stderr, "mvm-live: soak: threshold passed: %s\n", f.c_str());
    if (exitCode == kOk && !failures.empty()) exitCode = kSoakFailed;
  }
  if (manager->compiling()) {
    // A compile cannot be interrupted and nothing is left to save: leave now instead of after it.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(exitCode);
  }
  manager.reset(); // before the VM: its thread destroys retired programs
  return exitCode;
}

// No exception leaves main: each becomes one line and an exit status (kUsageText's list).
int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // one line at a time, also into a pipe
  try {
    return run(argc, argv);
  } catch (const FileError& e) {
    std::fprintf(stderr, "mvm-live: %s: %s\n", mvm::live::printablePath(e.path()).c_str(), e.cause().c_str());
    return kFileOrAudioError;
  } catch (const PatchError& e) {
    std::fprintf(stderr, "mvm-live: %s\n", mvm::live::printablePath(e.what(), 400).c_str());
    return kBadPatch;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "mvm-live: out of memory\n");
    return kInternalError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mvm-live: internal error: %s\n", mvm::live::printablePath(e.what(), 400).c_str());
    return kInternalError;
  } catch (...) {
    std::fprintf(stderr, "mvm-live: internal error: an unknown exception\n");
    return kInternalError;
  }
}
