// mvm-render --batch as a user meets it: every output equals the single render of its job, bit for
// bit, however many workers; a failing job is reported with its line and cause while the others
// complete; the summary has a complete record per job.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.h"

using mvm::test::runCommand;
using mvm::test::TempDir;
using nlohmann::json;

namespace {

const std::string kRender = MVM_RENDER_BIN;
const std::string kSource = MVM_SOURCE_DIR;

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A jobs file of the given lines, beside the outputs.
std::string writeJobs(const TempDir& dir, const std::string& name, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  writeText(dir / name, text);
  return dir / name;
}

json readJson(const std::string& path) { return json::parse(readBytes(path)); }

// Jobs over different patches, scores, seeds, formats, block sizes and a parameter override, each
// with the command line that renders the same job alone. Outputs are relative: the jobs file's
// directory is where they land.
struct JobAndSingle {
  std::string line, single, output;
};

std::vector<JobAndSingle> variedJobs(const TempDir& dir, const std::string& prefix) {
  // The single render has no parameter overrides: its patch is the drone with the value edited in.
  json drone = json::parse(readBytes(kSource + "/golden/patches/drone.json"));
  for (json& m : drone["modules"])
    if (m["id"] == "low") m["params"]["freq"] = 82.5;
  writeText(dir / "drone_edited.json", drone.dump());
  const std::string p = kSource + "/";
  return {
      {R"({"patch": ")" + p + R"(patches/demo.json", "output": ")" + prefix + R"(demo.wav", "seconds": 0.4, "seed": 3})",
       "patches/demo.json -s 0.4 --seed 3", prefix + "demo.wav"},
      {R"({"patch": ")" + p + R"(golden/patches/chords.json", "score": ")" + p + R"(golden/scores/chords.json", "output": ")" + prefix +
           R"(chords.wav", "format": "pcm16", "threads": 2})",
       "golden/patches/chords.json --score golden/scores/chords.json -f pcm16 --threads 2", prefix + "chords.wav"},
      {R"({"patch": ")" + p + R"(patches/fm-bell.json", "score": ")" + p + R"(patches/fm-bell.score.json", "output": ")" + prefix +
           R"(bell.wav", "seconds": 0.5, "format": "pcm24", "block": 100, "rate": 44100})",
       "patches/fm-bell.json --score patches/fm-bell.score.json -s 0.5 -f pcm24 --block 100 --rate 44100", prefix + "bell.wav"},
      {R"({"patch": ")" + p + R"(golden/patches/drone.json", "output": ")" + prefix + R"(drone.wav", "seconds": 0.3, "params": {"low": {"freq": 82.5}}})",
       (dir / "drone_edited.json") + " -s 0.3", prefix + "drone.wav"},
      {R"({"patch": ")" + p + R"(golden/patches/swap_a.json", "output": ")" + prefix + R"(swap.wav", "seconds": 0.6, "swap": [")" + "0.25=" + p +
           R"(golden/patches/swap_b.json"], "crossfade-ms": 5})",
       "golden/patches/swap_a.json -s 0.6 --swap 0.25=golden/patches/swap_b.json --crossfade-ms 5", prefix + "swap.wav"},
      {R"({"patch": ")" + p + R"(patches/sync-lead.json", "output": ")" + prefix + R"(lead.wav", "seconds": 0.3, "seed": 18446744073709551615})",
       "patches/sync-lead.json -s 0.3 --seed 18446744073709551615", prefix + "lead.wav"},
  };
}

const char* const kRecordFields[] = {"line", "output", "frames", "peak_dbfs", "rms_dbfs", "clipped", "guarded_blocks",
                                     "late_events", "seconds", "exit_code", "error", "notes"};

} // namespace

