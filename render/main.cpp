// mvm-render: render a patch (and a score) to a WAV file, deterministically.

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdlib>
#include <vector>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <unistd.h>

#include "mvm/mvm.h"
#include "module_docs.h"
#include "offline_renderer.h"
#include "render_errors.h"
#include "replay_command.h"
#include "wav_file.h"

namespace po = boost::program_options;
using namespace mvm;

namespace {

using namespace mvm::render; // Exit codes, Interrupted

volatile std::sig_atomic_t gInterrupted = 0;
extern "C" void onInterrupt(int) { gInterrupted = 1; }

const char* kUsageText = R"(Usage: mvm-render PATCH.json -o OUT.wav [options]
       mvm-render --list-modules [--markdown]
       mvm-render PATCH.json --disasm
       mvm-render PATCH.json --midi SONG.mid -o OUT.wav
       mvm-render --replay SESSION_DIR -o OUT.wav

Renders a Madrona VM patch offline to a WAV file. Same patch, score, rate and seed
give the same samples, bit for bit, whatever --block is.
)";

class ProgressLine {
public:
  explicit ProgressLine(double rate) : rate_(rate), enabled_(::isatty(STDERR_FILENO) != 0) {}
  void operator()(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::fprintf(stderr, "\rrendering %5.1f%%  %.1f / %.1f s", 100.0 * static_cast<double>(done) / static_cast<double>(total),
                 static_cast<double>(done) / rate_, static_cast<double>(total) / rate_);
    if (done >= total) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }

private:
  double rate_;
  bool enabled_;
  std::chrono::steady_clock::time_point last_{};
};

std::string dbString(double db) {
  if (!std::isfinite(db)) return "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", db);
  return buf;
}
// A linear level (1 = full scale) in dBFS.
std::string levelString(float linear) { return dbString(linear > 0 ? 20.0 * std::log10(static_cast<double>(linear)) : -INFINITY); }

} // namespace

