#pragma once
// mvm-render --batch JOBS.jsonl: many renders, one per line of a JSON Lines file, on worker
// threads. Each job runs renderJob (render_job.h), the single render's own function, and the
// engine keeps no mutable state between renders (the module registry and tables are built once
// and then only read; the live counters are atomic), so each file equals the one the single
// render of the same job writes, bit for bit, whichever thread renders it and whatever ran there
// before. A job that fails is recorded with its line and cause; the others go on.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cfenv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "interrupt.h"
#include "render_errors.h"
#include "render_job.h"

namespace mvm::render {

inline constexpr std::size_t kMaxJobsFileBytes = 64u << 20;
inline constexpr unsigned kMaxBatchWorkers = 1024;

// A line of the jobs file that is not one JSON object: its message already names line and column.
class JobSyntaxError : public PatchError {
public:
  using PatchError::PatchError;
};

// One job as planned before anything renders: the render, or why its line cannot be one.
struct PlannedJob {
  std::size_t line = 0;
  std::optional<RenderJob> job;
  std::optional<Failure> refused;
};

// What became of one job: the single render's summary figures, or its error.
struct JobRecord {
  std::size_t line = 0;
  std::string output;
  std::optional<RenderStats> stats; // none: failed
  double wallSeconds = 0;
  Failure failure{kOk, {}};
  std::vector<std::string> notes;   // the compiler's reports ("note:" lines of a single render)
};

// A relative path of a job is relative to the jobs file's directory, so a jobs file and its
// patches move together (and a farm can run it from anywhere).
inline std::string resolveJobPath(const std::filesystem::path& base, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base / path).string();
}

namespace batch_detail {

inline const char* const kJobKeys = "patch, output, score, midi, input, seconds, rate, format, block, threads, seed, "
                                    "swap, crossfade-ms, crossfade-curve, params";

inline std::string stringField(const nlohmann::json& v, const std::string& key) {
  if (!v.is_string()) throw UsageError("\"" + key + "\": expected a string, got " + jsonExcerpt(v));
  return v.get<std::string>();
}
inline double numberField(const nlohmann::json& v, const std::string& key) {
  if (!v.is_number()) throw UsageError("\"" + key + "\": expected a number, got " + jsonExcerpt(v));
  return v.get<double>();
}

// One key of a job line into `job`, with the check and the words of the option it stands for.
inline void readJobKey(RenderJob& job, const std::string& key, const nlohmann::json& v, const std::filesystem::path& base) {
  if (key == "patch") job.patchPath = resolveJobPath(base, stringField(v, key));
  else if (key == "output") job.output = resolveJobPath(base, stringField(v, key));
  else if (key == "score") job.scorePath = resolveJobPath(base, stringField(v, key));
  else if (key == "midi") job.midiPath = resolveJobPath(base, stringField(v, key));
  else if (key == "input") job.inputPath = resolveJobPath(base, stringField(v, key));
  else if (key == "seconds") job.seconds = numberField(v, key);
  else if (key == "rate") job.rate = numberField(v, key);
  else if (key == "crossfade-ms") job.crossfadeMs = numberField(v, key);
  else if (key == "crossfade-curve") job.curve = cli::parseCrossfadeCurve(stringField(v, key));
  else if (key == "block") {
    const auto block = jsonIntegerWithin(v, 1, 65536);
    if (!block) throw UsageError("--block " + jsonExcerpt(v) + ": expected 1..65536 frames");
    job.block = static_cast<int>(*block);
  } else if (key == "threads") {
    const auto threads = jsonIntegerWithin(v, 1, WorkerPool::kMaxThreads);
    if (!threads) throw UsageError("--threads " + jsonExcerpt(v) + ": expected 1.." + std::to_string(WorkerPool::kMaxThreads) + " threads");
    job.threads = static_cast<int>(*threads);
  } else if (key == "seed") {
    job.seed = cli::parseSeed(v.is_string() ? v.get<std::string>() : v.dump()); // 1.5, -1, true: refused as on the command line
    job.haveSeed = true;
  } else if (key == "format") {
    try {
      job.format = parseSampleFormat(stringField(v, key));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--format: ") + e.what());
    }
  } else if (key == "swap") {
    if (!v.is_array()) throw UsageError("\"swap\": expected an array of \"TIME=PATCH.json\", got " + jsonExcerpt(v));
    for (const nlohmann::json& s : v) {
      auto [seconds, path] = parseSwapSpec(stringField(s, "swap"));
      job.swapSpecs.push_back({seconds, resolveJobPath(base, path)});
    }
  } else if (key == "params") {
    job.paramOverrides = v; // checked against the patch when it is read (render_job.h)
  } else {
    throw UsageError("unknown key " + inQuotes(key) + " (a job has: " + kJobKeys + ")");
  }
}

} // namespace batch_detail

