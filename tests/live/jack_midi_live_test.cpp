// mvm-live's MIDI input from a real peer: a JACK MIDI client in this test process (another JACK
// client on the same private dummy jackd) plays notes, moves controllers and answers MIDI learn.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#ifdef MVM_TEST_HAVE_JACK
#include <jack/midiport.h>
#endif

#include "command.h"
#include "cpu_load.h"
#include "jack_server.h"
#include "midi_osc_fixture.h"
#include "mvm/control/session.h"

using mvm::test::ChildProcess;
using mvm::test::CpuLoad;
using mvm::test::JackServer;
using mvm::test::TempDir;
using namespace mvm::test::live;
using namespace std::chrono_literals;

#ifdef MVM_TEST_HAVE_JACK
namespace {

// Another JACK client: a MIDI output that writes queued messages at the start of its next cycle.
class JackMidiSender {
public:
  explicit JackMidiSender(const JackServer& server) {
    jack_status_t status{};
    for (int attempt = 0; attempt < 5 && !client_; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(200ms);
      client_ = jack_client_open("mvmtest_midi", static_cast<jack_options_t>(JackServerName | JackNoStartServer), &status, server.name().c_str());
    }
    if (!client_) return;
    port_ = jack_port_register(client_, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    if (!port_ || jack_set_process_callback(client_, &JackMidiSender::process, this) != 0 || jack_activate(client_) != 0) {
      jack_client_close(client_);
      client_ = nullptr;
    }
  }
  ~JackMidiSender() {
    if (client_) jack_client_close(client_);
  }
  bool ok() const { return client_ != nullptr; }
  // Queues a message for the next cycle; returns when it was written (steady clock).
  std::chrono::steady_clock::time_point send(std::uint8_t a, std::uint8_t b, std::uint8_t c) {
    msg_[0] = a, msg_[1] = b, msg_[2] = c;
    pending_.store(true, std::memory_order_release);
    while (pending_.load(std::memory_order_acquire)) std::this_thread::sleep_for(100us);
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(sentNs_.load()));
  }