TEST(MvmRenderBatch, EveryOutputEqualsTheSingleRenderOfItsJobWithOneWorkerOrTwo) {
  TempDir dir;
  for (const char* workers : {"1", "2"}) {
    const std::string prefix = std::string("w") + workers + "_";
    const auto jobs = variedJobs(dir, prefix);
    std::vector<std::string> lines;
    for (const auto& j : jobs) lines.push_back(j.line);
    const std::string jobsPath = writeJobs(dir, prefix + "jobs.jsonl", lines);
    const auto r = runCommand(kRender + " --batch " + jobsPath + " --jobs " + workers + " --summary " + (dir / (prefix + "summary.json")));
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("6 jobs, 6 rendered, 0 failed"), std::string::npos) << r.output;
    for (const auto& j : jobs) {
      const std::string single = dir / ("single_" + j.output);
      const auto s = runCommand("cd " + kSource + " && " + kRender + " " + j.single + " -o " + single);
      ASSERT_EQ(s.exitCode, 0) << s.output;
      const std::string batch = readBytes(dir / j.output);
      ASSERT_GT(batch.size(), 1000u) << j.output;
      EXPECT_EQ(batch, readBytes(single)) << j.output << " differs from: mvm-render " << j.single;
    }
  }
  for (const auto& j : variedJobs(dir, "")) // one worker and two give the same files
    EXPECT_EQ(readBytes(dir / ("w1_" + j.output)), readBytes(dir / ("w2_" + j.output))) << j.output;
  // The override changed the sound: the drone with its own value is another file.
  ASSERT_EQ(runCommand(kRender + " " + kSource + "/golden/patches/drone.json -s 0.3 -o " + (dir / "drone_own.wav")).exitCode, 0);
  EXPECT_NE(readBytes(dir / "drone_own.wav"), readBytes(dir / "w1_drone.wav"));
}

TEST(MvmRenderBatch, FailingJobsAreReportedWithLineAndCauseWhileTheOthersComplete) {
  TempDir dir;
  const std::string demo = kSource + "/patches/demo.json";
  const std::string good = R"({"patch": ")" + demo + R"(", "output": "good%d.wav", "seconds": 0.2})";
  auto goodLine = [&](int n) { return std::string(good).replace(good.find("%d"), 2, std::to_string(n)); };
  const std::string jobsPath = writeJobs(
      dir, "jobs.jsonl",
      {goodLine(1),
       R"({"patch": "no-such-patch.json", "output": "missing.wav"})",            // line 2: missing patch
       R"({"patch": ")" + demo + R"(" "output": "x.wav"})",                      // line 3: malformed JSON
       "",                                                                      // a blank line is no job
       R"({"patch": ")" + demo + R"(", "output": "p.wav", "seconds": 0.2, "params": {"filter": {"cutof": 900}}})", // line 5
       goodLine(2),
       R"({"patch": ")" + demo + R"(", "output": "no-dir/out.wav", "seconds": 0.2})", // line 7: unwritable output
       R"({"patch": ")" + demo + R"(", "output": "m.wav", "seconds": 0.2, "params": {"fliter": {"cutoff": 900}}})", // line 8
       R"({"patch": ")" + demo + R"(", "output": "k.wav", "sconds": 0.2})",         // line 9: unknown key
       goodLine(3),
       R"({"patch": ")" + demo + R"(", "output": "t.wav", "threads": 0})"}); // line 11: no thread
  const std::string summaryPath = dir / "summary.json";
  const auto r = runCommand(kRender + " --batch " + jobsPath + " --jobs 2 --summary " + summaryPath);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("10 jobs, 3 rendered, 7 failed"), std::string::npos) << r.output;
  for (int n = 1; n <= 3; ++n) EXPECT_GT(readBytes(dir / ("good" + std::to_string(n) + ".wav")).size(), 1000u) << n;

  const json summary = readJson(summaryPath);
  EXPECT_EQ(summary["total"], 10);
  EXPECT_EQ(summary["rendered"], 3);
  EXPECT_EQ(summary["failed"], 7);
  const json& jobs = summary["jobs"];
  ASSERT_EQ(jobs.size(), 10u);
  for (const json& j : jobs)
    for (const char* field : kRecordFields) EXPECT_TRUE(j.contains(field)) << field << " missing in " << j.dump();
  // In input order, blank line skipped; each error names the file and line (and column for JSON).
  const std::vector<int> lines{1, 2, 3, 5, 6, 7, 8, 9, 10, 11};
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(jobs[i]["line"], lines[i]);
  const std::string where = jobsPath + ":";
  struct Expected {
    std::size_t index;
    std::string start, cause;
    int exitCode;
  };
  for (const Expected& e : std::vector<Expected>{{1, where + "2: ", "no-such-patch.json: cannot open patch file", 3},
                                                 {2, where + "3:", "malformed JSON", 1},
                                                 {3, where + "5: ", "parameter \"cutof\": unknown parameter of SVF", 1},
                                                 {5, where + "7: ", "no-dir/out.wav: directory", 3},
                                                 {6, where + "8: ", "the patch has no module \"fliter\"", 1},
                                                 {7, where + "9: ", "unknown key \"sconds\"", 2},
                                                 {9, where + "11: ", "--threads 0: expected 1..64 threads", 2}}) {
    const json& j = jobs[e.index];
    ASSERT_TRUE(j["error"].is_string()) << j.dump();
    const std::string error = j["error"];
    EXPECT_EQ(error.rfind(e.start, 0), 0u) << error;
    EXPECT_NE(error.find(e.cause), std::string::npos) << error;
    EXPECT_EQ(j["exit_code"], e.exitCode) << error;
    EXPECT_TRUE(j["frames"].is_null());
    EXPECT_NE(r.output.find(error), std::string::npos) << "not on stderr: " << error; // and printed as it failed
  }
  const std::string syntax = jobs[2]["error"]; // FILE:3:COLUMN: malformed JSON
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(syntax[where.size() + 2]))) << syntax;
  for (std::size_t i : {0u, 4u, 8u}) {
    const json& j = jobs[i];
    EXPECT_TRUE(j["error"].is_null()) << j.dump();
    EXPECT_EQ(j["frames"], 9600);
    EXPECT_TRUE(j["peak_dbfs"].is_number() && j["peak_dbfs"].get<double>() < 0) << j.dump();
    EXPECT_TRUE(j["rms_dbfs"].is_number() && j["rms_dbfs"] < j["peak_dbfs"]) << j.dump();
    EXPECT_EQ(j["clipped"], 0);
    EXPECT_EQ(j["guarded_blocks"], 0);
    EXPECT_GT(j["seconds"].get<double>(), 0.0);
    EXPECT_EQ(j["output"], dir / ("good" + std::to_string(i / 4 + 1) + ".wav"));
  }
  // No temporary file is left behind by the failed jobs.
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().rfind(".mvm-", 0), std::string::npos) << e.path();
}

