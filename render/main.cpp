// mvm-render: render a patch (and a score) to a WAV file, deterministically.

#include <boost/program_options.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "mvm/mvm.h"
#include "interrupt.h"
#include "module_docs.h"
#include "offline_renderer.h"
#include "output_file.h"
#include "render_errors.h"
#include "render_summary.h"
#include "replay_command.h"
#include "wav_file.h"

namespace po = boost::program_options;
using namespace mvm;

namespace {

using namespace mvm::render; // exit codes, errors

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

// A number as the user would have typed it ("10", "0.5"), for messages.
std::string numberText(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// --seed: a whole number in [0, 2^64 - 1]; Boost alone would take "-1" as 2^64 - 1.
std::uint64_t parseSeed(const std::string& text) {
  const bool digits = !text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string::npos;
  errno = 0;
  const unsigned long long v = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE)
    throw UsageError("--seed " + text.substr(0, 40) + ": expected a whole number within [0, 18446744073709551615]");
  return v;
}

} // namespace

namespace {

int run(int argc, char** argv) {
  po::options_description visible("Options");
  std::string output, score, midiPath, formatName = "float32", seedText;
  double seconds = -1, rate = 48000;
  int block = 512;
  std::vector<std::string> swapArgs;
  std::string inputPath;
  double crossfadeMs = 20.0;
  std::string curveName = "equal-power";
  visible.add_options()
      ("help,h", "show this help")
      ("output,o", po::value(&output), "output WAV file (never replaces an input of the run, nor anything but a regular file)")
      ("seconds,s", po::value(&seconds), "length in seconds, at most 86400 (default: the score's duration, its last event + 2 s, or 4 s)")
      ("rate,r", po::value(&rate)->default_value(48000), "sample rate in Hz")
      ("format,f", po::value(&formatName)->default_value("float32"), "float32 | pcm24 | pcm16 (pcm16 is TPDF-dithered)")
      ("score", po::value(&score), "score of timed events (JSON, docs/score-format.md)")
      ("midi", po::value(&midiPath), "Standard MIDI File played through the patch's MIDI mapping (with --swap, each patch's from its swap on; docs/midi-osc.md); length: its end + 2 s")
      ("input,i", po::value(&inputPath), "WAV file fed to the patch's AudioIn modules (its rate must equal --rate)")
      ("block", po::value(&block)->default_value(512), "host buffer size in frames (does not change the output)")
      ("seed", po::value(&seedText), "random seed, 0..18446744073709551615 (default: the patch's)")
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
    std::cerr << "mvm-render: " << printableLine(e.what()) << "\n" << kUsageText << "Try 'mvm-render --help'.\n";
    return kUsage;
  }
  // An empty name ("--score ''", a variable that expanded to nothing) is a mistake, not an
  // absent option: taken as absent, the run would quietly go on without the file.
  for (const char* name : {"patch", "output", "score", "midi", "input", "replay"})
    if (vm.count(name) && vm[name].as<std::string>().empty())
      throw UsageError(std::string(name == std::string("patch") ? "the patch" : std::string("--") + name) + ": the file name is empty");
  if (vm.count("help")) {
    std::cout << kUsageText << "\n" << visible
              << "\nExit status: 0 ok, 1 bad patch, score, MIDI file, input WAV or session (or a length over 86400 s),\n"
                 "2 usage (also: -o naming an input of the run), 3 file error (a missing, unreadable or non-regular\n"
                 "file, a file over its size limit, an output that cannot be written or is not a regular file),\n"
                 "4 out of memory or internal error, 130 interrupted (SIGINT, SIGTERM, SIGHUP: nothing is written).\n";
    return kOk;
  }
  if (vm.count("list-modules")) {
    std::cout << (vm.count("markdown") ? render::modulesMarkdown(builtinModules()) : render::modulesText(builtinModules()));
    return kOk;
  }
  const SampleFormat format = [&] {
    try {
      return parseSampleFormat(formatName);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--format: ") + e.what());
    }
  }();
  if (vm.count("replay")) {
    if (vm.count("patch") || !score.empty() || !midiPath.empty() || !swapArgs.empty() || !inputPath.empty())
      throw UsageError("--replay takes no patch, score, MIDI file, swaps or input: the session holds them");
    if (output.empty()) throw UsageError("no output file: give -o OUT.wav");
    setInterruptNotice(output);
    return replayCommand(vm["replay"].as<std::string>(), output, format);
  }
  if (!vm.count("patch")) {
    std::cerr << "mvm-render: no patch given\n" << kUsageText << "Try 'mvm-render --help'.\n";
    return kUsage;
  }
  const std::string patchPath = vm["patch"].as<std::string>();
  const bool disasm = vm.count("disasm") > 0;
  if (!disasm && output.empty()) throw UsageError("no output file: give -o OUT.wav");
  if (!(rate >= limits::kMinSampleRate && rate <= limits::kMaxSampleRate) || rate != std::floor(rate))
    throw UsageError("--rate " + numberText(rate) + ": expected a whole number of Hz within [8000, 384000]");
  if (block < 1 || block > 65536) throw UsageError("--block " + std::to_string(block) + ": expected 1..65536 frames");
  if (vm.count("seconds") && !(seconds > 0 && seconds <= kMaxRenderSeconds))
    throw UsageError("--seconds " + numberText(seconds) + ": expected a length within (0, 86400]");
  FadeCurve curve;
  if (!parseFadeCurve(curveName, curve)) throw UsageError("--crossfade-curve " + curveName + ": expected equal-power or linear");
  if (!(crossfadeMs >= 0 && crossfadeMs <= 60000)) throw UsageError("--crossfade-ms " + numberText(crossfadeMs) + ": expected 0..60000");
  const bool haveSeed = vm.count("seed") > 0;
  const std::uint64_t seed = haveSeed ? parseSeed(seedText) : 0;
  std::vector<std::pair<double, std::string>> swapSpecs;
  for (const std::string& s : swapArgs) {
    const auto eq = s.find('=');
    char* end = nullptr;
    const double t = eq == std::string::npos ? -1 : std::strtod(s.c_str(), &end);
    if (eq == std::string::npos || end != s.c_str() + eq || !(t >= 0 && t <= kMaxRenderSeconds) || eq + 1 == s.size())
      throw UsageError("--swap " + s + ": expected TIME=PATCH.json with TIME in seconds");
    swapSpecs.push_back({t, s.substr(eq + 1)});
  }

