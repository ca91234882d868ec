#include "mvm/control/session_recorder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "command.h"
#include "mvm/mvm.h"
#include "rt_probe.h"
#include "wav_file.h"

using namespace mvm;
using namespace std::chrono_literals;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string patchText(const std::string& name) { return readFile(std::string(MVM_SOURCE_DIR) + "/patches/" + name); }

// A live-like host: a thread calling VM::process on a wall-clock schedule with host buffers of
// odd, changing sizes, keeping every frame it was handed (preallocated: no allocation on it).
class CapturingHost {
public:
  CapturingHost(VM& vm, double seconds) : vm_(vm) {
    const auto frames = static_cast<std::size_t>(seconds * vm.config().sampleRate);
    for (auto& c : captured_) c.assign(frames, 0.0f);
    thread_ = std::thread([this] { run(); });
  }
  ~CapturingHost() { stop(); }
  void stop() {
    running_.store(false);
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t frames() const { return done_.load(); }
  const std::vector<float>& channel(int c) const { return captured_[static_cast<std::size_t>(c)]; }

private:
  void run() {
    static constexpr int kSizes[] = {37, 128, 5, 256, 61, 100, 1, 64};
    const double rate = vm_.config().sampleRate;
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t i = 0;
    while (running_.load()) {
      const auto n = static_cast<std::uint64_t>(kSizes[i++ % std::size(kSizes)]);
      const std::uint64_t done = done_.load();
      if (done + n > captured_[0].size()) break;
      float* out[] = {captured_[0].data() + done, captured_[1].data() + done};
      vm_.process(nullptr, out, static_cast<int>(n));
      done_.store(done + n);
      std::this_thread::sleep_until(t0 + std::chrono::nanoseconds(static_cast<long long>(1e9 * static_cast<double>(done + n) / rate)));
    }
  }

  VM& vm_;
  std::vector<float> captured_[2];
  std::atomic<bool> running_{true};
  std::atomic<std::uint64_t> done_{0};
  std::thread thread_;
};

struct Replayed {
  ReplayStats stats;
  std::vector<std::vector<float>> channels;
};
Replayed replay(const std::string& dir) {
  Replayed r;
  const Session s = readSession(dir);
  r.channels.resize(static_cast<std::size_t>(s.channels));
  r.stats = replaySession(s, [&](const float* const* ch, int n) {
    for (std::size_t c = 0; c < r.channels.size(); ++c) r.channels[c].insert(r.channels[c].end(), ch[c], ch[c] + n);
  }, builtinModules());
  return r;
}

// Frames that differ bit for bit (or are missing in one of the two), over every channel.
std::uint64_t bitDifferences(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return ~std::uint64_t{0};
  std::uint64_t diff = 0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    const std::size_t n = std::min(a[c].size(), b[c].size());
    diff += std::max(a[c].size(), b[c].size()) - n;
    for (std::size_t i = 0; i < n; ++i) diff += std::memcmp(&a[c][i], &b[c][i], sizeof(float)) != 0;
  }
  return diff;
}

double rms(const std::vector<float>& x) {
  double s = 0;
  for (float v : x) s += static_cast<double>(v) * v;
  return x.empty() ? 0 : std::sqrt(s / static_cast<double>(x.size()));
}

Event note(EventType type, int key, float velocity) {
  Event e;
  e.frame = kFrameNow;
  e.type = type;
  e.key = static_cast<std::uint8_t>(key);
  e.value = velocity;
  return e;
}

} // namespace