TEST(MvmRenderBatch, SummaryLevelsAreTheSingleRendersSummaryLine) {
  TempDir dir;
  const std::string jobsPath =
      writeJobs(dir, "jobs.jsonl", {R"({"patch": ")" + kSource + R"(/patches/demo.json", "output": "d.wav", "seconds": 0.5})"});
  ASSERT_EQ(runCommand(kRender + " --batch " + jobsPath + " --summary " + (dir / "s.json")).exitCode, 0);
  const auto single = runCommand(kRender + " " + kSource + "/patches/demo.json -s 0.5 -o " + (dir / "single.wav"));
  ASSERT_EQ(single.exitCode, 0);
  const json j = readJson(dir / "s.json")["jobs"][0];
  char peak[64];
  std::snprintf(peak, sizeof peak, "peak %.2f dBFS, RMS %.2f dBFS, 0 clipped, 0 guarded blocks", j["peak_dbfs"].get<double>(),
                j["rms_dbfs"].get<double>());
  EXPECT_NE(single.output.find(peak), std::string::npos) << peak << " vs " << single.output;
}

TEST(MvmRenderBatch, BatchUsageErrors) {
  TempDir dir;
  EXPECT_NE(runCommand(kRender + " --help").output.find("--batch"), std::string::npos);
  const std::string jobsPath = writeJobs(dir, "jobs.jsonl", {});
  auto r = runCommand(kRender + " --batch " + jobsPath + " -o x.wav");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  r = runCommand(kRender + " --batch " + jobsPath + " --jobs 0");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  r = runCommand(kRender + " --batch " + (dir / "none.jsonl"));
  EXPECT_EQ(r.exitCode, 3) << r.output;
  r = runCommand(kRender + " --batch " + jobsPath + " --summary " + jobsPath); // never replaces its jobs file
  EXPECT_EQ(r.exitCode, 2) << r.output;
  r = runCommand(kRender + " " + kSource + "/patches/demo.json -o " + (dir / "x.wav") + " --jobs 2");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  r = runCommand(kRender + " " + kSource + "/patches/demo.json -o " + (dir / "x.wav") + " --base-dir " + dir.path().string());
  EXPECT_EQ(r.exitCode, 2) << r.output;
  r = runCommand(kRender + " --batch " + jobsPath + " --base-dir " + jobsPath);
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("--base-dir " + jobsPath + " is not a directory"), std::string::npos) << r.output;
}