  // Everything this run reads, so that -o can never replace it.
  RunInputs inputs;
  inputs.add(patchPath);
  for (const auto& spec : swapSpecs) inputs.add(spec.second);
  if (!score.empty()) inputs.add(score);
  if (!midiPath.empty()) inputs.add(midiPath);
  if (!inputPath.empty()) inputs.add(inputPath);
  if (!disasm) {
    checkOutputTarget(output, inputs);
    setInterruptNotice(output);
  }

  const PatchGraph patch = PatchParser().parseFromFile(patchPath);
  // A patch given for many swaps is parsed once: 300 swaps to one large patch hold one graph (and,
  // compiled as they land, at most two programs).
  std::vector<ScheduledSwap> swaps;
  std::vector<std::pair<InputFile, std::shared_ptr<const PatchGraph>>> parsed;
  for (const auto& [t, path] : swapSpecs) {
    const InputFile id = identify(path);
    std::shared_ptr<const PatchGraph> graph;
    for (const auto& [known, g] : parsed)
      if (id.inode != 0 && known.device == id.device && known.inode == id.inode) graph = g;
    if (!graph) {
      graph = std::make_shared<const PatchGraph>(PatchParser().parseFromFile(path));
      parsed.push_back({id, graph});
    }
    swaps.push_back({t, graph});
  }
  if (disasm) {
    CompileOptions co;
    co.sampleRate = rate;
    co.overrideSeed = haveSeed;
    co.seed = seed;
    co.annotate = true;
    std::cout << disassemble(*Compiler().compile(patch, co));
    return kOk;
  }
  Score parsedScore;
  if (!score.empty()) {
    std::vector<const PatchGraph*> all{&patch};
    for (const auto& s : swaps) all.push_back(s.patch.get());
    parsedScore = ScoreParser().parseFromFile(score, all, rate);
  }
  if (!midiPath.empty()) {
    const MidiSong song = SmfReader::readFile(midiPath);
    // Each swapped-in patch's MIDI mapping applies from the frame its swap lands on.
    std::vector<TimedMidiMapper> mappers{{0, MidiMapper(patch.midi, rate)}};
    for (const auto& s : swaps) mappers.push_back({swapFrame(s.seconds, rate), MidiMapper(s.patch->midi, rate)});
    const Score fromMidi = scoreFromMidiSong(song, std::move(mappers), static_cast<std::uint32_t>(rate), kScoreTailSeconds);
    parsedScore = score.empty() ? fromMidi : mergeScores(std::move(parsedScore), fromMidi);
  }
  const bool haveScore = !score.empty() || !midiPath.empty();

  WavData input;
  if (!inputPath.empty()) {
    input = readWav(inputPath);
    if (input.sampleRate != static_cast<int>(rate))
      throw UsageError("--input " + inputPath + " is " + std::to_string(input.sampleRate) + " Hz; render at --rate " +
                       std::to_string(input.sampleRate) + " or convert it (no resampling)");
    if (input.channels.size() > static_cast<std::size_t>(kMaxHostChannels))
      throw UsageError("--input " + inputPath + " has " + std::to_string(input.channels.size()) + " channels; at most " +
                       std::to_string(kMaxHostChannels));
  }
  RenderOptions ro;
  ro.input = inputPath.empty() ? nullptr : &input.channels;
  ro.sampleRate = rate;
  ro.hostBlock = block;
  ro.seconds = seconds;
  ro.overrideSeed = haveSeed;
  ro.seed = seed;
  ro.swaps = std::move(swaps);
  ro.crossfadeMs = crossfadeMs;
  ro.crossfadeCurve = curve;
  ro.diagnose = [](const std::string& d) { std::cerr << "mvm-render: note: " << printableLine(d) << "\n"; };
  ro.scoreSource = score.empty() ? midiPath : midiPath.empty() ? score : score + " with " + midiPath;
  renderFrames(ro, haveScore ? &parsedScore : nullptr); // a length over the limit is refused before anything is written
  const std::uint64_t ditherSeed = ro.overrideSeed ? ro.seed : patch.seed;

  WavWriter writer(output, static_cast<int>(rate), ro.channels, format, ditherSeed);
  writer.keepInputs(inputs);
  ProgressLine progress(rate);
  const RenderStats st = renderPatch(
      patch, haveScore ? &parsedScore : nullptr, ro, [&](const float* const* ch, int n) { writer.write(ch, n); }, std::ref(progress));
  holdSignalsUntilExit();
  writer.commit();
  printSummary(output, st, rate, render::formatName(format));
  if (st.lateEvents > 0) std::fprintf(stderr, "mvm-render: warning: %llu events applied late\n", static_cast<unsigned long long>(st.lateEvents));
  return kOk;
}

} // namespace

int main(int argc, char** argv) {
  installInterruptHandlers(); // before anything else: a signal at any stage ends the run at once
  try {
    return run(argc, argv);
  } catch (...) {
    return reportCurrentException();
  }
}
