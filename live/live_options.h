#pragma once
// mvm-live's command line: the option table, and the checks that refuse a run before any file is
// read or any audio device is touched. A refusal is a cli::UsageError (exit 2); --help,
// --list-devices and --list-midi end the run here.

#include <boost/program_options.hpp>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "audio_stream.h"
#include "cli_checks.h"
#include "command_line.h"
#include "live_exit.h"
#include "midi_input.h"
#include "mvm/core/block.h"
#include "overload_policy.h"
#include "soak_report.h"

namespace mvm::live {

namespace po = boost::program_options;

inline const char* kUsageText = R"(Usage: mvm-live PATCH.json [options]
       mvm-live --list-devices [--api jack|alsa|pulse]
       mvm-live --list-midi [--midi-api jack|alsa]

Plays a Madrona VM patch live through RtAudio until Ctrl-C, `quit` (or for --seconds), and ends
with a one-line summary: time, callbacks, xruns (ours / the system's), callback load, swaps, memory
(and with --threads N a line of each thread's mean load).
Commands on stdin (type `help`): load PATH, set MODULE.PARAM VALUE, note on KEY [VEL], note off KEY,
rollback, status, quit, learn MODULE.PARAM (MIDI learn). When stdout is a terminal, a meter line shows level, load, xruns, voices, swaps
(and each thread's load).

Soak: mvm-live PATCH --soak SECONDS [--swap-every S --swap-patches a.json,b.json] --report soak.json
plays unattended, swaps on the schedule, writes soak.json and soak.html, and exits 4 when a
threshold (--max-xruns-ours, --max-xruns-system-per-min, --max-rss-growth-mb, --max-swap-ms) is passed.
)";

struct LiveOptions {
  po::variables_map args; // what was given, for options whose default means "not given"
  bool given(const char* name) const { return args.count(name) > 0; }

  // As typed (the option table writes these).
  std::string apiName, curveName = "equal-power";
  unsigned device = 0, rate = 0, buffer = 256;
  double seconds = 0, crossfadeMs = 20.0;
  int priority = 70, oscPort = 0, threads = 1;
  std::string midiPort, midiApiName, oscHost = "127.0.0.1";
  std::string overloadName = "steal-voices", swapPatchList, reportPath;
  int overloadVoices = 4;
  double soakSeconds = 0, swapEvery = 0;
  SoakThresholds thresholds;
  std::uint64_t maxXrunsOurs = 0;

  // Checked and derived.
  std::string patchPath;
  std::vector<const ApiName*> apis; // tried in this order
  FadeCurve curve = FadeCurve::EqualPower;
  bool watch = false, soak = false;
  std::string recordDir;
  OverloadMode overloadMode = OverloadMode::StealVoices;
  std::vector<std::string> swapPatches, patchDirs;
};

inline std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1) out.push_back(s.substr(start, comma - start));
  out.push_back(s.substr(start));
  return out;
}

inline void describeLiveOptions(po::options_description& visible, LiveOptions& o) {
  visible.add_options()
      ("help,h", "show this help")
      ("api", po::value(&o.apiName), "jack | alsa | pulse (default: the first of these that opens)")
      ("list-devices", "list the devices of each API (or of --api) and exit")
      ("device", po::value(&o.device), "device index from --list-devices (needs --api; default: the API's default output)")
      ("rate,r", po::value(&o.rate), "sample rate in Hz (default: the device's preferred rate; JACK: the server's)")
      ("buffer,b", po::value(&o.buffer)->default_value(256), "buffer size in frames (JACK uses the server's period)")
      ("threads", po::value(&o.threads)->default_value(1), "threads computing each block, the audio thread among them (1..64; the sound is the same; a small or serial patch stays on one)")
      ("crossfade-ms", po::value(&o.crossfadeMs)->default_value(20.0), "crossfade length of swaps; 0 = hard switch")
      ("crossfade-curve", po::value(&o.curveName)->default_value("equal-power"), "equal-power | linear")
      ("watch,w", "reload the patch whenever its file changes (polled every 50 ms)")
      ("record", po::value<std::string>(), "SESSION_DIR: record the session (patches, events, output) for mvm-render --replay (docs/session-format.md)")
      ("seconds,s", po::value(&o.seconds), "play for S seconds, then stop cleanly (default: until Ctrl-C)")
      ("priority", po::value(&o.priority)->default_value(70), "real-time priority asked for the audio thread (1..99; JACK sets its own)")
      ("midi-in", po::value(&o.midiPort), "MIDI source to play from: its number or part of its name (--list-midi), or 'virtual' (a port midi_in that others connect to)")
      ("midi-api", po::value(&o.midiApiName), "jack | alsa (default: jack when the audio goes through JACK, else alsa)")
      ("list-midi", "list the MIDI sources of --midi-api (default jack) and exit")
      ("osc-port", po::value(&o.oscPort), "UDP port for OSC control (docs/midi-osc.md)")
      ("osc-host", po::value(&o.oscHost)->default_value("127.0.0.1"), "address the OSC port binds to (0.0.0.0: every interface; anyone who reaches it controls the runner)")
      ("patch-dir", po::value<std::vector<std::string>>(), "a directory OSC peers may load patches from (repeatable; default: the directory of PATCH.json)")
      ("no-meter", "no meter line, even when stdout is a terminal")
      ("overload", po::value(&o.overloadName)->default_value("steal-voices"),
       "when callbacks run over budget several in a row: steal-voices (release the oldest notes down to --overload-voices) | none (only report)")
      ("overload-voices", po::value(&o.overloadVoices)->default_value(4), "voice limit while overloaded (steal-voices)")
      ("soak", po::value(&o.soakSeconds), "soak test: play unattended for S seconds, then write --report and judge the thresholds")
      ("swap-every", po::value(&o.swapEvery), "soak: swap patches every S seconds (needs --swap-patches)")
      ("swap-patches", po::value(&o.swapPatchList), "soak: comma-separated patches loaded in turn by --swap-every")
      ("report", po::value(&o.reportPath), "soak: the JSON report to write (the HTML plot goes next to it, .html)")
      ("max-xruns-ours", po::value(&o.maxXrunsOurs)->default_value(0), "soak threshold: xruns of ours (our callback over budget)")
      ("max-xruns-system-per-min", po::value(&o.thresholds.maxXrunsSystemPerMinute)->default_value(120.0),
       "soak threshold: the system's xruns per minute (the machine's own stalls)")
      ("max-rss-growth-mb", po::value(&o.thresholds.maxRssGrowthMb)->default_value(16.0), "soak threshold: RSS growth, MB (last sample minus the first once every swap patch has played)")
      ("max-swap-ms", po::value(&o.thresholds.maxSwapMs)->default_value(250.0), "soak threshold: every swap's request → first block of the new patch, ms (the crossfade is not counted)");
}

// The options of playing: device, stream, crossfade, recording, overload.
inline void checkPlayOptions(LiveOptions& o) {
  if (o.given("device") && !o.given("api")) throw cli::UsageError("--device needs --api (device numbers belong to one API; see --list-devices)");
  if (o.given("rate")) cli::requireSampleRate(o.rate);
  cli::requireRange("--buffer", o.buffer, 16u, 8192u, "frames");
  if (o.given("seconds") && !(o.seconds > 0 && o.seconds <= 31.0 * 86400))
    throw cli::UsageError("--seconds " + cli::numberText(o.seconds) + ": expected a positive length (at most 31 days)");
  cli::requireCrossfadeMs(o.crossfadeMs);
  o.curve = cli::parseCrossfadeCurve(o.curveName);
  cli::requireRange("--priority", o.priority, 1, 99);
  cli::requireRange("--threads", o.threads, 1, WorkerPool::kMaxThreads, "threads");
  o.watch = o.given("watch");
  o.recordDir = o.given("record") ? o.args["record"].as<std::string>() : "";
  if (o.given("record")) { // a directory we cannot write is reported before any audio device is touched
    std::error_code ec;
    std::filesystem::create_directories(o.recordDir, ec);
    if (ec || ::access(o.recordDir.c_str(), W_OK) != 0)
      throw cli::UsageError("--record " + o.recordDir + ": cannot create or write the directory" + (ec ? ": " + ec.message() : ""));
  }
  if (!parseOverloadMode(o.overloadName, o.overloadMode)) throw cli::UsageError("--overload " + o.overloadName + ": expected steal-voices or none");
  cli::requireRange("--overload-voices", o.overloadVoices, 0, kMaxChannels);
}

// --soak and what belongs to it: the swap schedule, the report and its thresholds.
inline void checkSoakOptions(LiveOptions& o) {
  o.soak = o.given("soak");
  if (o.given("patch-dir")) o.patchDirs = o.args["patch-dir"].as<std::vector<std::string>>();
  if (o.soak) {
    if (!(o.soakSeconds > 0 && o.soakSeconds <= 31.0 * 86400))
      throw cli::UsageError("--soak " + cli::numberText(o.soakSeconds) + ": expected a positive length in seconds (at most 31 days)");
    if (o.given("seconds")) throw cli::UsageError("--soak and --seconds both give the length; give one");
    if (o.reportPath.empty()) throw cli::UsageError("--soak needs --report FILE.json");
    o.seconds = o.soakSeconds;
  } else if (o.given("swap-every") || o.given("swap-patches") || o.given("report")) {
    throw cli::UsageError("--swap-every, --swap-patches and --report belong to --soak");
  }
  if (o.given("swap-every") != o.given("swap-patches")) throw cli::UsageError("--swap-every and --swap-patches go together");
  if (o.given("swap-every") && !(o.swapEvery >= 0.05 && o.swapEvery <= o.soakSeconds))
    throw cli::UsageError("--swap-every " + cli::numberText(o.swapEvery) + ": expected 0.05 s up to the soak's length");
  if (o.given("swap-patches")) {
    o.swapPatches = splitList(o.swapPatchList);
    for (const std::string& p : o.swapPatches)
      if (p.empty()) throw cli::UsageError("--swap-patches " + o.swapPatchList + ": an empty name");
  }
  o.thresholds.maxXrunsOurs = o.maxXrunsOurs;
  if (!(o.thresholds.maxXrunsSystemPerMinute >= 0) || !(o.thresholds.maxRssGrowthMb >= 0) || !(o.thresholds.maxSwapMs > 0))
    throw cli::UsageError("the soak thresholds must be positive");
}

// --api (default: every API, in order), --list-devices, --midi-api, --list-midi, --osc-port.
// An exit status when a listing ends the run.
inline std::optional<int> checkApiOptions(LiveOptions& o) {
  if (o.given("api")) {
    for (const ApiName& a : kApis)
      if (o.apiName == a.name) o.apis.push_back(&a);
    if (o.apis.empty()) throw cli::UsageError("--api " + o.apiName + ": expected jack, alsa or pulse");
  } else {
    for (const ApiName& a : kApis) o.apis.push_back(&a);
  }
  if (o.given("list-devices")) return listDevices(o.apis);
  if (o.given("midi-api") && !midiApiByName(o.midiApiName)) throw cli::UsageError("--midi-api " + o.midiApiName + ": expected jack or alsa");
  if (o.given("list-midi")) {
    const std::string api = o.midiApiName.empty() ? "jack" : o.midiApiName;
    std::printf("MIDI sources (--midi-api %s):\n%s", api.c_str(), listMidiPorts(*midiApiByName(api)).c_str());
    return kOk;
  }
  if (o.given("osc-port")) cli::requireRange("--osc-port", o.oscPort, 1, 65535);
  return std::nullopt;
}

// Reads and checks the command line into `o`; an exit status when the run ends here (a parse
// error, --help, a listing, no patch). Throws cli::UsageError for an option that cannot be used.
inline std::optional<int> parseLiveOptions(int argc, char** argv, LiveOptions& o) {
  po::options_description visible("Options");
  describeLiveOptions(visible, o);
  if (const auto refused = cli::parseCommandLine(argc, argv, visible, o.args)) {
    std::cerr << "mvm-live: " << *refused << "\n" << kUsageText << "Try 'mvm-live --help'.\n";
    return kUsage;
  }
  if (o.given("help")) {
    std::cout << kUsageText << "\n" << visible
              << "\nThe summary: mvm-live: SECONDS s, N callbacks (M expected), xruns X (ours A, system's B),\n"
                 "load p50 P% p99 Q% max R%, swaps S, failed reloads F, peak D dBFS, overloads O, RSS M MB (growth G MB).\n"
                 "Exit status: 0 ok (also after Ctrl-C, SIGTERM or quit), 1 bad patch, 2 usage, 3 file error (a patch that is\n"
                 "missing, not a regular file or over 16 MiB) or audio API or device error, 4 soak thresholds passed (see the\n"
                 "report), 5 internal error (out of memory, a bug).\n";
    return kOk;
  }
  if (const auto listed = checkApiOptions(o)) return listed;
  if (!o.given("patch")) {
    std::cerr << "mvm-live: no patch given\n" << kUsageText << "Try 'mvm-live --help'.\n";
    return kUsage;
  }
  o.patchPath = o.args["patch"].as<std::string>();
  checkPlayOptions(o);
  checkSoakOptions(o);
  return std::nullopt;
}

} // namespace mvm::live
