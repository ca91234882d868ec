// mvm-render: render a patch (and a score) to a WAV file, deterministically.

#include <boost/program_options.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "cli_checks.h"
#include "command_line.h"
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

} // namespace

namespace {

// The command line as typed, before any check.
struct RenderArgs {
  po::variables_map options;
  std::string output, score, midiPath, formatName = "float32", seedText, inputPath;
  double seconds = -1, rate = 48000, crossfadeMs = 20.0;
  int block = 512;
  std::vector<std::string> swapArgs;
  std::string curveName = "equal-power";
};

void describeOptions(po::options_description& visible, RenderArgs& a) {
  visible.add_options()
      ("help,h", "show this help")
      ("output,o", po::value(&a.output), "output WAV file (never replaces an input of the run, nor anything but a regular file)")
      ("seconds,s", po::value(&a.seconds), "length in seconds, at most 86400 (default: the score's duration, its last event + 2 s, or 4 s)")
      ("rate,r", po::value(&a.rate)->default_value(48000), "sample rate in Hz")
      ("format,f", po::value(&a.formatName)->default_value("float32"), "float32 | pcm24 | pcm16 (pcm16 is TPDF-dithered)")
      ("score", po::value(&a.score), "score of timed events (JSON, docs/score-format.md)")
      ("midi", po::value(&a.midiPath), "Standard MIDI File played through the patch's MIDI mapping (with --swap, each patch's from its swap on; docs/midi-osc.md); length: its end + 2 s")
      ("input,i", po::value(&a.inputPath), "WAV file fed to the patch's AudioIn modules (its rate must equal --rate)")
      ("block", po::value(&a.block)->default_value(512), "host buffer size in frames (does not change the output)")
      ("seed", po::value(&a.seedText), "random seed, 0..18446744073709551615 (default: the patch's)")
      ("swap", po::value(&a.swapArgs)->composing(), "TIME=PATCH.json: hot-swap to PATCH at the first block boundary at or after TIME seconds (repeatable)")
      ("crossfade-ms", po::value(&a.crossfadeMs)->default_value(20.0), "crossfade length of swaps; 0 = hard switch")
      ("crossfade-curve", po::value(&a.curveName)->default_value("equal-power"), "equal-power | linear")
      ("list-modules", "list module types with their ports and parameters")
      ("markdown", "with --list-modules: print docs/modules.md")
      ("disasm", "print the compiled bytecode and exit")
      ("replay", po::value<std::string>(), "SESSION_DIR: render a session recorded by mvm-live --record again, bit for bit (docs/session-format.md)");
}

// Reads the command line into `a`; an exit status when the run ends here (a parse error, --help,
// --list-modules).
std::optional<int> parseArgs(int argc, char** argv, RenderArgs& a) {
  po::options_description visible("Options");
  describeOptions(visible, a);
  if (const auto refused = cli::parseCommandLine(argc, argv, visible, a.options)) {
    std::cerr << "mvm-render: " << printableLine(*refused) << "\n" << kUsageText << "Try 'mvm-render --help'.\n";
    return kUsage;
  }
  if (a.options.count("help")) {
    std::cout << kUsageText << "\n" << visible
              << "\nExit status: 0 ok, 1 bad patch, score, MIDI file, input WAV or session (or a length over 86400 s),\n"
                 "2 usage (also: -o naming an input of the run), 3 file error (a missing, unreadable or non-regular\n"
                 "file, a file over its size limit, an output that cannot be written or is not a regular file),\n"
                 "4 out of memory or internal error, 130 interrupted (SIGINT, SIGTERM, SIGHUP: nothing is written).\n";
    return kOk;
  }
  if (a.options.count("list-modules")) {
    std::cout << (a.options.count("markdown") ? render::modulesMarkdown(builtinModules()) : render::modulesText(builtinModules()));
    return kOk;
  }
  return std::nullopt;
}

// A render's settings once every option has passed its check.
struct RenderPlan {
  std::string patchPath;
  bool disasm = false;
  FadeCurve curve = FadeCurve::EqualPower;
  bool haveSeed = false;
  std::uint64_t seed = 0;
  std::vector<std::pair<double, std::string>> swapSpecs; // (seconds, patch path)
};

// Throws UsageError for the first option that cannot be used, in the order a user reads them.
RenderPlan checkArgs(const RenderArgs& a) {
  RenderPlan plan;
  plan.patchPath = a.options["patch"].as<std::string>();
  plan.disasm = a.options.count("disasm") > 0;
  if (!plan.disasm && a.output.empty()) throw UsageError("no output file: give -o OUT.wav");
  cli::requireSampleRate(a.rate);
  cli::requireRange("--block", a.block, 1, 65536, "frames");
  if (a.options.count("seconds") && !(a.seconds > 0 && a.seconds <= kMaxRenderSeconds))
    throw UsageError("--seconds " + cli::numberText(a.seconds) + ": expected a length within (0, 86400]");
  plan.curve = cli::parseCrossfadeCurve(a.curveName);
  cli::requireCrossfadeMs(a.crossfadeMs);
  plan.haveSeed = a.options.count("seed") > 0;
  plan.seed = plan.haveSeed ? cli::parseSeed(a.seedText) : 0;
  for (const std::string& s : a.swapArgs) {
    const auto eq = s.find('=');
    char* end = nullptr;
    const double t = eq == std::string::npos ? -1 : std::strtod(s.c_str(), &end);
    if (eq == std::string::npos || end != s.c_str() + eq || !(t >= 0 && t <= kMaxRenderSeconds) || eq + 1 == s.size())
      throw UsageError("--swap " + s + ": expected TIME=PATCH.json with TIME in seconds");
    plan.swapSpecs.push_back({t, s.substr(eq + 1)});
  }
  return plan;
}

// A patch given for many swaps is parsed once: 300 swaps to one large patch hold one graph (and,
// compiled as they land, at most two programs).
std::vector<ScheduledSwap> parseSwapPatches(const std::vector<std::pair<double, std::string>>& swapSpecs) {
  std::vector<ScheduledSwap> swaps;
  std::vector<std::pair<InputFile, std::shared_ptr<const PatchGraph>>> parsed;
  for (const auto& [t, path] : swapSpecs) {
    const InputFile id = identify(path);
    std::shared_ptr<const PatchGraph> graph;
    for (const auto& [known, g] : parsed)
      if (id.inode != 0 && known.device == id.device && known.inode == id.inode) graph = g;
    if (!graph) {
      graph = std::make_shared<const PatchGraph>(PatchParser(builtinModules()).parseFromFile(path));
      parsed.push_back({id, graph});
    }
    swaps.push_back({t, graph});
  }
  return swaps;
}

int printDisassembly(const PatchGraph& patch, const RenderArgs& a, const RenderPlan& plan) {
  CompileOptions co;
  co.sampleRate = a.rate;
  co.overrideSeed = plan.haveSeed;
  co.seed = plan.seed;
  co.annotate = true;
  std::cout << disassemble(*Compiler(builtinModules()).compile(patch, co));
  return kOk;
}

// The events of --score and --midi together (empty when neither is given).
Score readScore(const PatchGraph& patch, const std::vector<ScheduledSwap>& swaps, const RenderArgs& a) {
  Score parsedScore;
  if (!a.score.empty()) {
    std::vector<const PatchGraph*> all{&patch};
    for (const auto& s : swaps) all.push_back(s.patch.get());
    parsedScore = ScoreParser(builtinModules()).parseFromFile(a.score, all, a.rate);
  }
  if (!a.midiPath.empty()) {
    const MidiSong song = SmfReader::readFile(a.midiPath);
    // Each swapped-in patch's MIDI mapping applies from the frame its swap lands on.
    std::vector<TimedMidiMapper> mappers{{0, MidiMapper(patch.midi, a.rate)}};
    for (const auto& s : swaps) mappers.push_back({swapFrame(s.seconds, a.rate), MidiMapper(s.patch->midi, a.rate)});
    const Score fromMidi = scoreFromMidiSong(song, std::move(mappers), static_cast<std::uint32_t>(a.rate), kScoreTailSeconds);
    parsedScore = a.score.empty() ? fromMidi : mergeScores(std::move(parsedScore), fromMidi);
  }
  return parsedScore;
}

// --input, checked against the render it feeds (no resampling, no more channels than a host has).
WavData readInputWav(const RenderArgs& a) {
  WavData input;
  if (a.inputPath.empty()) return input;
  input = readWav(a.inputPath);
  if (input.sampleRate != static_cast<int>(a.rate))
    throw UsageError("--input " + a.inputPath + " is " + std::to_string(input.sampleRate) + " Hz; render at --rate " +
                     std::to_string(input.sampleRate) + " or convert it (no resampling)");
  if (input.channels.size() > static_cast<std::size_t>(kMaxHostChannels))
    throw UsageError("--input " + a.inputPath + " has " + std::to_string(input.channels.size()) + " channels; at most " +
                     std::to_string(kMaxHostChannels));
  return input;
}

int renderToFile(const PatchGraph& patch, std::vector<ScheduledSwap> swaps, const RenderArgs& a, const RenderPlan& plan,
                 const RunInputs& inputs, SampleFormat format) {
  Score parsedScore = readScore(patch, swaps, a);
  const bool haveScore = !a.score.empty() || !a.midiPath.empty();
  const WavData input = readInputWav(a);
  RenderOptions ro;
  ro.input = a.inputPath.empty() ? nullptr : &input.channels;
  ro.sampleRate = a.rate;
  ro.hostBlock = a.block;
  ro.seconds = a.seconds;
  ro.overrideSeed = plan.haveSeed;
  ro.seed = plan.seed;
  ro.swaps = std::move(swaps);
  ro.crossfadeMs = a.crossfadeMs;
  ro.crossfadeCurve = plan.curve;
  ro.diagnose = [](const std::string& d) { std::cerr << "mvm-render: note: " << printableLine(d) << "\n"; };
  ro.scoreSource = a.score.empty() ? a.midiPath : a.midiPath.empty() ? a.score : a.score + " with " + a.midiPath;
  renderFrames(ro, haveScore ? &parsedScore : nullptr); // a length over the limit is refused before anything is written
  const std::uint64_t ditherSeed = ro.overrideSeed ? ro.seed : patch.seed;

  WavWriter writer(a.output, static_cast<int>(a.rate), ro.channels, format, ditherSeed);
  writer.keepInputs(inputs);
  ProgressLine progress(a.rate);
  const RenderStats st = renderPatch(
      patch, haveScore ? &parsedScore : nullptr, ro, [&](const float* const* ch, int n) { writer.write(ch, n); }, std::ref(progress));
  holdSignalsUntilExit();
  writer.commit();
  printSummary(a.output, st, a.rate, render::formatName(format));
  if (st.lateEvents > 0) std::fprintf(stderr, "mvm-render: warning: %llu events applied late\n", static_cast<unsigned long long>(st.lateEvents));
  return kOk;
}

int run(int argc, char** argv) {
  RenderArgs a;
  if (const auto ended = parseArgs(argc, argv, a)) return *ended;
  const SampleFormat format = [&] {
    try {
      return parseSampleFormat(a.formatName);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--format: ") + e.what());
    }
  }();
  if (a.options.count("replay")) {
    if (a.options.count("patch") || !a.score.empty() || !a.midiPath.empty() || !a.swapArgs.empty() || !a.inputPath.empty())
      throw UsageError("--replay takes no patch, score, MIDI file, swaps or input: the session holds them");
    if (a.output.empty()) throw UsageError("no output file: give -o OUT.wav");
    setInterruptNotice(a.output);
    return replayCommand(a.options["replay"].as<std::string>(), a.output, format);
  }
  if (!a.options.count("patch")) {
    std::cerr << "mvm-render: no patch given\n" << kUsageText << "Try 'mvm-render --help'.\n";
    return kUsage;
  }
  const RenderPlan plan = checkArgs(a);

  // Everything this run reads, so that -o can never replace it.
  RunInputs inputs;
  inputs.add(plan.patchPath);
  for (const auto& spec : plan.swapSpecs) inputs.add(spec.second);
  if (!a.score.empty()) inputs.add(a.score);
  if (!a.midiPath.empty()) inputs.add(a.midiPath);
  if (!a.inputPath.empty()) inputs.add(a.inputPath);
  if (!plan.disasm) {
    checkOutputTarget(a.output, inputs);
    setInterruptNotice(a.output);
  }

  const PatchGraph patch = PatchParser(builtinModules()).parseFromFile(plan.patchPath);
  std::vector<ScheduledSwap> swaps = parseSwapPatches(plan.swapSpecs);
  if (plan.disasm) return printDisassembly(patch, a, plan);
  return renderToFile(patch, std::move(swaps), a, plan, inputs, format);
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