// The engine-level round trip: a VM played from a live-like host thread at odd buffer sizes, with
// swaps, a rollback, a failing patch, notes, parameter moves, crossfade and voice-limit changes,
// all from control threads while it plays; the replay of the recording equals it bit for bit.
TEST(SessionRecorder, ReplayOfALiveLikeSessionIsBitIdentical) {
  test::TempDir tmp;
  const std::string dir = tmp / "session";
  VM vm({48000.0, 2, 0});
  vm.setCrossfade(10.0, FadeCurve::EqualPower);
  auto recorder = std::make_unique<SessionRecorder>(dir, vm);
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  SwapHandle first = pm.loadPatchFromString(patchText("poly-subtractive.json"), "poly-subtractive.json");
  ASSERT_EQ(first.waitFor(SwapState::Scheduled), SwapState::Scheduled) << first.error();

  test::resetRtCounts();
  CapturingHost host(vm, 4.0);
  ASSERT_EQ(first.wait(), SwapState::Faded);
  for (int k : {60, 64, 67}) vm.postEvent(note(EventType::NoteOn, k, 0.8f));
  std::this_thread::sleep_for(120ms);
  pm.setParam("filter", "cutoff", 900.0f);
  std::this_thread::sleep_for(40ms);
  pm.setParam("filter", "cutoff", 2500.0f, 0.05);
  vm.setVoiceLimit(2);
  std::this_thread::sleep_for(60ms);
  vm.postEvent(note(EventType::NoteOff, 64, 0.0f));
  vm.setVoiceLimit(0);

  // Same patch, another cutoff: a linear crossfade with state carried over.
  vm.setCrossfade(7.3, FadeCurve::Linear);
  std::string brighter = patchText("poly-subtractive.json");
  brighter.replace(brighter.find("\"cutoff\": 350"), 13, "\"cutoff\": 700");
  SwapHandle second = pm.loadPatchFromString(brighter, "brighter.json");
  EXPECT_EQ(second.wait(), SwapState::Faded) << second.error();
  pm.setParam("filter", "resonance", 0.8f);
  // A broken patch fails on the control thread and never reaches the audio thread.
  SwapHandle broken = pm.loadPatchFromString(R"({"modules": [{"id": "x", "type": "NoSuchModule"}]})", "broken.json");
  EXPECT_EQ(broken.wait(), SwapState::Failed);
  // Another patch (seeded randomness), a hard switch, then a rollback with a fade.
  // Muted meanwhile, as by the overload fallback: silence, and the swap starts the patch afresh.
  vm.setCrossfade(0.0, FadeCurve::EqualPower);
  vm.setMuted(true);
  std::this_thread::sleep_for(40ms);
  SwapHandle third = pm.loadPatchFromString(patchText("generative.json"), "generative.json");
  EXPECT_EQ(third.wait(), SwapState::Faded) << third.error();
  std::this_thread::sleep_for(20ms);
  vm.setMuted(false);
  std::this_thread::sleep_for(150ms);
  vm.setCrossfade(15.0, FadeCurve::EqualPower);
  SwapHandle back = pm.rollback();
  EXPECT_EQ(back.wait(), SwapState::Faded) << back.error();
  for (int k : {48, 55}) vm.postEvent(note(EventType::NoteOn, k, 1.0f));
  std::this_thread::sleep_for(200ms);
  vm.postEvent(note(EventType::AllNotesOff, 0, 0.0f));
  std::this_thread::sleep_for(100ms);
  host.stop();
  EXPECT_EQ(test::rtCounts().total(), 0u) << "the recording allocated, locked or blocked on the audio thread";

  const SessionSummary summary = recorder->finish();
  EXPECT_TRUE(summary.complete);
  EXPECT_EQ(summary.droppedFrames, 0u);
  EXPECT_EQ(summary.droppedRecords, 0u);
  EXPECT_EQ(summary.swaps, 4u); // first, brighter, generative, rollback
  EXPECT_EQ(summary.patches, 4u);
  EXPECT_GE(summary.events, 10u);
  EXPECT_EQ(summary.frames, vm.framesComputed());

  // output.wav is what the host was handed (plus the rest of the last block computed).
  const render::WavData wav = render::readWav(dir + "/output.wav");
  ASSERT_EQ(wav.channels.size(), 2u);
  ASSERT_EQ(wav.frames(), summary.frames);
  ASSERT_GE(wav.frames(), host.frames());
  std::vector<std::vector<float>> heard(2), recordedPrefix(2);
  for (std::size_t c = 0; c < 2; ++c) {
    heard[c].assign(host.channel(static_cast<int>(c)).begin(), host.channel(static_cast<int>(c)).begin() + static_cast<long>(host.frames()));
    recordedPrefix[c].assign(wav.channels[c].begin(), wav.channels[c].begin() + static_cast<long>(host.frames()));
  }
  EXPECT_EQ(bitDifferences(heard, recordedPrefix), 0u);
  EXPECT_GT(rms(wav.channels[0]), 1e-3);

  const Replayed r = replay(dir);
  EXPECT_EQ(r.stats.frames, summary.frames);
  EXPECT_EQ(r.stats.swaps, 4u); // the first program too: swapped in at frame 0, from nothing
  EXPECT_EQ(r.stats.events, summary.events);
  EXPECT_EQ(bitDifferences(r.channels, wav.channels), 0u) << "the replay differs from the recording";
  std::printf("session: %llu frames (%.2f s), %llu events, %llu swaps; session.json %llu bytes, output.wav %llu bytes\n",
              static_cast<unsigned long long>(summary.frames), static_cast<double>(summary.frames) / 48000.0,
              static_cast<unsigned long long>(summary.events), static_cast<unsigned long long>(summary.swaps),
              static_cast<unsigned long long>(summary.sessionJsonBytes), static_cast<unsigned long long>(summary.outputWavBytes));
}

