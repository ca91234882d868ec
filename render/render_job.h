#pragma once
// One render to a WAV file, as the command line (main.cpp) or a line of a batch (batch_renderer.h)
// describes it. Both run it through renderJob, so a job of a batch gives the same file, bit for
// bit, as the same render run alone. Nothing here keeps state between calls: jobs may run on
// several threads at once.

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_checks.h"
#include "interrupt.h"
#include "mvm/mvm.h"
#include "offline_renderer.h"
#include "output_file.h"
#include "render_errors.h"
#include "wav_file.h"

namespace mvm::render {

// A render's settings, each as its command-line option gives it.
struct RenderJob {
  std::string patchPath, output, scorePath, midiPath, inputPath;
  SampleFormat format = SampleFormat::Float32;
  std::optional<double> seconds;  // none: from the score or MIDI file, else kDefaultSeconds
  double rate = 48000;
  int block = 512;
  int threads = 1;  // threads that compute each block (the output is the same at every count)
  bool haveSeed = false;
  std::uint64_t seed = 0;
  std::vector<std::pair<double, std::string>> swapSpecs; // (seconds, patch path)
  double crossfadeMs = 20.0;
  FadeCurve curve = FadeCurve::EqualPower;
  // Values set over the patch's own, {"module id": {"parameter": value}} (null: none); checked
  // as the patch's own values are, so a batch can sweep a parameter without a patch file per value.
  nlohmann::json paramOverrides;
};

// "TIME=PATCH.json", as --swap takes it. Throws UsageError.
inline std::pair<double, std::string> parseSwapSpec(const std::string& s) {
  const auto eq = s.find('=');
  char* end = nullptr;
  const double t = eq == std::string::npos ? -1 : std::strtod(s.c_str(), &end);
  if (eq == std::string::npos || end != s.c_str() + eq || !(t >= 0 && t <= kMaxRenderSeconds) || eq + 1 == s.size())
    throw UsageError("--swap " + s + ": expected TIME=PATCH.json with TIME in seconds");
  return {t, s.substr(eq + 1)};
}

// Throws UsageError for the first setting that cannot be used, in the order a user reads them
// (--disasm writes no file: it needs no output).
inline void checkRenderJob(const RenderJob& job, bool needsOutput = true) {
  if (needsOutput && job.output.empty()) throw UsageError("no output file: give -o OUT.wav");
  cli::requireSampleRate(job.rate);
  cli::requireRange("--block", job.block, 1, 65536, "frames");
  cli::requireRange("--threads", job.threads, 1, WorkerPool::kMaxThreads, "threads");
  if (job.seconds && !(*job.seconds > 0 && *job.seconds <= kMaxRenderSeconds))
    throw UsageError("--seconds " + cli::numberText(*job.seconds) + ": expected a length within (0, 86400]");
  cli::requireCrossfadeMs(job.crossfadeMs);
}

// Everything the job reads, so that its output can never replace it.
inline RunInputs jobInputs(const RenderJob& job) {
  RunInputs inputs;
  inputs.add(job.patchPath);
  for (const auto& spec : job.swapSpecs) inputs.add(spec.second);
  for (const std::string* path : {&job.scorePath, &job.midiPath, &job.inputPath})
    if (!path->empty()) inputs.add(*path);
  return inputs;
}

// Sets the overrides in the patch document, where the patch's own values are, so the parser
// checks them as it checks those (range, whole numbers, choice names, unknown parameters).
// A module the patch does not have is a PatchError; a malformed patch is left for the parser.
inline void setParamOverrides(nlohmann::json& patch, const nlohmann::json& overrides, const std::string& source) {
  if (!overrides.is_object()) throw PatchError(source, "params", "expected an object {\"module\": {\"parameter\": value}}");
  if (!patch.is_object() || !patch.contains("modules") || !patch["modules"].is_array()) return;
  for (const auto& [id, values] : overrides.items()) {
    nlohmann::json* module = nullptr;
    for (nlohmann::json& m : patch["modules"])
      if (m.is_object() && m.contains("id") && m["id"] == id) module = &m;
    if (!module) throw PatchError(source, "params", "the patch has no module " + inQuotes(id));
    if (!values.is_object()) throw PatchError(source, "params." + messageExcerpt(id), "expected an object {\"parameter\": value}");
    if (module->contains("params") && !(*module)["params"].is_object()) return; // the parser names it
    for (const auto& [name, value] : values.items()) (*module)["params"][name] = value;
  }
}

// The job's patch, with its parameter overrides. Throws PatchError, PatchFileError.
inline PatchGraph readJobPatch(const RenderJob& job) {
  const PatchParser parser(builtinModules());
  if (job.paramOverrides.is_null()) return parser.parseFromFile(job.patchPath);
  nlohmann::json document = PatchParser::parseJsonDocument(PatchParser::readTextFile(job.patchPath), job.patchPath);
  setParamOverrides(document, job.paramOverrides, job.patchPath);
  return parser.parseFromJson(document.dump(), job.patchPath);
}

// A patch given for many swaps is parsed once: 300 swaps to one large patch hold one graph (and,
// compiled as they land, at most two programs).
inline std::vector<ScheduledSwap> parseSwapPatches(const std::vector<std::pair<double, std::string>>& swapSpecs) {
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

// The events of the score and the MIDI file together (empty when neither is given).
inline Score readJobScore(const PatchGraph& patch, const std::vector<ScheduledSwap>& swaps, const RenderJob& job) {
  Score parsedScore;
  if (!job.scorePath.empty()) {
    std::vector<const PatchGraph*> all{&patch};
    for (const auto& s : swaps) all.push_back(s.patch.get());
    parsedScore = ScoreParser(builtinModules()).parseFromFile(job.scorePath, all, job.rate);
  }
  if (!job.midiPath.empty()) {
    const MidiSong song = SmfReader::readFile(job.midiPath);
    // Each swapped-in patch's MIDI mapping applies from the frame its swap lands on.
    std::vector<TimedMidiMapper> mappers{{0, MidiMapper(patch.midi, job.rate)}};
    for (const auto& s : swaps) mappers.push_back({swapFrame(s.seconds, job.rate), MidiMapper(s.patch->midi, job.rate)});
    const Score fromMidi = scoreFromMidiSong(song, std::move(mappers), static_cast<std::uint32_t>(job.rate), kScoreTailSeconds);
    parsedScore = job.scorePath.empty() ? fromMidi : mergeScores(std::move(parsedScore), fromMidi);
  }
  return parsedScore;
}

// The input WAV, checked against the render it feeds (no resampling, no more channels than a host has).
inline WavData readJobInput(const RenderJob& job) {
  WavData input;
  if (job.inputPath.empty()) return input;
  input = readWav(job.inputPath);
  if (input.sampleRate != static_cast<int>(job.rate))
    throw UsageError("--input " + job.inputPath + " is " + std::to_string(input.sampleRate) + " Hz; render at --rate " +
                     std::to_string(input.sampleRate) + " or convert it (no resampling)");
  if (input.channels.size() > static_cast<std::size_t>(kMaxHostChannels))
    throw UsageError("--input " + job.inputPath + " has " + std::to_string(input.channels.size()) + " channels; at most " +
                     std::to_string(kMaxHostChannels));
  return input;
}

// Renders `patch` (already read: the command line reads it before deciding to render) to the
// job's output and moves it into place. Throws what reportCurrentException maps to exit codes.
inline RenderStats renderJobToFile(const RenderJob& job, const PatchGraph& patch, std::vector<ScheduledSwap> swaps, const RunInputs& inputs,
                                   const std::function<void(const std::string&)>& diagnose, const Progress& progress) {
  Score parsedScore = readJobScore(patch, swaps, job);
  const bool haveScore = !job.scorePath.empty() || !job.midiPath.empty();
  const WavData input = readJobInput(job);
  RenderOptions ro;
  ro.input = job.inputPath.empty() ? nullptr : &input.channels;
  ro.sampleRate = job.rate;
  ro.hostBlock = job.block;
  ro.threads = job.threads;
  ro.seconds = job.seconds.value_or(-1.0);
  ro.overrideSeed = job.haveSeed;
  ro.seed = job.seed;
  ro.swaps = std::move(swaps);
  ro.crossfadeMs = job.crossfadeMs;
  ro.crossfadeCurve = job.curve;
  ro.diagnose = diagnose;
  ro.scoreSource = job.scorePath.empty() ? job.midiPath : job.midiPath.empty() ? job.scorePath : job.scorePath + " with " + job.midiPath;
  renderFrames(ro, haveScore ? &parsedScore : nullptr); // a length over the limit is refused before anything is written
  const std::uint64_t ditherSeed = ro.overrideSeed ? ro.seed : patch.seed;

  WavWriter writer(job.output, static_cast<int>(job.rate), ro.channels, job.format, ditherSeed);
  writer.keepInputs(inputs);
  const RenderStats st = renderPatch(
      patch, haveScore ? &parsedScore : nullptr, ro, [&](const float* const* ch, int n) { writer.write(ch, n); }, progress);
  // Alone, the run is complete once the output is in place; in a batch the stopping signals are
  // already held on this thread (interrupt.h, "Batches").
  holdSignalsUntilExit();
  writer.commit();
  return st;
}

// The whole job: checks its output against what it reads, reads its patches, renders.
inline RenderStats renderJob(const RenderJob& job, RunInputs inputs, const std::function<void(const std::string&)>& diagnose,
                             const Progress& progress = {}) {
  checkRenderJob(job);
  checkOutputTarget(job.output, inputs);
  const PatchGraph patch = readJobPatch(job);
  return renderJobToFile(job, patch, parseSwapPatches(job.swapSpecs), inputs, diagnose, progress);
}

} // namespace mvm::render
