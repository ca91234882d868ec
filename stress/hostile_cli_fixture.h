#pragma once
// The fixture of the hostile command-line tests (hostile_cli_test.cpp): mvm-render run as a user
// would, inputs in `in/`, outputs in `out/`, and the bad files each case needs.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>
#include "command.h"
#include "mvm/mvm.h"

namespace mvm::test::hostile {

namespace fs = std::filesystem;
using mvm::test::runCommand;
using mvm::test::TempDir;

const std::string kRender = MVM_RENDER_BIN;
const std::string kDemo = std::string(MVM_SOURCE_DIR) + "/patches/demo.json";

inline void writeFile(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A minimal Standard MIDI File: one track, a tempo, `delta` ticks of nothing, the end.
inline std::string midiFile(std::uint32_t tempoMicros, std::uint32_t delta) {
  std::string track;
  track += std::string("\x00\xFF\x51\x03", 4);
  track += static_cast<char>(tempoMicros >> 16);
  track += static_cast<char>(tempoMicros >> 8);
  track += static_cast<char>(tempoMicros);
  std::string vlq;
  vlq += static_cast<char>(delta & 0x7F);
  for (delta >>= 7; delta > 0; delta >>= 7) vlq.insert(vlq.begin(), static_cast<char>(0x80 | (delta & 0x7F)));
  track += vlq + std::string("\xFF\x2F\x00", 3);
  std::string f("MThd\0\0\0\x06\0\0\0\x01\0\x60MTrk", 18);
  const auto n = static_cast<std::uint32_t>(track.size());
  f += static_cast<char>(n >> 24);
  f += static_cast<char>(n >> 16);
  f += static_cast<char>(n >> 8);
  f += static_cast<char>(n);
  return f + track;
}

inline std::string sessionJson(std::uint64_t frames) {
  mvm::Session s;
  s.frames = frames;
  mvm::SessionPatch p;
  p.json = readFile(kDemo);
  p.json = nlohmann::json::parse(p.json).dump();
  s.patches.push_back(p);
  mvm::SessionSwap w;
  w.generation = 1;
  w.loaded = true;
  s.swaps.push_back(w);
  return mvm::sessionToJson(s).dump();
}

inline void makeSocket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path;
  ::close(fd); // the socket file stays
}

// A sine through `n` modules of `type` in a chain, to the left output.
inline nlohmann::json chainPatch(int n, const std::string& type, const nlohmann::json& params) {
  nlohmann::json j;
  j["modules"].push_back({{"id", "osc"}, {"type", "SineGen"}});
  std::string prev = "osc.out";
  for (int i = 0; i < n; ++i) {
    const std::string id = "m" + std::to_string(i);
    j["modules"].push_back({{"id", id}, {"type", type}, {"params", params}});
    j["connections"].push_back({{"from", prev}, {"to", id + ".in"}});
    prev = id + ".out";
  }
  j["modules"].push_back({{"id", "out"}, {"type", "AudioOut"}});
  j["connections"].push_back({{"from", prev}, {"to", "out.left"}});
  return j;
}

// Inputs in `in/`, outputs in `out/`: `out/` must hold nothing a failed case wrote.
class HostileCli : public ::testing::Test {
protected:
  void SetUp() override {
    fs::create_directory(dir_.path() / "in");
    fs::create_directory(dir_.path() / "out");
    fs::copy_file(kDemo, in("patch.json"));
    writeFile(in("score.json"), R"({"events": [{"time": 0.1, "type": "noteOn", "note": 60}]})");
    writeFile(in("song.mid"), midiFile(500000, 96));
    fs::create_directory(dir_.path() / "in" / "session");
    writeFile(in("session/session.json"), sessionJson(4800 * 64 / 64));
    ASSERT_EQ(runCommand(kRender + " " + kDemo + " -s 0.2 -o " + in("input.wav")).exitCode, 0);
  }
  std::string in(const std::string& name) const { return dir_ / ("in/" + name); }
  std::string out(const std::string& name) const { return dir_ / ("out/" + name); }

  // Runs one case; expects the exit code and a line matching `pattern`; then that out/ is empty.
  void expectCase(const std::string& args, int exitCode, const std::string& pattern) {
    const auto r = runCommand(kRender + " " + args);
    ++cases_;
    EXPECT_EQ(r.exitCode, exitCode) << args << "\n" << r.output;
    EXPECT_TRUE(std::regex_search(r.output, std::regex(pattern))) << args << "\nexpected /" << pattern << "/ in\n" << r.output;
    expectNothingLeft(args);
  }
  // out/ holds nothing but the fixtures the case put there; then it is emptied.
  void expectNothingLeft(const std::string& what) {
    for (const auto& e : fs::directory_iterator(dir_.path() / "out"))
      if (!fixtures_.count(e.path().filename().string())) ADD_FAILURE() << what << " left " << e.path();
    fs::remove_all(dir_.path() / "out");
    fs::create_directory(dir_.path() / "out");
    fixtures_.clear();
  }
  std::string fixture(const std::string& name) {
    fixtures_.insert(name);
    return out(name);
  }
  // The same for a case whose output is written: the output and nothing else.
  void expectOnly(const std::string& name) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_.path() / "out")) {
      ++n;
      EXPECT_EQ(e.path().filename().string(), name);
    }
    EXPECT_EQ(n, 1u);
    fs::remove_all(dir_.path() / "out");
    fs::create_directory(dir_.path() / "out");
  }

  TempDir dir_;
  std::set<std::string> fixtures_;
  int cases_ = 0;
};

} // namespace mvm::test::hostile