  // While on, every cycle also writes one of each kind of hostile message a peer can send.
  void flood(bool on) { flooding_.store(on, std::memory_order_release); }
  std::uint64_t malformedSent() const { return malformed_.load(); }
  std::uint64_t systemSent() const { return system_.load(); }

private:
  static int process(jack_nframes_t frames, void* self) {
    auto& s = *static_cast<JackMidiSender*>(self);
    void* buf = jack_port_get_buffer(s.port_, frames);
    jack_midi_clear_buffer(buf);
    if (s.pending_.load(std::memory_order_acquire)) {
      jack_midi_event_write(buf, 0, s.msg_, 3);
      s.sentNs_.store(static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
      s.pending_.store(false, std::memory_order_release);
    }
    if (s.flooding_.load(std::memory_order_acquire)) {
      static const std::vector<std::vector<std::uint8_t>> malformed{
          {0x90, 60},            // a note on cut short
          {0x90, 60, 100, 7},    // one byte too many
          {0x3C, 0x40},          // data without a status (running status is a file's, not a port's)
          {0x90, 0xFF, 0x40},    // a data byte >= 0x80
          {0xC0},                // a program change without its program
          {0xE0, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00}};
      static const std::vector<std::vector<std::uint8_t>> system{
          {0xF8}, {0xFE}, {0xF0, 0x7E, 0x7F, 0x09, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0xF7}};
      jack_nframes_t at = 1;
      for (const auto& m : malformed)
        if (jack_midi_event_write(buf, at++ % frames, m.data(), m.size()) == 0) s.malformed_.fetch_add(1);
      for (const auto& m : system)
        if (jack_midi_event_write(buf, at++ % frames, m.data(), m.size()) == 0) s.system_.fetch_add(1);
    }
    return 0;
  }
  jack_client_t* client_ = nullptr;
  jack_port_t* port_ = nullptr;
  std::uint8_t msg_[3] = {};
  std::atomic<bool> pending_{false};
  std::atomic<std::uint64_t> sentNs_{0};
  std::atomic<bool> flooding_{false};
  std::atomic<std::uint64_t> malformed_{0}, system_{0};
};

} // namespace

// A private JACK server, a MIDI sender and a listener on it: the rig of the MIDI tests.
class JackMidiRig : public ::testing::Test {
protected:
  void SetUp() override {
    if (!JackServer::available()) GTEST_SKIP() << "needs jackd";
    server.emplace();
    ASSERT_TRUE(server->ready()) << server->log();
    midi.emplace(*server);
    ASSERT_TRUE(midi->ok());
    listener.emplace(*server);
    ASSERT_TRUE(listener->ok());
  }
  std::optional<JackServer> server;
  std::optional<JackMidiSender> midi;
  std::optional<mvm::test::JackListener> listener;
};

// JACK MIDI is exact to the frame: the notes jackd2's example sequencer sends at exact frames of
// a 10,037-frame loop land in the recording exactly as far apart as they were sent, at a period
// of 64, 256 and 1024 frames (RtMidi's JACK backend gave whole periods: 9,980-10,000 apart).
TEST(JackMidi, NotesLandAtTheFramesTheyWereSentAtWhateverThePeriod) {
  if (!JackServer::available()) GTEST_SKIP() << "needs jackd";
  constexpr std::uint64_t kLoop = 10037;
  struct Sent {
    std::uint64_t at;
    mvm::EventType type;
    int key;
  };
  // jack_midiseq NAME LOOP [START NOTE LENGTH]...: C4 at 0 for 2000 frames, E4 at 4001 for 1500
  const std::vector<Sent> sent{{0, mvm::EventType::NoteOn, 60},
                               {2000, mvm::EventType::NoteOff, 60},
                               {4001, mvm::EventType::NoteOn, 64},
                               {5501, mvm::EventType::NoteOff, 64}};
  for (const int period : {64, 256, 1024}) {
    SCOPED_TRACE("period " + std::to_string(period));
    TempDir dir;
    std::ofstream(dir / "keys.json") << kKeys;
    JackServer jack(period);
    ASSERT_TRUE(jack.ready()) << jack.log();
    ChildProcess sequencer({"jack_midiseq", "mvmseq", std::to_string(kLoop), "0", "60", "2000", "4001", "64", "1500"}, {jack.env()});
    bool ready = false; // its port exists once the client is up
    for (int attempt = 0; attempt < 50 && !ready; ++attempt) {
      ChildProcess lsp({"timeout", "5", "jack_lsp"}, {jack.env()});
      ready = lsp.readAll(6s).find("mvmseq:out") != std::string::npos;
      lsp.wait(6s);
      if (!ready) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(ready) << "jack_midiseq did not come up";
    std::string out;
    {
      // Both cores busy with ordinary threads, as in CI beside the suite's other programs: the
      // MIDI thread must still post each note before its frame is computed, a period later.
      CpuLoad load(4);
      ChildProcess live({"timeout", "30", kLive, dir / "keys.json", "--api", "jack", "--buffer", std::to_string(period), "--midi-in", "mvmseq",
                         "--seconds", "2.5", "--no-meter", "--record", dir / "session"},
                        {jack.env()});
      ASSERT_EQ(live.wait(30s), 0) << live.output();
      out = live.readAll(2s);
    }
    EXPECT_NE(out.find("exact to the frame"), std::string::npos) << out;
    if (out.find("audio thread SCHED_") != std::string::npos) {
      EXPECT_NE(out.find("MIDI thread SCHED_"), std::string::npos) << out;
    }
    EXPECT_EQ(number(out, R"(late events (\d+))"), 0u) << out;

    const mvm::Session session = mvm::readSession(dir / "session");
    std::vector<mvm::Event> notes;
    for (const mvm::Event& e : session.events)
      if (e.type == mvm::EventType::NoteOn || e.type == mvm::EventType::NoteOff) notes.push_back(e);
    ASSERT_GE(notes.size(), 12u) << "2.5 s of a 0.21 s loop of two notes";
    // Every note event sits where the sequence put it, counted from the first C4 after the first
    // half second: the sequence runs before mvm-live's audio does, and a message that arrives
    // before the first period has no clock to be mapped against (it plays at once).
    std::size_t first = 0;
    while (first < notes.size() && !(notes[first].frame >= 24000 && notes[first].type == mvm::EventType::NoteOn && notes[first].key == 60))
      ++first;
    ASSERT_LT(first, notes.size());
    // An xrun loses whole periods of the stream's frames against JACK's: events on either side of
    // one are as many periods closer in the recording (under load, at 64 frames). Only that offset
    // is allowed, and only as many periods as there were xruns.
    const auto xruns = static_cast<std::int64_t>(number(out, R"(xruns (\d+))"));
    std::size_t checked = 0, shifted = 0;
    for (std::size_t i = first; i < notes.size(); ++i) {
      const mvm::Event& e = notes[i];
      const std::uint64_t at = (e.frame - notes[first].frame) % kLoop;
      bool exact = false, acrossAnXrun = false;
      for (const Sent& s : sent) {
        if (s.type != e.type || s.key != e.key) continue;
        auto off = static_cast<std::int64_t>((at + kLoop - s.at) % kLoop);
        if (off > static_cast<std::int64_t>(kLoop / 2)) off -= static_cast<std::int64_t>(kLoop);
        exact = exact || off == 0;
        acrossAnXrun = acrossAnXrun || (off % period == 0 && std::abs(off) <= xruns * period);
      }
      EXPECT_TRUE(exact || acrossAnXrun) << (e.type == mvm::EventType::NoteOn ? "note on " : "note off ") << int(e.key) << " at frame " << e.frame
                                         << ": " << at << " frames into the loop\n" << out;
      ++checked;
      shifted += !exact && acrossAnXrun;
    }
    std::printf("[ figures ] JACK MIDI at %d frames: %zu note events, each at the frame it was sent (loop %llu frames); %zu shifted by %lld xruns\n",
                period, checked, static_cast<unsigned long long>(kLoop), shifted, static_cast<long long>(xruns));
    EXPECT_EQ(jack.stop(), 0) << jack.log();
  }
}

TEST_F(JackMidiRig, JackMidiFromAnotherClientPlaysNotesAndMapsControllers) {
  TempDir dir;
  std::ofstream(dir / "keys.json") << kKeys;
  ChildProcess live({kLive, dir / "keys.json", "--midi-in", "mvmtest_midi", "--seconds", "4", "--no-meter"}, {server->env()});
  ASSERT_TRUE(live.waitForLine("MIDI in: mvmtest_midi:out (JACK)", 10s)) << live.output();
  ASSERT_TRUE(live.waitForLine("playing", 10s)) << live.output();
  ASSERT_TRUE(listener->listenTo("mvm-live:outport 0", 5s));
  std::this_thread::sleep_for(300ms);
  ASSERT_FALSE(listener->firstAfter(std::chrono::steady_clock::now() - 200ms, true, 0.01f)) << "silent before the first note";

  const auto sent = midi->send(0x90, 69, 127); // A4, channel 1
  const auto heard = listener->waitFor(sent, true, 0.05f, 2s);
  ASSERT_TRUE(heard) << "the note never sounded";
  const double latencyMs = std::chrono::duration<double, std::milli>(heard->at - sent).count();
  std::printf("MIDI note → first loud JACK period: %.1f ms (period 10.7 ms, runner latency 512 + 64 frames)\n", latencyMs);
  midi->send(0xB0, 7, 0); // CC 7 → g.gain 0: silence while the note is held
  const auto quiet = listener->waitFor(std::chrono::steady_clock::now() + 50ms, false, 1e-4f, 2s);
  EXPECT_TRUE(quiet) << "CC 7 did not reach g.gain";
  midi->send(0x80, 69, 0);

  EXPECT_EQ(live.wait(20s), 0) << live.output();
  const std::string out = live.readAll(2s);
  // 3 messages: note on (1 event), CC 7 (ControlChange + ParamSet), note off (1).
  EXPECT_EQ(number(out, R"(MIDI (\d+) messages)"), 3u) << out;
  EXPECT_EQ(number(out, R"(messages -> (\d+) events)"), 4u) << out;
  EXPECT_EQ(number(out, R"(events \((\d+) lost\))"), 0u) << out;
  EXPECT_EQ(number(out, R"(late events (\d+))"), 0u) << out;
}

// A hostile peer: a flood of malformed and system messages on mvm-live's JACK MIDI input, every
// period, between two real notes, while the probed build counts what its real-time threads (the
// audio callback and the JACK MIDI client's process callback) allocate, lock or block on. Each
// message is counted for what it is, none is read past its end, the notes still play.
TEST_F(JackMidiRig, MalformedAndSystemMessagesAreCountedAndDroppedWithoutTouchingTheAudio) {
  TempDir dir;
  std::ofstream(dir / "keys.json") << kKeys;
  ChildProcess live({"timeout", "30", kProbed, dir / "keys.json", "--midi-in", "mvmtest_midi", "--seconds", "4", "--no-meter"}, {server->env()});
  ASSERT_TRUE(live.waitForLine("MIDI in: mvmtest_midi:out (JACK)", 10s)) << live.output();
  ASSERT_TRUE(live.waitForLine("playing", 10s)) << live.output();
  ASSERT_TRUE(listener->listenTo("mvm-live:outport 0", 5s));
  std::this_thread::sleep_for(200ms);
  midi->flood(true);
  std::this_thread::sleep_for(1s);
  const auto sent = midi->send(0x90, 69, 127); // mid-flood: a real note
  EXPECT_TRUE(listener->waitFor(sent, true, 0.05f, 2s)) << "the note never sounded";
  std::this_thread::sleep_for(500ms);
  midi->send(0x80, 69, 0);
  midi->flood(false);
  EXPECT_TRUE(listener->waitFor(std::chrono::steady_clock::now() + 50ms, false, 1e-4f, 2s)) << "the note never stopped";

  EXPECT_EQ(live.wait(20s), 0) << live.output();
  const std::string out = live.readAll(2s);
  const std::uint64_t malformed = midi->malformedSent(), system = midi->systemSent();
  std::printf("[ figures ] JACK MIDI flood: %llu malformed and %llu system messages in 1.5 s\n", static_cast<unsigned long long>(malformed),
              static_cast<unsigned long long>(system));
  ASSERT_GT(malformed, 500u) << "the flood ran every period";
  EXPECT_EQ(number(out, R"(MIDI (\d+) messages)"), 2u) << out;
  EXPECT_EQ(number(out, R"((\d+) malformed, \d+ system)"), malformed) << out;
  EXPECT_EQ(number(out, R"(malformed, (\d+) system)"), system) << out;
  EXPECT_EQ(number(out, R"(events \((\d+) lost\))"), 0u) << out;
  EXPECT_EQ(number(out, R"(audio-thread allocations (\d+))"), 0u) << out;
  EXPECT_EQ(number(out, R"(locks (\d+))"), 0u) << out;
  EXPECT_EQ(number(out, R"(blocking calls (\d+))"), 0u) << out;
}

// The console's `learn` against a real peer: mvm-live reads `learn g.gain 0 1` on its stdin, the
// next controller moved on its JACK MIDI input (CC 21, from another JACK client) becomes g.gain's
// mapping, and further moves of that controller set the level heard on its output.
TEST_F(JackMidiRig, ConsoleLearnMapsTheNextControllerMovedAndTheParameterFollowsIt) {
  TempDir dir;
  std::string patch = kKeys; // no controller mapped: only learning maps CC 21
  const std::string mapped = R"("controls": [{"cc": 7, "to": "g.gain", "min": 0, "max": 1}])";
  patch.replace(patch.find(mapped), mapped.size(), R"("controls": [])");
  std::ofstream(dir / "keys.json") << patch;
  ChildProcess live({"timeout", "40", kLive, dir / "keys.json", "--midi-in", "mvmtest_midi", "--no-meter"}, {server->env()}, "", true);
  ASSERT_TRUE(live.waitForLine("MIDI in: mvmtest_midi:out (JACK)", 10s)) << live.output();
  ASSERT_TRUE(live.waitForLine("playing", 10s)) << live.output();
  ASSERT_TRUE(listener->listenTo("mvm-live:outport 0", 5s));
  midi->send(0x90, 69, 127); // a held A4: sine at peak 1 × gain 0.5 → RMS 0.354
  ASSERT_TRUE(listener->waitFor(std::chrono::steady_clock::now(), true, 0.3f, 2s)) << "the note never sounded";

  // The level over `window` after a settling time: no period outside [lo, hi].
  const auto levelStaysWithin = [&](float lo, float hi) {
    std::this_thread::sleep_for(100ms); // 5 ms smoothing and one period of latency, with margin
    const auto from = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(150ms);
    const auto louder = listener->firstAfter(from, true, hi), quieter = listener->firstAfter(from, false, lo);
    EXPECT_FALSE(louder) << "a period at RMS " << louder->rms << " above " << hi;
    EXPECT_FALSE(quieter) << "a period at RMS " << quieter->rms << " below " << lo;
    return !louder && !quieter;
  };
  midi->send(0xB0, 21, 0); // not mapped yet: nothing changes
  EXPECT_TRUE(levelStaysWithin(0.33f, 0.38f));

  ASSERT_TRUE(live.writeInput("learn g.gain 0 1\n"));
  ASSERT_TRUE(live.waitForLine("learn: move a controller to map it to g.gain", 2s)) << live.output();
  midi->send(0xB0, 21, 127); // learned, and applied: gain 1 → RMS 0.707
  ASSERT_TRUE(live.waitForLine("learned: CC 21 on channel 1 -> g.gain", 2s)) << live.output();
  EXPECT_TRUE(levelStaysWithin(0.68f, 0.73f));
  midi->send(0xB0, 21, 32); // gain 32/127 → RMS 0.178
  EXPECT_TRUE(levelStaysWithin(0.165f, 0.19f));
  midi->send(0xB0, 22, 127); // another controller: still not mapped
  EXPECT_TRUE(levelStaysWithin(0.165f, 0.19f));
  midi->send(0xB0, 21, 0); // gain 0: silence while the note is held
  EXPECT_TRUE(levelStaysWithin(0.0f, 1e-4f));
  midi->send(0x80, 69, 0);

  ASSERT_TRUE(live.writeInput("quit\n"));
  EXPECT_EQ(live.wait(10s), 0) << live.output();
  const std::string out = live.readAll(2s);
  EXPECT_EQ(number(out, R"(MIDI (\d+) messages)"), 7u) << out;
  EXPECT_EQ(number(out, R"(events \((\d+) lost\))"), 0u) << out;
  EXPECT_EQ(number(out, R"(late events (\d+))"), 0u) << out;
}
#endif
