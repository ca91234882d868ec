// mvm-live as a user meets it, against a real clocked server: each test that plays starts its own
// private jackd (dummy backend, 48 kHz, 512 frames; support/jack_server.h) and stops it by its pid.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "command.h"
#include "jack_server.h"

using mvm::test::ChildProcess;
using mvm::test::JackServer;
using mvm::test::runCommand;
using mvm::test::TempDir;
using namespace std::chrono_literals;

namespace {

const std::string kLive = MVM_LIVE_BIN;
const std::string kDemo = std::string(MVM_SOURCE_DIR) + "/patches/demo.json";

// A modest patch: a few oscillators, a filter, a chorus.
const char* kModest = R"({
  "format": "mvm-patch", "version": 1, "name": "live test: modest", "seed": 3,
  "modules": [
    {"id": "a",   "type": "SineGen", "params": {"freq": 220.0, "amp": 0.2}},
    {"id": "b",   "type": "SineGen", "params": {"freq": 277.2, "amp": 0.2}},
    {"id": "c",   "type": "SineGen", "params": {"freq": 329.6, "amp": 0.2}},
    {"id": "lfo", "type": "SineGen", "params": {"freq": 0.3, "amp": 0.01}},
    {"id": "flt", "type": "Biquad",  "params": {"mode": 0, "cutoff": 1200, "q": 0.9}},
    {"id": "cho", "type": "Chorus",  "params": {"rate": 0.4, "depth": 0.5, "mix": 0.4}},
    {"id": "vca", "type": "Gain",    "params": {"gain": 0.6}},
    {"id": "out", "type": "AudioOut"}
  ],
  "connections": [
    {"from": "lfo.out", "to": "a.pitch"},
    {"from": "a.out", "to": "flt.in"}, {"from": "b.out", "to": "flt.in"}, {"from": "c.out", "to": "flt.in"},
    {"from": "flt.out", "to": "cho.in"},
    {"from": "cho.out", "to": "vca.in"},
    {"from": "vca.out", "to": "out.left"}
  ]
})";

// A one-oscillator patch at `freq` Hz: a different program for each frequency.
std::string tone(double freq, double amp = 0.3) {
  return R"({"format": "mvm-patch", "version": 1, "name": "live test: tone", "seed": 5,
  "modules": [
    {"id": "osc", "type": "SineGen", "params": {"freq": )" + std::to_string(freq) + R"(, "amp": )" + std::to_string(amp) + R"(}},
    {"id": "out", "type": "AudioOut"}
  ],
  "connections": [{"from": "osc.out", "to": "out.left"}]
})";
}

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}
// The way editors save: a new file renamed over the old one.
void writeByRename(const std::string& path, const std::string& text) {
  write(path + ".tmp", text);
  std::rename((path + ".tmp").c_str(), path.c_str());
}

struct Summary {
  bool found = false;
  double seconds = 0, expected = 0, p50 = 0, p99 = 0, max = 0;
  unsigned long long callbacks = 0, xruns = 0, ours = 0, system = 0, swaps = 0, failed = 0;
};

Summary parseSummary(const std::string& output) {
  static const std::regex re(
      R"(mvm-live: ([0-9.]+) s, ([0-9]+) callbacks \(([0-9.]+) expected\), xruns ([0-9]+) \(ours ([0-9]+), system's ([0-9]+)\), )"
      R"(load p50 ([0-9.]+)% p99 ([0-9.]+)% max ([0-9.]+)%, swaps ([0-9]+), failed reloads ([0-9]+), peak)");
  std::smatch m;
  Summary s;
  if (!std::regex_search(output, m, re)) return s;
  s.found = true;
  s.seconds = std::stod(m[1]);
  s.callbacks = std::stoull(m[2]);
  s.expected = std::stod(m[3]);
  s.xruns = std::stoull(m[4]);
  s.ours = std::stoull(m[5]);
  s.system = std::stoull(m[6]);
  s.p50 = std::stod(m[7]);
  s.p99 = std::stod(m[8]);
  s.max = std::stod(m[9]);
  s.swaps = std::stoull(m[10]);
  s.failed = std::stoull(m[11]);
  return s;
}