int main(int argc, char** argv) {
  po::options_description visible("Options");
  std::string output, score, midiPath, formatName = "float32";
  double seconds = -1, rate = 48000;
  int block = 512;
  std::uint64_t seed = 0;
  std::vector<std::string> swapArgs;
  std::string inputPath;
  double crossfadeMs = 20.0;
  std::string curveName = "equal-power";
  visible.add_options()
      ("help,h", "show this help")
      ("output,o", po::value(&output), "output WAV file")
      ("seconds,s", po::value(&seconds), "length in seconds (default: the score's duration, its last event + 2 s, or 4 s)")
      ("rate,r", po::value(&rate)->default_value(48000), "sample rate in Hz")
      ("format,f", po::value(&formatName)->default_value("float32"), "float32 | pcm24 | pcm16 (pcm16 is TPDF-dithered)")
      ("score", po::value(&score), "score of timed events (JSON, docs/score-format.md)")
      ("midi", po::value(&midiPath), "Standard MIDI File played through the patch's MIDI mapping (with --swap, each patch's from its swap on; docs/midi-osc.md); length: its end + 2 s")
      ("input,i", po::value(&inputPath), "WAV file fed to the patch's AudioIn modules (its rate must equal --rate)")
      ("block", po::value(&block)->default_value(512), "host buffer size in frames (does not change the output)")
      ("seed", po::value(&seed), "random seed (default: the patch's)")
      ("swap", po::value(&swapArgs)->composing(), "TIME=PATCH.json: hot-swap to PATCH at the first block boundary at or after TIME seconds (repeatable)")
      ("crossfade-ms", po::value(&crossfadeMs)->default_value(20.0), "crossfade length of swaps; 0 = hard switch")
      ("crossfade-curve", po::value(&curveName)->default_value("equal-power"), "equal-power | linear")
      ("list-modules", "list module types with their ports and parameters")
      ("markdown", "with --list-modules: print docs/modules.md")
      ("disasm", "print the compiled bytecode and exit")
      ("replay", po::value<std::string>(), "SESSION_DIR: render a session recorded by mvm-live --record again, bit for bit (docs/session-format.md)");
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
    std::cerr << "mvm-render: " << e.what() << "\n" << kUsageText << "Try 'mvm-render --help'.\n";
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << kUsageText << "\n" << visible << "\nExit status: 0 ok, 1 bad patch or score, 2 usage, 3 file error, 130 interrupted.\n";
    return kOk;
  }
  if (vm.count("list-modules")) {
    std::cout << (vm.count("markdown") ? render::modulesMarkdown(builtinModules()) : render::modulesText(builtinModules()));
    return kOk;
  }
  if (vm.count("replay")) {
    if (vm.count("patch") || !score.empty() || !midiPath.empty() || !swapArgs.empty() || !inputPath.empty()) {
      std::cerr << "mvm-render: --replay takes no patch, score, MIDI file, swaps or input: the session holds them\n";
      return kUsage;
    }
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    return render::replayCommand(vm["replay"].as<std::string>(), output, formatName, gInterrupted);
  }
  if (!vm.count("patch")) {
    std::cerr << "mvm-render: no patch given\n" << kUsageText << "Try 'mvm-render --help'.\n";
    return kUsage;
  }
  const std::string patchPath = vm["patch"].as<std::string>();
  const bool disasm = vm.count("disasm") > 0;
  if (!disasm && output.empty()) {
    std::cerr << "mvm-render: no output file: give -o OUT.wav\n";
    return kUsage;
  }
  if (!(rate >= limits::kMinSampleRate && rate <= limits::kMaxSampleRate) || rate != std::floor(rate)) {
    std::cerr << "mvm-render: --rate " << rate << ": expected a whole number of Hz within [8000, 384000]\n";
    return kUsage;
  }
  if (block < 1 || block > 65536) {
    std::cerr << "mvm-render: --block " << block << ": expected 1..65536 frames\n";
    return kUsage;
  }
  if (vm.count("seconds") && !(seconds > 0 && seconds <= 86400)) {
    std::cerr << "mvm-render: --seconds " << seconds << ": expected a length within (0, 86400]\n";
    return kUsage;
  }
  FadeCurve curve;
  if (!parseFadeCurve(curveName, curve)) {
    std::cerr << "mvm-render: --crossfade-curve " << curveName << ": expected equal-power or linear\n";
    return kUsage;
  }
  if (!(crossfadeMs >= 0 && crossfadeMs <= 60000)) {
    std::cerr << "mvm-render: --crossfade-ms " << crossfadeMs << ": expected 0..60000\n";
    return kUsage;
  }
  std::vector<std::pair<double, std::string>> swapSpecs;
  for (const std::string& s : swapArgs) {
    const auto eq = s.find('=');
    char* end = nullptr;
    const double t = eq == std::string::npos ? -1 : std::strtod(s.c_str(), &end);
    if (eq == std::string::npos || end != s.c_str() + eq || !(t >= 0 && t <= 86400) || eq + 1 == s.size()) {
      std::cerr << "mvm-render: --swap " << s << ": expected TIME=PATCH.json with TIME in seconds\n";
      return kUsage;
    }
    swapSpecs.push_back({t, s.substr(eq + 1)});
  }
  render::SampleFormat format;
  try {
    format = render::parseSampleFormat(formatName);
  } catch (const std::exception& e) {
    std::cerr << "mvm-render: --format: " << e.what() << "\n";
    return kUsage;
  }

  PatchGraph patch;
  Score parsedScore;
  std::vector<render::ScheduledSwap> swaps;
  try {
    patch = PatchParser().parseFromFile(patchPath);
    for (const auto& [t, path] : swapSpecs) swaps.push_back({t, PatchParser().parseFromFile(path)});
    if (disasm) {
      CompileOptions co;
      co.sampleRate = rate;
      co.overrideSeed = vm.count("seed") > 0;
      co.seed = seed;
      co.annotate = true;
      std::cout << disassemble(*Compiler().compile(patch, co));
      return kOk;
    }
    if (!score.empty()) {
      std::vector<const PatchGraph*> all{&patch};
      for (const auto& s : swaps) all.push_back(&s.patch);
      parsedScore = ScoreParser().parseFromFile(score, all, rate);
    }
  } catch (const PatchError& e) {
    std::cerr << "mvm-render: " << e.what() << "\n";
    return render::exitCodeOf(e);
  }
  if (!midiPath.empty()) {
    if (::access(midiPath.c_str(), R_OK) != 0) {
      std::cerr << "mvm-render: " << midiPath << ": cannot open file\n";
      return kIoError;
    }
    try {
      const MidiSong song = SmfReader::readFile(midiPath);
      // Each swapped-in patch's MIDI mapping applies from the frame its swap lands on.
      std::vector<TimedMidiMapper> mappers{{0, MidiMapper(patch.midi, rate)}};
      for (const auto& s : swaps) mappers.push_back({render::swapFrame(s.seconds, rate), MidiMapper(s.patch.midi, rate)});
      const Score fromMidi = scoreFromMidiSong(song, std::move(mappers), static_cast<std::uint32_t>(rate), render::kScoreTailSeconds);
      parsedScore = score.empty() ? fromMidi : mergeScores(std::move(parsedScore), fromMidi);
    } catch (const SmfError& e) {
      std::cerr << "mvm-render: " << e.what() << "\n";
      return kBadInput;
    }
  }
  const bool haveScore = !score.empty() || !midiPath.empty();

  render::WavData input;
  if (!inputPath.empty()) {
    try {
      input = render::readWav(inputPath);
    } catch (const std::exception& e) {
      std::cerr << "mvm-render: --input: " << e.what() << "\n";
      return kIoError;
    }
    if (input.sampleRate != static_cast<int>(rate)) {
      std::cerr << "mvm-render: --input " << inputPath << " is " << input.sampleRate << " Hz; render at --rate "
                << input.sampleRate << " or convert it (no resampling)\n";
      return kUsage;
    }
    if (input.channels.size() > static_cast<std::size_t>(kMaxHostChannels)) {
      std::cerr << "mvm-render: --input " << inputPath << " has " << input.channels.size() << " channels; at most "
                << kMaxHostChannels << "\n";
      return kUsage;
    }
  }
  render::RenderOptions ro;
  ro.input = inputPath.empty() ? nullptr : &input.channels;
  ro.sampleRate = rate;
  ro.hostBlock = block;
  ro.seconds = seconds;
  ro.overrideSeed = vm.count("seed") > 0;
  ro.seed = seed;
  ro.swaps = std::move(swaps);
  ro.crossfadeMs = crossfadeMs;
  ro.crossfadeCurve = curve;
  ro.diagnose = [](const std::string& d) { std::cerr << "mvm-render: note: " << d << "\n"; };
  const std::uint64_t ditherSeed = ro.overrideSeed ? ro.seed : patch.seed;
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  return render::runReportingErrors(output, [&] {
    render::WavWriter writer(output, static_cast<int>(rate), ro.channels, format, ditherSeed);
    ProgressLine progress(rate);
    const render::RenderStats st = render::renderPatch(
        patch, haveScore ? &parsedScore : nullptr, ro,
        [&](const float* const* ch, int n) {
          if (gInterrupted) throw Interrupted{}; // unwinds through the writer, which removes its partial file
          writer.write(ch, n);
        },
        std::ref(progress));
    writer.commit();
    const double audioSeconds = static_cast<double>(st.frames) / rate;
    std::printf("%s: %llu frames (%.3f s, %d Hz, %d ch, %s), peak %s dBFS, RMS %s dBFS, %llu clipped, "
                "%llu guarded blocks, %.1fx realtime\n",
                output.c_str(), static_cast<unsigned long long>(st.frames), audioSeconds, static_cast<int>(rate), ro.channels,
                render::formatName(format), dbString(st.peakDb()).c_str(), dbString(st.rmsDb()).c_str(),
                static_cast<unsigned long long>(st.clippedSamples), static_cast<unsigned long long>(st.guardedBlocks),
                st.wallSeconds > 0 ? audioSeconds / st.wallSeconds : 0.0);
    for (const MeterLevel& m : st.meters)
      std::printf("meter %s: peak %s dBFS (held %s dBFS), RMS %s dBFS at the end\n", m.id.c_str(), levelString(m.reading.peak).c_str(),
                  levelString(m.reading.peakHold).c_str(), levelString(m.reading.rms).c_str());
    if (st.lateEvents > 0) std::fprintf(stderr, "mvm-render: warning: %llu events applied late\n", static_cast<unsigned long long>(st.lateEvents));
  });
}