// A line of the jobs file → its render. Throws JobSyntaxError (not one JSON object, with line and
// column) or what the option checks throw (UsageError), without the line: the caller adds it.
inline RenderJob parseJobLine(const std::string& text, std::size_t line, const std::string& jobsPath, const std::filesystem::path& base) {
  nlohmann::json j;
  try {
    j = parseJsonText<PatchError>(text, jobsPath);
  } catch (const PatchError& e) {
    if (e.line() > 0) throw JobSyntaxError(jobsPath, "", e.cause(), static_cast<int>(line), e.column());
    throw JobSyntaxError(jobsPath + ":" + std::to_string(line), "", e.cause());
  }
  if (!j.is_object()) throw JobSyntaxError(jobsPath + ":" + std::to_string(line), "", "a job is a JSON object {\"patch\": ..., \"output\": ...}, got " + jsonExcerpt(j));
  RenderJob job;
  for (const auto& [key, value] : j.items()) batch_detail::readJobKey(job, key, value, base);
  if (job.patchPath.empty()) throw UsageError("no patch: give \"patch\": \"PATCH.json\"");
  if (job.output.empty()) throw UsageError("no output file: give \"output\": \"OUT.wav\"");
  checkRenderJob(job);
  return job;
}

// Every job of the file, in order. Blank lines are no jobs. Two jobs writing one file would leave
// whichever finished last: the second is refused (paths compared as written, made absolute), as is
// a job writing the summary.
// Relative paths resolve against `baseDir`, or the jobs file's directory when it is empty.
inline std::vector<PlannedJob> planJobs(const std::string& jobsPath, const std::string& summaryPath, const std::string& baseDir = "") {
  const std::string text = PatchParser::readTextFile(jobsPath, kMaxJobsFileBytes, "jobs file");
  const std::filesystem::path base = baseDir.empty() ? std::filesystem::path(jobsPath).parent_path() : std::filesystem::path(baseDir);
  const std::string where = jobsPath + ":";
  std::map<std::string, std::size_t> writers; // absolute output → line (0: the summary)
  if (!summaryPath.empty()) writers[std::filesystem::absolute(summaryPath).lexically_normal().string()] = 0;
  std::vector<PlannedJob> plan;
  std::size_t line = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::string lineText = text.substr(at, end - at);
    at = end + 1;
    ++line;
    if (lineText.find_first_not_of(" \t\r") == std::string::npos) continue;
    PlannedJob p;
    p.line = line;
    try {
      p.job = parseJobLine(lineText, line, jobsPath, base);
      const auto [it, first] = writers.emplace(std::filesystem::absolute(p.job->output).lexically_normal().string(), line);
      if (!first)
        throw UsageError("output " + p.job->output + " is also " + (it->second ? "the output of line " + std::to_string(it->second) : "the summary"));
    } catch (const JobSyntaxError& e) {
      p.job.reset();
      p.refused = Failure{kBadInput, e.what()};
    } catch (...) {
      p.job.reset();
      Failure f = describeCurrentException();
      p.refused = Failure{f.exitCode, where + std::to_string(line) + ": " + f.message};
    }
    plan.push_back(std::move(p));
  }
  return plan;
}