// The callbacks' audio time (callbacks * period / rate) against the wall-clock time they took.
double clockError(const Summary& s, const JackServer& jack) {
  const double audio = static_cast<double>(s.callbacks) * jack.period() / jack.rate();
  return std::fabs(audio - s.seconds) / s.seconds;
}

#define REQUIRE_JACK()                                                                  \
  if (!JackServer::available()) GTEST_SKIP() << "jackd is not installed (Debian: jackd2)"

// Runs mvm-live against `jack` until it exits; everything it printed.
mvm::test::CommandResult runLive(const JackServer& jack, const std::vector<std::string>& args, std::chrono::seconds timeout) {
  std::vector<std::string> argv{"timeout", std::to_string(timeout.count()), kLive};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess live(argv, {jack.env()});
  mvm::test::CommandResult r;
  r.output = live.readAll(timeout + 5s);
  r.exitCode = live.wait(5s);
  return r;
}

} // namespace

TEST(MvmLive, HelpListsTheOptions) {
  const auto r = runCommand(kLive + " --help");
  EXPECT_EQ(r.exitCode, 0);
  for (const char* flag : {"--api", "--list-devices", "--device", "--rate", "--buffer", "--crossfade-ms", "--watch", "--seconds"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
}

TEST(MvmLive, ABrokenPatchGetsOneLineWithItsPlaceBeforeAnyAudio) {
  TempDir dir;
  const std::string patch = write(dir / "broken.json", "{\n  \"modules\": [\n    {\"id\": \"a\", \"type\": \"SineGen\",}\n  ]\n}\n");
  const auto r = runCommand(kLive + " " + patch + " --api jack");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("broken.json:3:"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST(MvmLive, NoServerIsOneClearLineAndExitStatus3) {
  const auto r = runCommand("JACK_DEFAULT_SERVER=mvmtest_nobody_here timeout 20 " + kLive + " " + kDemo + " --api jack --seconds 1");
  EXPECT_EQ(r.exitCode, 3) << r.output;
  EXPECT_NE(r.output.find("mvm-live: cannot open an audio output (jack: no server running)"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output; // the JACK library kept quiet
}

TEST(MvmLive, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(runCommand(kLive + " " + kDemo + " --api coreaudio").exitCode, 2);
  EXPECT_EQ(runCommand(kLive + " " + kDemo + " --device 0").exitCode, 2); // a device number needs its API
  EXPECT_EQ(runCommand(kLive + " " + kDemo + " --buffer 3").exitCode, 2);
  EXPECT_EQ(runCommand(kLive).exitCode, 2);
}

TEST(MvmLive, ListsTheServersDevicesAndRejectsAMissingOne) {
  REQUIRE_JACK();
  JackServer jack;
  ASSERT_TRUE(jack.ready()) << jack.log();
  const auto list = runLive(jack, {"--list-devices", "--api", "jack"}, 20s);
  EXPECT_EQ(list.exitCode, 0);
  EXPECT_NE(list.output.find("0: system — 2 out"), std::string::npos) << list.output;
  const auto bad = runLive(jack, {kDemo, "--api", "jack", "--device", "7", "--seconds", "1"}, 20s);
  EXPECT_EQ(bad.exitCode, 3);
  EXPECT_NE(bad.output.find("jack: no device 7"), std::string::npos) << bad.output;
  EXPECT_EQ(jack.stop(), 0) << jack.log();
}

// The seed's audio-driven test against a real server: the callbacks keep the server's clock.
TEST(MvmLive, CallbackCountMatchesTheClock) {
  REQUIRE_JACK();
  JackServer jack;
  ASSERT_TRUE(jack.ready()) << jack.log();
  const auto started = std::chrono::steady_clock::now();
  const auto r = runLive(jack, {kDemo, "--api", "jack", "--seconds", "8"}, 30s);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const Summary s = parseSummary(r.output);
  ASSERT_TRUE(s.found) << r.output;
  EXPECT_NEAR(s.seconds, 8.0, 0.1) << r.output;
  EXPECT_GE(elapsed, s.seconds);
  EXPECT_LT(clockError(s, jack), 0.02) << r.output;
  EXPECT_NEAR(static_cast<double>(s.callbacks), s.expected, 0.02 * s.expected) << r.output;
  std::printf("[ figures ] %llu callbacks in %.3f s (%.1f expected, error %.2f%%), xruns ours %llu / system's %llu, load p50 %.1f%% p99 %.1f%% max %.1f%%\n",
              s.callbacks, s.seconds, s.expected, 100 * clockError(s, jack), s.ours, s.system, s.p50, s.p99, s.max);
  EXPECT_NE(r.output.find("through JACK 'system': 48000 Hz, 512 frames"), std::string::npos) << r.output;
  EXPECT_EQ(jack.stop(), 0) << jack.log();
}

// At 512 frames a modest patch never overruns its budget; the system's xruns (this shared
// machine stalls now and then: PLATFORM.md) are allowed, and reported.
TEST(MvmLive, NoXrunsOfOursAt512FramesWithAModestPatch) {
  REQUIRE_JACK();
  TempDir dir;
  const std::string patch = write(dir / "modest.json", kModest);
  JackServer jack(512);
  ASSERT_TRUE(jack.ready()) << jack.log();
  const auto r = runLive(jack, {patch, "--api", "jack", "--buffer", "512", "--seconds", "8"}, 30s);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const Summary s = parseSummary(r.output);
  ASSERT_TRUE(s.found) << r.output;
  EXPECT_EQ(s.ours, 0u) << r.output;
  EXPECT_EQ(s.xruns, s.ours + s.system);
  EXPECT_LT(s.p99, 50.0) << r.output;
  EXPECT_LT(clockError(s, jack), 0.02) << r.output;
  std::printf("[ figures ] modest patch: xruns ours %llu / system's %llu, load p50 %.1f%% p99 %.1f%% max %.1f%%, %llu callbacks (%.1f expected)\n",
              s.ours, s.system, s.p50, s.p99, s.max, s.callbacks, s.expected);
  EXPECT_EQ(jack.stop(), 0) << jack.log();
}

// Without --api the first API that opens is used: here the private JACK server.
TEST(MvmLive, CtrlCStopsCleanlyWithTheSummary) {
  REQUIRE_JACK();
  JackServer jack;
  ASSERT_TRUE(jack.ready()) << jack.log();
  ChildProcess live({kLive, kDemo}, {jack.env()});
  const auto playing = live.waitForLine("mvm-live: playing", 10s);
  ASSERT_TRUE(playing) << live.output();
  EXPECT_NE(playing->find("through JACK"), std::string::npos) << *playing;
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(live.signalAndWait(SIGINT, 10s), 0) << live.output();
  const Summary s = parseSummary(live.readAll(5s));
  ASSERT_TRUE(s.found) << live.output();
  EXPECT_GT(s.callbacks, 20u);
  EXPECT_EQ(jack.stop(), 0) << jack.log();
}

// --watch: a saved edit is swapped in within 200 ms; a broken edit prints its error with its place
// and the old patch keeps playing; the next good edit swaps again.
TEST(MvmLive, WatchSwapsOnSaveAndKeepsPlayingThroughABrokenEdit) {
  REQUIRE_JACK();
  TempDir dir;
  const std::string patch = write(dir / "patch.json", tone(220));
  JackServer jack;
  ASSERT_TRUE(jack.ready()) << jack.log();
  ChildProcess live({"timeout", "40", kLive, patch, "--api", "jack", "--watch", "--seconds", "6"}, {jack.env()});
  ASSERT_TRUE(live.waitForLine("mvm-live: playing", 10s)) << live.output();

  // Five saves, alternately by rename (most editors) and in place.
  std::vector<double> latencies;
  std::uint64_t generation = 1;
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(300ms + 17ms * i); // varies the save's phase against the 50 ms poll
    const auto saved = std::chrono::steady_clock::now();
    if (i % 2 == 0) writeByRename(patch, tone(230 + 10 * i));
    else write(patch, tone(230 + 10 * i));
    ++generation;
    const auto line = live.waitForLine("swapped to generation " + std::to_string(generation), 2s);
    ASSERT_TRUE(line) << live.output();
    latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - saved).count());
  }
  std::string figures;
  for (double l : latencies) {
    EXPECT_LT(l, 200.0);
    figures += " " + std::to_string(static_cast<int>(l + 0.5));
  }
  std::printf("[ figures ] save → \"swapped\" line, ms:%s\n", figures.c_str());

  // A broken edit: one error line with its place; the old program keeps playing.
  std::this_thread::sleep_for(300ms);
  write(patch, "{\n  \"modules\": [\n    {\"id\": \"osc\", \"type\": \"SineGen\",}\n  ]\n}\n");
  const auto error = live.waitForLine("error:", 2s);
  ASSERT_TRUE(error) << live.output();
  EXPECT_NE(error->find("patch.json:3:"), std::string::npos) << *error;
  EXPECT_NE(error->find("still playing generation " + std::to_string(generation)), std::string::npos) << *error;

  // Still running: the next good edit swaps in, as the next generation.
  std::this_thread::sleep_for(500ms);
  writeByRename(patch, tone(440));
  ASSERT_TRUE(live.waitForLine("swapped to generation " + std::to_string(generation + 1), 2s)) << live.output();

  EXPECT_EQ(live.wait(20s), 0) << live.output();
  const Summary s = parseSummary(live.readAll(5s));
  ASSERT_TRUE(s.found) << live.output();
  EXPECT_EQ(s.swaps, 6u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_LT(clockError(s, jack), 0.02) << live.output(); // the callbacks never stopped
  EXPECT_EQ(jack.stop(), 0) << jack.log();
}

// The issue's test: a watched edit is heard — the stream mvm-live sends to the server changes —
// within 100 ms of the save. A JACK client in this process listens to mvm-live's left output and
// stamps every period; the patch alternates between silence and a tone.
TEST(MvmLive, AWatchedEditIsHeardWithin100Milliseconds) {
#ifndef MVM_TEST_HAVE_JACK
  GTEST_SKIP() << "built without the JACK client library";
#else
  REQUIRE_JACK();
  TempDir dir;
  const std::string patch = write(dir / "patch.json", tone(330, 0.0));
  JackServer jack;
  ASSERT_TRUE(jack.ready()) << jack.log();
  ChildProcess live({"timeout", "40", kLive, patch, "--api", "jack", "--watch", "--seconds", "7"}, {jack.env()});
  ASSERT_TRUE(live.waitForLine("mvm-live: playing", 10s)) << live.output();
  auto listener = std::make_unique<mvm::test::JackListener>(jack);
  ASSERT_TRUE(listener->ok());
  ASSERT_TRUE(listener->listenTo("mvm-live:outport 0", 2s));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(listener->firstAfter(std::chrono::steady_clock::now() - 100ms, false, 1e-4f)) << "not silent at first";

  std::vector<double> latencies;
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(300ms + 13ms * i); // varies the save's phase against the 50 ms poll
    const bool loud = i % 2 == 0;
    const auto saved = std::chrono::steady_clock::now();
    writeByRename(patch, tone(330, loud ? 0.3 : 0.0));
    // Loud: the first period above -40 dBFS RMS (the crossfade's first block already is); quiet:
    // the first period below -80 dBFS (after the 20 ms fade).
    const auto heard = listener->waitFor(saved, loud, loud ? 0.01f : 1e-4f, 2s);
    ASSERT_TRUE(heard) << "save " << i << " (" << (loud ? "tone" : "silence") << ") never heard\n" << live.output();
    latencies.push_back(std::chrono::duration<double, std::milli>(heard->at - saved).count());
    ASSERT_TRUE(live.waitForLine("swapped to generation " + std::to_string(i + 2), 2s)) << live.output();
  }
  std::string figures;
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  for (double l : latencies) figures += " " + std::to_string(static_cast<int>(l + 0.5));
  std::printf("[ figures ] save → heard in the stream, ms:%s (median %.0f)\n", figures.c_str(), sorted[sorted.size() / 2]);
  EXPECT_LT(sorted[sorted.size() / 2], 100.0);
  for (double l : latencies) EXPECT_LT(l, 150.0); // 100 ms plus a stall of this shared machine
  listener.reset();
  EXPECT_EQ(live.wait(20s), 0) << live.output();
  EXPECT_EQ(jack.stop(), 0) << jack.log();
#endif
}
