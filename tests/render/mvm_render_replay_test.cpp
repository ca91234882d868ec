// mvm-render --replay, as a user runs it, on sessions recorded here by the engine.

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "command.h"
#include "mvm/control/session_recorder.h"
#include "mvm/mvm.h"
#include "wav_file.h"

using namespace mvm;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Records a short session: fm-bell, notes, a parameter ramp, a swap to delay-reverb with a fade;
// computed on `threads` threads, every program split into tasks however small.
void recordSession(const std::string& dir, int threads = 1) {
  VM vm({48000.0, 2, 0, threads});
  vm.setCrossfade(12.0, FadeCurve::Linear);
  SessionRecorder recorder(dir, vm);
  auto compile = [threads](const std::string& name) {
    CompileOptions co;
    co.keepPatchJson = true;
    co.threads = threads;
    co.parallelMinCost = 0;
    return Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(readFile(std::string(MVM_SOURCE_DIR) + "/patches/" + name), name), co);
  };
  vm.scheduleNewProgram(compile("fm-bell.json"));
  std::vector<float> l(300), r(300);
  float* out[] = {l.data(), r.data()};
  for (int call = 0; call < 120; ++call) {
    if (call % 20 == 1) {
      Event e;
      e.frame = kFrameNow;
      e.type = call % 40 == 1 ? EventType::NoteOn : EventType::NoteOff;
      e.key = static_cast<std::uint8_t>(60 + call % 7);
      e.value = 0.9f;
      vm.postEvent(e);
    }
    if (call == 70) vm.scheduleNewProgram(compile("delay-reverb.json"));
    vm.process(nullptr, out, 300);
    vm.collectRetired();
  }
  ASSERT_TRUE(recorder.finish().complete);
}

bool bitEqual(const render::WavData& a, const render::WavData& b) {
  if (a.channels.size() != b.channels.size() || a.frames() != b.frames()) return false;
  for (std::size_t c = 0; c < a.channels.size(); ++c)
    if (std::memcmp(a.channels[c].data(), b.channels[c].data(), sizeof(float) * a.frames()) != 0) return false;
  return true;
}

} // namespace

TEST(MvmRenderReplay, ReproducesARecordedSessionBitForBit) {
  test::TempDir tmp;
  const std::string dir = tmp / "session";
  recordSession(dir);
  const auto r = test::runCommand(std::string(MVM_RENDER_BIN) + " --replay " + dir + " -o " + (tmp / "replay.wav"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("2 swaps"), std::string::npos) << r.output;
  const render::WavData recorded = render::readWav(dir + "/output.wav");
  const render::WavData replayed = render::readWav(tmp / "replay.wav");
  EXPECT_EQ(replayed.frames(), 120u * 300u / 64u * 64u + 64u);
  EXPECT_TRUE(bitEqual(recorded, replayed));
}

// Threads change no bit: a session recorded on 2 threads replays on 1 and on 3 as it was heard.
TEST(MvmRenderReplay, ReplaysTheSameWhateverTheThreadsOfTheRecordingOrTheReplay) {
  test::TempDir tmp;
  const std::string dir = tmp / "session";
  recordSession(dir, 2);
  const render::WavData recorded = render::readWav(dir + "/output.wav");
  for (const char* threads : {"1", "3"}) {
    const std::string out = tmp / (std::string("replay") + threads + ".wav");
    const auto r = test::runCommand(std::string(MVM_RENDER_BIN) + " --replay " + dir + " --threads " + threads + " -o " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_TRUE(bitEqual(recorded, render::readWav(out))) << threads << " threads";
  }
  EXPECT_EQ(test::runCommand(std::string(MVM_RENDER_BIN) + " --replay " + dir + " --threads 0 -o " + (tmp / "x.wav")).exitCode, 2);
}

TEST(MvmRenderReplay, RejectsNewerMalformedAndMissingSessionsWithTheirExitCodes) {
  test::TempDir tmp;
  const std::string dir = tmp / "session";
  recordSession(dir);
  const std::string original = readFile(dir + "/session.json");
  const std::string bin = std::string(MVM_RENDER_BIN) + " --replay " + dir + " -o " + (tmp / "out.wav");

  nlohmann::json j = nlohmann::json::parse(original);
  j["version"] = 99;
  std::ofstream(dir + "/session.json") << j.dump();
  auto r = test::runCommand(bin);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("session.json: version: session format version 99 is newer than this engine's (1); upgrade Madrona VM"),
            std::string::npos) << r.output;

  j = nlohmann::json::parse(original);
  j["events"][0].erase("type");
  std::ofstream(dir + "/session.json") << j.dump();
  r = test::runCommand(bin);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("session.json: events[0]: missing \"type\""), std::string::npos) << r.output;
  EXPECT_EQ(tmp.fileCount(), 1u) << "a failed replay left a file";

  r = test::runCommand(std::string(MVM_RENDER_BIN) + " --replay " + (tmp / "nowhere") + " -o " + (tmp / "out.wav"));
  EXPECT_EQ(r.exitCode, 3) << r.output;
  EXPECT_NE(r.output.find("nowhere/session.json: cannot open session file"), std::string::npos) << r.output;

  r = test::runCommand(std::string(MVM_RENDER_BIN) + " " + MVM_SOURCE_DIR + "/patches/demo.json --replay " + dir + " -o x.wav");
  EXPECT_EQ(r.exitCode, 2) << r.output;
}