// Renders one planned job; never throws.
inline JobRecord runPlannedJob(const PlannedJob& p, const std::string& jobsPath) {
  JobRecord r;
  r.line = p.line;
  if (p.refused) {
    r.failure = *p.refused;
    return r;
  }
  r.output = p.job->output;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    RunInputs inputs = jobInputs(*p.job);
    inputs.add(jobsPath);
    r.stats = renderJob(*p.job, inputs, [&r](const std::string& d) { r.notes.push_back(d); });
  } catch (...) {
    Failure f = describeCurrentException();
    r.failure = Failure{f.exitCode, jobsPath + ":" + std::to_string(p.line) + ": " + f.message};
  }
  r.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// How far a batch has come, for its progress line.
struct BatchProgress {
  std::size_t done = 0, total = 0, failed = 0;
  double elapsedSeconds = 0;
};

// Runs the plan on `workers` threads; `onFailure` is called (on this thread) with each failed
// record as it is known, `onProgress` at least every 100 ms. Records come back in input order.
inline std::vector<JobRecord> renderPlannedJobs(const std::vector<PlannedJob>& plan, const std::string& jobsPath, unsigned workers,
                                                const std::function<void(const JobRecord&)>& onFailure,
                                                const std::function<void(const BatchProgress&)>& onProgress) {
  std::vector<JobRecord> records(plan.size());
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::condition_variable finishedOne;
  std::vector<std::size_t> finished; // indices not yet reported, under `mutex`
  // Every render starts from the floating-point environment a single render starts from: the VM
  // sets flush-to-zero on its thread, and a compile after an earlier job must not run with it.
  std::fenv_t startEnvironment;
  std::fegetenv(&startEnvironment);
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < plan.size();) {
      std::fesetenv(&startEnvironment);
      JobRecord r = runPlannedJob(plan[i], jobsPath);
      std::lock_guard lock(mutex);
      records[i] = std::move(r);
      finished.push_back(i);
      finishedOne.notify_one();
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < std::min<std::size_t>(workers, plan.size()); ++w) threads.emplace_back(work);
  BatchProgress progress;
  progress.total = plan.size();
  std::unique_lock lock(mutex);
  while (true) {
    finishedOne.wait_for(lock, std::chrono::milliseconds(100), [&] { return !finished.empty(); });
    for (std::size_t i : finished) {
      ++progress.done;
      if (!records[i].stats) {
        ++progress.failed;
        onFailure(records[i]);
      }
    }
    finished.clear();
    progress.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    onProgress(progress);
    if (progress.done == progress.total) break;
  }
  lock.unlock();
  for (std::thread& t : threads) t.join();
  return records;
}

// A level in dBFS as the summary line rounds it (2 decimals); null for silence (-inf dBFS).
inline nlohmann::ordered_json dbfsField(double db) {
  if (!std::isfinite(db)) return nullptr;
  return std::round(db * 100.0) / 100.0;
}

// The summary document (docs/farm.md, "Summary"): one record per job, in input order.
inline nlohmann::ordered_json batchSummary(const std::string& jobsPath, unsigned workers, const std::vector<JobRecord>& records, double wallSeconds) {
  nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
  std::size_t failed = 0;
  for (const JobRecord& r : records) {
    nlohmann::ordered_json j;
    j["line"] = r.line;
    j["output"] = r.output.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.output);
    j["frames"] = r.stats ? nlohmann::ordered_json(r.stats->frames) : nlohmann::ordered_json(nullptr);
    j["peak_dbfs"] = r.stats ? dbfsField(r.stats->peakDb()) : nlohmann::ordered_json(nullptr);
    j["rms_dbfs"] = r.stats ? dbfsField(r.stats->rmsDb()) : nlohmann::ordered_json(nullptr);
    j["clipped"] = r.stats ? nlohmann::ordered_json(r.stats->clippedSamples) : nlohmann::ordered_json(nullptr);
    j["guarded_blocks"] = r.stats ? nlohmann::ordered_json(r.stats->guardedBlocks) : nlohmann::ordered_json(nullptr);
    j["late_events"] = r.stats ? nlohmann::ordered_json(r.stats->lateEvents) : nlohmann::ordered_json(nullptr);
    j["seconds"] = std::round(r.wallSeconds * 1e6) / 1e6;
    j["exit_code"] = r.failure.exitCode;
    j["error"] = r.stats ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.failure.message);
    j["notes"] = r.notes;
    failed += r.stats ? 0 : 1;
    jobs.push_back(std::move(j));
  }
  return {{"jobs_file", jobsPath}, {"workers", workers},          {"total", records.size()}, {"rendered", records.size() - failed},
          {"failed", failed},      {"seconds", std::round(wallSeconds * 1e3) / 1e3}, {"jobs", std::move(jobs)}};
}

