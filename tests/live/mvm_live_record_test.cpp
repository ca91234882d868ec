// mvm-live --record, against a private dummy jackd (support/jack_server.h): a scripted session —
// swaps by editing the watched file, a broken edit, notes and parameter moves on the console, a
// rollback — then mvm-render --replay of the recording equals its output.wav bit for bit.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "command.h"
#include "jack_server.h"
#include "mvm/control/session.h"
#include "wav_file.h"

using mvm::test::ChildProcess;
using mvm::test::JackServer;
using mvm::test::TempDir;
using namespace std::chrono_literals;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// The way editors save: a new file renamed over the old one.
void save(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp") << text;
  std::rename((path + ".tmp").c_str(), path.c_str());
}
// poly-subtractive.json with another filter cutoff: a different program, same modules.
std::string withCutoff(const std::string& patch, int cutoff) {
  std::string p = patch;
  const std::string key = "\"cutoff\": 350";
  p.replace(p.find(key), key.size(), "\"cutoff\": " + std::to_string(cutoff));
  return p;
}

} // namespace

TEST(MvmLiveRecord, AScriptedLiveSessionReplaysBitForBit) {
  if (!JackServer::available()) GTEST_SKIP() << "jackd is not installed (Debian: jackd2)";
  TempDir dir;
  const std::string original = readFile(std::string(MVM_SOURCE_DIR) + "/patches/poly-subtractive.json");
  const std::string patch = dir / "patch.json", session = dir / "session";
  save(patch, original);
  JackServer jack;
  ASSERT_TRUE(jack.ready()) << jack.log();
  ChildProcess live({"timeout", "40", MVM_LIVE_BIN, patch, "--api", "jack", "--watch", "--crossfade-ms", "10", "--record", session},
                    {jack.env()}, "", true);
  ASSERT_TRUE(live.waitForLine("mvm-live: playing", 10s)) << live.output();

  ASSERT_TRUE(live.writeInput("note on 60 100\n"));
  ASSERT_TRUE(live.waitForLine("note on 60", 2s)) << live.output();
  ASSERT_TRUE(live.writeInput("note on C5 90\n"));
  std::this_thread::sleep_for(150ms);
  ASSERT_TRUE(live.writeInput("set filter.cutoff 1200\n"));
  ASSERT_TRUE(live.waitForLine("filter.cutoff = 1200", 2s)) << live.output();
  std::this_thread::sleep_for(150ms);

  save(patch, withCutoff(original, 800)); // a swap by the watcher
  ASSERT_TRUE(live.waitForLine("swapped to generation 2", 3s)) << live.output();
  ASSERT_TRUE(live.writeInput("set filter.resonance 0.8\n"));
  std::this_thread::sleep_for(200ms);
  save(patch, "{\"modules\": [{\"id\": \"x\", \"type\": \"NoSuchModule\"}]}\n"); // a broken edit
  ASSERT_TRUE(live.waitForLine("error:", 3s)) << live.output();
  ASSERT_TRUE(live.writeInput("note off 60\n"));
  std::this_thread::sleep_for(150ms);
  save(patch, withCutoff(original, 2000));
  ASSERT_TRUE(live.waitForLine("swapped to generation 3", 3s)) << live.output();
  std::this_thread::sleep_for(150ms);
  ASSERT_TRUE(live.writeInput("rollback\n"));
  ASSERT_TRUE(live.waitForLine("swapped to generation 4", 3s)) << live.output();
  ASSERT_TRUE(live.writeInput("note on 55 127\n"));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(live.writeInput("quit\n"));
  EXPECT_EQ(live.wait(15s), 0) << live.output();
  const std::string output = live.readAll(5s);
  EXPECT_NE(output.find("mvm-live: recorded " + session), std::string::npos) << output;
  EXPECT_EQ(jack.stop(), 0) << jack.log();

  const mvm::Session s = mvm::readSession(session);
  EXPECT_TRUE(s.complete) << output;
  EXPECT_EQ(s.droppedFrames, 0u);
  EXPECT_EQ(s.swaps.size(), 4u); // the first patch, two edits, the rollback (the broken edit never reached the VM)
  std::size_t notes = 0, params = 0;
  for (const mvm::Event& e : s.events) (e.type == mvm::EventType::ParamSet ? params : notes) += 1;
  EXPECT_EQ(notes, 4u);
  EXPECT_EQ(params, 2u);

  const auto r = mvm::test::runCommand(std::string(MVM_RENDER_BIN) + " --replay " + session + " -o " + (dir / "replay.wav"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const mvm::render::WavData recorded = mvm::render::readWav(session + "/output.wav");
  const mvm::render::WavData replayed = mvm::render::readWav(dir / "replay.wav");
  ASSERT_EQ(recorded.channels.size(), replayed.channels.size());
  ASSERT_EQ(recorded.frames(), replayed.frames());
  ASSERT_EQ(recorded.frames(), s.frames);
  std::uint64_t differing = 0;
  double energy = 0;
  for (std::size_t c = 0; c < recorded.channels.size(); ++c)
    for (std::size_t i = 0; i < recorded.frames(); ++i) {
      differing += std::memcmp(&recorded.channels[c][i], &replayed.channels[c][i], sizeof(float)) != 0;
      energy += static_cast<double>(recorded.channels[c][i]) * recorded.channels[c][i];
    }
  EXPECT_EQ(differing, 0u) << "the replay differs from what was played";
  EXPECT_GT(energy, 1.0) << "the recording is silent: the comparison would prove nothing";
  std::printf("[ figures ] live session: %llu frames (%.2f s) compared bit for bit, %zu events, %zu swaps, %llu dropped; "
              "session.json %zu bytes\n",
              static_cast<unsigned long long>(recorded.frames()), static_cast<double>(recorded.frames()) / s.sampleRate, s.events.size(),
              s.swaps.size(), static_cast<unsigned long long>(s.droppedFrames), readFile(session + "/session.json").size());
}
