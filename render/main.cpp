// mvm-render: render a patch (and a score) to a WAV file, deterministically.

#include <boost/program_options.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
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
#include "batch_renderer.h"
#include "render_job.h"
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
       mvm-render --batch JOBS.jsonl [--jobs N] [--summary SUMMARY.json] [--base-dir DIR]

Renders a Madrona VM patch offline to a WAV file. Same patch, score, rate and seed
give the same samples, bit for bit, whatever --block is.

--batch renders every line of JOBS.jsonl, one JSON object a line with the options' long
names as keys ("patch" and "output" required; "score", "midi", "input", "seconds", "rate",
"format", "block", "threads", "seed", "swap": ["TIME=PATCH.json", ...], "crossfade-ms",
"crossfade-curve") and "params": {"MODULE": {"PARAMETER": VALUE}} set over the patch's
values; relative paths are relative to JOBS.jsonl's directory (or --base-dir). Each output equals the
single render of the same job, bit for bit. A failed job (its line and cause) does not stop
the others; the summary has a record per job (docs/farm.md).
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
  int threads = 1;
  std::vector<std::string> swapArgs;
  std::string curveName = "equal-power";
  std::string batchPath, summaryPath, baseDir;
  unsigned batchWorkers = std::max(1u, std::thread::hardware_concurrency());
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
      ("threads", po::value(&a.threads)->default_value(1), "threads computing each block, 1..64 (does not change the output; a small or serial patch stays on one)")
      ("seed", po::value(&a.seedText), "random seed, 0..18446744073709551615 (default: the patch's)")
      ("swap", po::value(&a.swapArgs)->composing(), "TIME=PATCH.json: hot-swap to PATCH at the first block boundary at or after TIME seconds (repeatable)")
      ("crossfade-ms", po::value(&a.crossfadeMs)->default_value(20.0), "crossfade length of swaps; 0 = hard switch")
      ("crossfade-curve", po::value(&a.curveName)->default_value("equal-power"), "equal-power | linear")
      ("list-modules", "list module types with their ports and parameters")
      ("markdown", "with --list-modules: print docs/modules.md")
      ("disasm", "print the compiled bytecode and exit")
      ("replay", po::value<std::string>(), "SESSION_DIR: render a session recorded by mvm-live --record again, bit for bit (docs/session-format.md)")
      ("batch", po::value(&a.batchPath), "JOBS.jsonl: render each line's job (see above), several at once")
      ("jobs,j", po::value(&a.batchWorkers), "with --batch: how many jobs render at once (default: the number of CPUs)")
      ("summary", po::value(&a.summaryPath), "with --batch: write a JSON record of every job here")
      ("base-dir", po::value(&a.baseDir), "with --batch: the directory the jobs' relative paths start from (default: the jobs file's)");
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
                 "4 out of memory or internal error, 130 interrupted (SIGINT, SIGTERM, SIGHUP: nothing is written).\n"
                 "With --batch: 0 every job rendered, 1 one or more failed (each named on stderr and in the summary);\n"
                 "2, 3, 4 and 130 as above for the batch itself (its options, jobs file and summary).\n";
    return kOk;
  }
  if (a.options.count("list-modules")) {
    std::cout << (a.options.count("markdown") ? render::modulesMarkdown(builtinModules()) : render::modulesText(builtinModules()));
    return kOk;
  }
  return std::nullopt;
}

// The render the options describe, once every option has passed its check. Throws UsageError for
// the first option that cannot be used, in the order a user reads them.
RenderJob checkArgs(const RenderArgs& a, SampleFormat format) {
  RenderJob job;
  job.patchPath = a.options["patch"].as<std::string>();
  job.output = a.output;
  job.scorePath = a.score;
  job.midiPath = a.midiPath;
  job.inputPath = a.inputPath;
  job.format = format;
  if (a.options.count("seconds")) job.seconds = a.seconds;
  job.rate = a.rate;
  job.block = a.block;
  job.threads = a.threads;
  job.curve = cli::parseCrossfadeCurve(a.curveName);
  job.crossfadeMs = a.crossfadeMs;
  job.haveSeed = a.options.count("seed") > 0;
  job.seed = job.haveSeed ? cli::parseSeed(a.seedText) : 0;
  for (const std::string& s : a.swapArgs) job.swapSpecs.push_back(parseSwapSpec(s));
  checkRenderJob(job, !a.options.count("disasm"));
  return job;
}

int printDisassembly(const RenderJob& job) {
  const PatchGraph patch = readJobPatch(job);
  parseSwapPatches(job.swapSpecs); // their errors, as a render would report them
  CompileOptions co;
  co.sampleRate = job.rate;
  co.overrideSeed = job.haveSeed;
  co.seed = job.seed;
  co.annotate = true;
  std::cout << disassemble(*Compiler(builtinModules()).compile(patch, co));
  return kOk;
}

int renderToFile(const RenderJob& job) {
  setInterruptNotice(job.output);
  ProgressLine progress(job.rate);
  const auto diagnose = [](const std::string& d) { std::cerr << "mvm-render: note: " << printableLine(d) << "\n"; };
  const RenderStats st = renderJob(job, jobInputs(job), diagnose, std::ref(progress));
  printSummary(job.output, st, job.rate, render::formatName(job.format));
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
    cli::requireRange("--threads", a.threads, 1, WorkerPool::kMaxThreads, "threads");
    return replayCommand(a.options["replay"].as<std::string>(), a.output, format, a.threads);
  }
  if (a.options.count("batch")) {
    for (const auto& [name, value] : a.options)
      if (!value.defaulted() && name != "batch" && name != "jobs" && name != "summary" && name != "base-dir")
        throw UsageError("--batch takes no " + (name == "patch" ? std::string("patch") : "--" + name) + ": each line of " + a.batchPath + " gives its own");
    return batchCommand(a.batchPath, a.batchWorkers, a.summaryPath, a.baseDir);
  }
  if (a.options.count("jobs") || a.options.count("summary") || a.options.count("base-dir"))
    throw UsageError("--jobs, --summary and --base-dir go with --batch");
  if (!a.options.count("patch")) {
    std::cerr << "mvm-render: no patch given\n" << kUsageText << "Try 'mvm-render --help'.\n";
    return kUsage;
  }
  const RenderJob job = checkArgs(a, format);
  return a.options.count("disasm") ? printDisassembly(job) : renderToFile(job);
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