// Writes `text` to `path` through a temporary file beside it, moved into place (unless `path` has
// become an input or something other than a regular file): a failed or interrupted write leaves
// the old file or none. Throws OutputError.
inline void writeFileAtomically(const std::string& path, const std::string& text, const RunInputs& inputs) {
  TempOutputFile file(path);
  for (std::size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(file.fd(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw OutputError(path + ": cannot write: " + std::strerror(n < 0 ? errno : ENOSPC)); // file removes the temporary file
    written += static_cast<std::size_t>(n);
  }
  file.commit(inputs);
}

// mvm-render --batch JOBS.jsonl [--jobs N] [--summary SUMMARY.json] [--base-dir DIR]. Prints each
// failed job as it fails, a progress line on a terminal, and a final line; 0 when every job
// rendered, else 1. Errors of the batch itself (its jobs file, --jobs, --base-dir, the summary)
// are thrown for main to report.
inline int batchCommand(const std::string& jobsPath, unsigned workers, const std::string& summaryPath, const std::string& baseDir = "") {
  cli::requireRange("--jobs", workers, 1u, kMaxBatchWorkers);
  if (std::error_code ec; !baseDir.empty() && !std::filesystem::is_directory(baseDir, ec))
    throw UsageError("--base-dir " + baseDir + " is not a directory");
  RunInputs batchInputs;
  batchInputs.add(jobsPath);
  if (!summaryPath.empty()) checkOutputTarget(summaryPath, batchInputs); // refused before an hour of renders, not after
  setInterruptNotice(summaryPath.empty() ? "batch not finished" : "batch not finished, " + summaryPath);
  const std::vector<PlannedJob> plan = planJobs(jobsPath, summaryPath, baseDir);
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  const char* clearLine = terminal ? "\r\033[K" : "";
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<JobRecord> records;
  {
    BatchSignalWatcher signals(workers);
    records = renderPlannedJobs(
        plan, jobsPath, workers, [&](const JobRecord& r) { std::fprintf(stderr, "%smvm-render: %s\n", clearLine, printableLine(r.failure.message).c_str()); },
        [&](const BatchProgress& p) {
          if (!terminal) return;
          std::fprintf(stderr, "\rbatch: %zu / %zu jobs done, %zu failed, %.1f s", p.done, p.total, p.failed, p.elapsedSeconds);
          if (p.done == p.total) std::fprintf(stderr, "\r\033[K");
          std::fflush(stderr);
        });
  }
  const double wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const nlohmann::ordered_json summary = batchSummary(jobsPath, workers, records, wallSeconds);
  if (!summaryPath.empty()) writeFileAtomically(summaryPath, summary.dump(2) + "\n", batchInputs);
  const std::size_t failed = summary["failed"].get<std::size_t>();
  std::printf("%s: %zu jobs, %zu rendered, %zu failed, %.2f s on %u workers%s\n", printableLine(jobsPath).c_str(), records.size(),
              records.size() - failed, failed, wallSeconds, workers, summaryPath.empty() ? "" : ("; summary " + printableLine(summaryPath)).c_str());
  return failed == 0 ? kOk : kBadInput;
}

} // namespace mvm::render