// A program loaded before the first block (loadProgram) is recorded as loaded, and a replay that
// changes nothing in the recording would notice any change of a single event.
TEST(SessionRecorder, LoadedProgramAndInlineEventsReplayExactly) {
  test::TempDir tmp;
  const std::string dir = tmp / "s";
  VM vm({44100.0, 2, 0});
  CompileOptions co;
  co.sampleRate = 44100.0;
  co.keepPatchJson = true;
  vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(patchText("poly-subtractive.json")), co));
  SessionRecorder recorder(dir, vm);
  std::vector<float> l(333), rr(333);
  float* out[] = {l.data(), rr.data()};
  for (int call = 0; call < 200; ++call) {
    if (call == 3) vm.postEvent(note(EventType::NoteOn, 62, 0.7f));
    if (call == 20) {
      Event late = note(EventType::NoteOn, 69, 0.9f);
      late.frame = 10; // long past: applied at the next block, and recorded there
      vm.postEvent(late);
    }
    if (call == 90) vm.postEvent(note(EventType::NoteOff, 62, 0.0f));
    vm.process(nullptr, out, 333);
  }
  EXPECT_EQ(vm.counters().lateEvents.load(), 1u);
  const SessionSummary summary = recorder.finish();
  EXPECT_TRUE(summary.complete);
  EXPECT_EQ(summary.events, 3u);
  const Session s = readSession(dir);
  ASSERT_EQ(s.swaps.size(), 1u);
  EXPECT_TRUE(s.swaps[0].loaded);
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[1].frame % kBlockFrames, 0u); // the late one, at its block's start
  EXPECT_GT(s.events[1].frame, 20u * 333u - kBlockFrames);

  const render::WavData wav = render::readWav(dir + "/output.wav");
  Replayed r = replay(dir);
  EXPECT_EQ(bitDifferences(r.channels, wav.channels), 0u);

  // Moving one event by one block changes the replay: the comparison has teeth.
  Session moved = s;
  moved.events[0].frame += kBlockFrames;
  std::vector<std::vector<float>> other(2);
  replaySession(moved, [&](const float* const* ch, int n) {
    for (std::size_t c = 0; c < 2; ++c) other[c].insert(other[c].end(), ch[c], ch[c] + n);
  }, builtinModules());
  EXPECT_GT(bitDifferences(other, wav.channels), 0u);
}

// When the writer falls behind, output blocks are dropped, counted and replaced by silence in
// output.wav, and the session says it is incomplete; the audio thread never waits.
TEST(SessionRecorder, AFullRingDropsCountedFramesAndMarksTheSessionIncomplete) {
  test::TempDir tmp;
  const std::string dir = tmp / "s";
  VM vm({48000.0, 2, 0});
  CompileOptions co;
  co.keepPatchJson = true;
  vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(patchText("fm-bell.json")), co));
  SessionRecorderOptions o;
  o.ringSeconds = 0.01;                 // 9 blocks
  o.drainPeriod = std::chrono::hours(1); // the writer drains once, at the start, then only in finish()
  SessionRecorder recorder(dir, vm, o);
  std::this_thread::sleep_for(20ms);    // let the writer pass its first (empty) drain
  std::vector<float> l(64), rr(64);
  float* out[] = {l.data(), rr.data()};
  test::resetRtCounts();
  for (int b = 0; b < 100; ++b) vm.process(nullptr, out, 64);
  EXPECT_EQ(test::rtCounts().total(), 0u);
  const SessionSummary summary = recorder.finish();
  EXPECT_FALSE(summary.complete);
  EXPECT_GT(summary.droppedFrames, 0u);
  EXPECT_EQ(summary.droppedFrames % kBlockFrames, 0u);
  EXPECT_EQ(summary.frames, 100u * kBlockFrames);
  const render::WavData wav = render::readWav(dir + "/output.wav");
  EXPECT_EQ(wav.frames(), summary.frames); // dropped blocks are silence: later blocks keep their place
  const Session s = readSession(dir);
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(s.droppedFrames, summary.droppedFrames);
  EXPECT_EQ(s.unknownPatches, 0u);
  std::printf("ring of 9 blocks, 100 blocks without draining: %llu frames dropped\n", static_cast<unsigned long long>(summary.droppedFrames));
}

TEST(SessionRecorder, RefusesAVMThatHasAlreadyPlayed) {
  test::TempDir tmp;
  VM vm({48000.0, 2, 0});
  std::vector<float> l(64), r(64);
  float* out[] = {l.data(), r.data()};
  vm.process(nullptr, out, 64);
  try {
    SessionRecorder recorder(tmp / "s", vm);
    FAIL() << "attached to a VM that already played";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("before its first block"), std::string::npos) << e.what();
  }
}

TEST(SessionRecorder, AnUnwritableDirectoryIsAClearError) {
  VM vm({48000.0, 2, 0});
  try {
    SessionRecorder recorder("/proc/mvm-no-such/session", vm);
    FAIL() << "recorded into /proc";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/mvm-no-such/session"), std::string::npos) << e.what();
  }
}

// A program compiled without its patch (CompileOptions::keepPatchJson) cannot be replayed: the
// session counts it and says it is incomplete.
TEST(SessionRecorder, AProgramWithoutItsPatchIsCountedAsUnknown) {
  test::TempDir tmp;
  VM vm({48000.0, 2, 0});
  SessionRecorder recorder(tmp / "s", vm);
  vm.scheduleNewProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(patchText("fm-bell.json"))));
  std::vector<float> l(64), r(64);
  float* out[] = {l.data(), r.data()};
  for (int b = 0; b < 4; ++b) vm.process(nullptr, out, 64);
  const SessionSummary summary = recorder.finish();
  EXPECT_EQ(summary.unknownPatches, 1u);
  EXPECT_EQ(summary.swaps, 0u);
  EXPECT_FALSE(summary.complete);
}
