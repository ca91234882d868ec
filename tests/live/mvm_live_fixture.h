#pragma once
// What the mvm-live tests share: the binaries, two patches, the summary line parsed, and a runner
// against a private jackd (support/jack_server.h).

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "command.h"
#include "jack_server.h"

namespace mvm::test::live {

// What the mvm-live test files use from the shared support (support/command.h, jack_server.h).
using mvm::test::ChildProcess;
using mvm::test::JackServer;
using mvm::test::runCommand;
using mvm::test::TempDir;

using namespace std::chrono_literals;


inline const std::string kLive = MVM_LIVE_BIN;
inline const std::string kLiveProbed = MVM_LIVE_PROBED_BIN; // counts the audio callback's allocations
inline const std::string kDemo = std::string(MVM_SOURCE_DIR) + "/patches/demo.json";

// A modest patch: a few oscillators, a filter, a chorus.
inline const char* kModest = R"({
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
    {"from": "cho.left", "to": "vca.in"},
    {"from": "vca.out", "to": "out.left"}
  ]
})";

// A one-oscillator patch at `freq` Hz: a different program for each frequency.
inline std::string tone(double freq, double amp = 0.3) {
  return R"({"format": "mvm-patch", "version": 1, "name": "live test: tone", "seed": 5,
  "modules": [
    {"id": "osc", "type": "SineGen", "params": {"freq": )" + std::to_string(freq) + R"(, "amp": )" + std::to_string(amp) + R"(}},
    {"id": "out", "type": "AudioOut"}
  ],
  "connections": [{"from": "osc.out", "to": "out.left"}]
})";
}

inline std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}
// The way editors save: a new file renamed over the old one.
inline void writeByRename(const std::string& path, const std::string& text) {
  write(path + ".tmp", text);
  std::rename((path + ".tmp").c_str(), path.c_str());
}

struct Summary {
  bool found = false;
  double seconds = 0, expected = 0, p50 = 0, p99 = 0, max = 0;
  double rssMb = -1, lockedMb = -1, jackSharedMb = 0; // -1: not in the line
  long long audioThreadPageFaults = -1;
  unsigned long long callbacks = 0, xruns = 0, ours = 0, system = 0, swaps = 0, failed = 0;
};

inline Summary parseSummary(const std::string& output) {
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
  static const std::regex memory(R"(, RSS ([0-9.]+) MB \(growth [-+0-9.]+ MB\)(, JACK's shared memory ([0-9.]+) MB of it)?, locked ([0-9.]+) MB)");
  if (std::smatch mm; std::regex_search(output, mm, memory)) {
    s.rssMb = std::stod(mm[1]);
    if (mm[3].matched) s.jackSharedMb = std::stod(mm[3]);
    s.lockedMb = std::stod(mm[4]);
  }
  static const std::regex faults(R"(, audio-thread page faults ([0-9]+))");
  if (std::smatch mf; std::regex_search(output, mf, faults)) s.audioThreadPageFaults = std::stoll(mf[1]);
  return s;
}

// The callbacks' audio time (callbacks * period / rate) against the wall-clock time they took.
inline double clockError(const Summary& s, const JackServer& jack) {
  const double audio = static_cast<double>(s.callbacks) * jack.period() / jack.rate();
  return std::fabs(audio - s.seconds) / s.seconds;
}

#define REQUIRE_JACK()                                                                  \
  if (!JackServer::available()) GTEST_SKIP() << "jackd is not installed (Debian: jackd2)"

// Runs `binary` (kLive or kLiveProbed) against `jack` until it exits; everything it printed.
inline mvm::test::CommandResult runLiveBinary(const std::string& binary, const JackServer& jack, const std::vector<std::string>& args,
                                              std::chrono::seconds timeout) {
  std::vector<std::string> argv{"timeout", std::to_string(timeout.count()), binary};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess live(argv, {jack.env()});
  mvm::test::CommandResult r;
  r.output = live.readAll(timeout + 5s);
  r.exitCode = live.wait(5s);
  return r;
}

inline mvm::test::CommandResult runLive(const JackServer& jack, const std::vector<std::string>& args, std::chrono::seconds timeout) {
  return runLiveBinary(kLive, jack, args, timeout);
}

inline nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

} // namespace mvm::test::live