// --base-dir: the jobs' relative paths start there, not at the jobs file (how the farm runs a
// chunk of a jobs file copied elsewhere); absolute paths are untouched.
TEST(MvmRenderBatch, RelativePathsStartFromTheBaseDirectory) {
  TempDir jobsDir, base;
  std::filesystem::create_directories(base / "patches");
  std::filesystem::copy_file(kSource + "/patches/demo.json", base / "patches/d.json");
  const std::string jobsPath = writeJobs(jobsDir, "jobs.jsonl",
                                         {R"({"patch": "patches/d.json", "output": "a.wav", "seconds": 0.2})",
                                          R"({"patch": ")" + kSource + R"(/patches/demo.json", "output": ")" + (jobsDir / "b.wav") +
                                              R"(", "seconds": 0.2})"});
  const auto r = runCommand(kRender + " --batch " + jobsPath + " --base-dir " + base.path().string() + " --summary " + (jobsDir / "s.json"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(base / "a.wav"));
  EXPECT_FALSE(std::filesystem::exists(jobsDir / "a.wav"));
  EXPECT_EQ(readBytes(base / "a.wav"), readBytes(jobsDir / "b.wav")); // the same patch and job
  EXPECT_EQ(readJson(jobsDir / "s.json")["jobs"][0]["output"], (base / "a.wav"));
}

// SIGINT while jobs render: exit 130 at once, the finished outputs stay, no temporary file is left
// and no summary is written (the handler's work is done by the batch's signal-watching thread).
TEST(MvmRenderBatch, AnInterruptedBatchKeepsFinishedOutputsAndLeavesNoTemporaryFile) {
  TempDir dir;
  const std::string demo = kSource + "/patches/demo.json";
  std::vector<std::string> lines{R"({"patch": ")" + demo + R"(", "output": "short.wav", "seconds": 0.1})"};
  for (int i = 0; i < 3; ++i) lines.push_back(R"({"patch": ")" + demo + R"(", "output": "long)" + std::to_string(i) + R"(.wav", "seconds": 3000})");
  writeJobs(dir, "jobs.jsonl", lines);
  const auto r = runCommand("cd " + dir.path().string() + " && (" + kRender + " --batch jobs.jsonl --jobs 2 --summary s.json & pid=$!; " +
                            "for i in $(seq 200); do [ -f short.wav ] && [ $(ls -a | grep -c '^[.]mvm-') = 2 ] && break; sleep 0.05; done; " +
                            "kill -INT $pid; wait $pid; echo exit=$?)");
  EXPECT_NE(r.output.find("interrupted; batch not finished, s.json not written"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("exit=130"), std::string::npos) << r.output;
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"jobs.jsonl", "short.wav"}));
}

// 1000 short renders of a small patch, a parameter swept across them: every record complete.
TEST(MvmRenderBatch, AThousandJobSweepCompletesWithACompleteSummary) {
  TempDir dir;
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i)
    lines.push_back(R"({"patch": ")" + kSource + R"(/golden/patches/drone.json", "output": "s)" + std::to_string(i) +
                    R"(.wav", "seconds": 0.05, "params": {"low": {"freq": )" + std::to_string(40 + i) + "}}}");
  const std::string jobsPath = writeJobs(dir, "sweep.jsonl", lines);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = runCommand(kRender + " --batch " + jobsPath + " --jobs 2 --summary " + (dir / "summary.json"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exitCode, 0) << r.output;
  std::printf("1000-job sweep, 2 workers: %.2f s\n", seconds);
  const json summary = readJson(dir / "summary.json");
  ASSERT_EQ(summary["jobs"].size(), 1000u);
  EXPECT_EQ(summary["rendered"], 1000);
  std::set<std::string> distinct;
  for (std::size_t i = 0; i < 1000; ++i) {
    const json& j = summary["jobs"][i];
    EXPECT_EQ(j["line"], i + 1);
    EXPECT_EQ(j["frames"], 2400);
    EXPECT_TRUE(j["error"].is_null());
    if (i % 100 == 0) distinct.insert(readBytes(dir / ("s" + std::to_string(i) + ".wav")));
  }
  EXPECT_EQ(distinct.size(), 10u); // the sweep changed every render
}
