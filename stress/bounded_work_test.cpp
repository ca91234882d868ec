// Hostile inputs whose cost used to grow quadratically (issue 13, classes 4, 6 and 8): dense
// feedback patches, huge tempo maps, events in reverse time order, more events in a block than
// it holds. Each asserts its outcome and a bound on the work: a work counter where there is one,
// else a deadline that the quadratic code missed by more than 10x.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "mvm/mvm.h"
#include "mvm/vm/session_tap.h"
#include "render_helpers.h"
#include "signal_analysis.h"
#include "smf_builder.h"

using namespace mvm;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

#ifdef MVM_SANITIZER_BUILD
constexpr double kSlowdown = 10.0; // sanitized builds run several times slower
#else
constexpr double kSlowdown = 1.0;
#endif

std::string id(int i) { return "m" + std::to_string(i); }

PatchGraph gains(int n) {
  PatchGraph g;
  g.source = "dense.json";
  for (int i = 0; i < n; ++i) g.modules.push_back({id(i), "Gain", {}});
  return g;
}
void cable(PatchGraph& g, int from, int to, const char* port = "in") { g.connections.push_back({{id(from), "out"}, {id(to), port}, 1.0f}); }

// Compiles (which fails if a cycle were left) and checks the cycle-breaking work against
// modules + cables: the literal rule took (delayed cables) x (modules + cables).
std::unique_ptr<Program> compileBounded(const PatchGraph& g, const std::string& what) {
  const auto t0 = std::chrono::steady_clock::now();
  auto p = Compiler(builtinModules()).compile(g);
  const double size = static_cast<double>(g.modules.size() + g.connections.size());
  EXPECT_LE(static_cast<double>(p->cycleBreakWork), 8.0 * size * std::log2(size)) << what;
  EXPECT_LT(secondsSince(t0), 2.0 * kSlowdown) << what; // a complete graph of 256 took 71 s
  return p;
}

} // namespace

TEST(BoundedWork, CompleteFeedbackGraphsCompileInNearLinearWork) {
  for (int n : {16, 64, 128, 256}) { // 256: 65,280 cables, near the cable limit
    PatchGraph g = gains(n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (i != j) cable(g, i, j);
    const auto p = compileBounded(g, "complete " + std::to_string(n));
    // Each pair keeps one direction: the cable from the module with the lower id is delayed.
    EXPECT_EQ(p->feedback.size(), static_cast<std::size_t>(n * (n - 1) / 2)) << n;
    for (const FeedbackDelay& d : p->feedback) {
      const std::size_t arrow = d.key.find('>');
      ASSERT_LT(d.key.substr(0, d.key.find('.')), d.key.substr(arrow + 1, d.key.find('.', arrow) - arrow - 1)) << d.key;
    }
    EXPECT_EQ(p->diagnostics.size(), Compiler::kMaxCycleReports + 1) << "one line per cable would flood the terminal";
  }
}

TEST(BoundedWork, RingsOfEveryLengthAndDirectionBreakOnce) {
  for (int n : {2, 1000, 16384}) {
    for (bool reversed : {false, true}) {
      PatchGraph g = gains(n);
      for (int i = 0; i < n; ++i) reversed ? cable(g, (i + 1) % n, i) : cable(g, i, (i + 1) % n);
      const auto p = compileBounded(g, "ring " + std::to_string(n));
      ASSERT_EQ(p->feedback.size(), 1u);
      // The lowest cable by text: from m0 (ids sort "m0" < "m1" < "m10" ...).
      EXPECT_EQ(p->feedback[0].key, reversed ? "m0.out>" + id(n - 1) + ".in" : "m0.out>m1.in");
    }
  }
}

TEST(BoundedWork, ManyCyclesAndDenseComponentsStayNearLinear) {
  { // 4,096 rings of four, chained by forward cables: many components, none merging
    PatchGraph g = gains(16384);
    for (int r = 0; r < 4096; ++r) {
      for (int k = 0; k < 4; ++k) cable(g, 4 * r + k, 4 * r + (k + 1) % 4);
      if (r + 1 < 4096) cable(g, 4 * r, 4 * (r + 1) + 2, "gain");
    }
    EXPECT_EQ(compileBounded(g, "4096 rings")->feedback.size(), 4096u);
  }
  { // 8,192 self-loops
    PatchGraph g = gains(8192);
    for (int i = 0; i < 8192; ++i) cable(g, i, i);
    EXPECT_EQ(compileBounded(g, "self-loops")->feedback.size(), 8192u);
  }
  { // 512 modules each feeding the next 127: one dense component
    PatchGraph g = gains(512);
    for (int i = 0; i < 512; ++i)
      for (int d = 1; d <= 127; ++d) cable(g, i, (i + d) % 512);
    EXPECT_GT(compileBounded(g, "circulant")->feedback.size(), 512u);
  }
  { // a complete graph on inputs and parameters at once: two cables per pair and direction
    PatchGraph g = gains(150);
    for (int i = 0; i < 150; ++i)
      for (int j = 0; j < 150; ++j)
        if (i != j) {
          cable(g, i, j);
          cable(g, i, j, "gain");
        }
    EXPECT_EQ(compileBounded(g, "complete, two ports")->feedback.size(), 150u * 149u);
  }
}

namespace {

// 150,000 tempo changes (a tempo track) and 150,000 notes (another track), interleaved in time.
struct HugeTempoMap {
  static constexpr int kTempos = 150000, kNotes = 150000;
  static std::uint32_t tempo(int i) { return 300000 + static_cast<std::uint32_t>(i % 1000) * 97; }
  std::vector<std::uint8_t> bytes;
  HugeTempoMap() {
    test::SmfTrack tempos, notes;
    for (int i = 0; i < kTempos; ++i) tempos.tempo(i == 0 ? 0 : 2, tempo(i)); // a change every 2 ticks
    tempos.end();
    for (int i = 0; i < kNotes; ++i) {
      notes.message(1, 0x90, static_cast<std::uint8_t>(40 + i % 40), 100); // on odd ticks
      notes.message(1, 0x80, static_cast<std::uint8_t>(40 + i % 40), 0);   // on a tempo change's own tick
    }
    notes.end();
    bytes = test::smfFile({tempos, notes});
  }
  // The position of `tick` straight from the definition (1 µs per tick under tempo 1e6 / 480).
  static unsigned __int128 microTicks(std::uint64_t tick) {
    unsigned __int128 sum = 0;
    for (std::uint64_t t = 0; t < tick; ++t) {
      const auto segment = static_cast<int>(std::min<std::uint64_t>(t / 2, kTempos - 1));
      sum += tempo(segment);
    }
    return sum;
  }
};

} // namespace

TEST(BoundedWork, AHugeTempoMapIsReadInLinearTime) {
  const HugeTempoMap file;
  const auto t0 = std::chrono::steady_clock::now();
  const MidiSong song = SmfReader::read(file.bytes, "huge.mid");
  const Score score = scoreFromMidiSong(song, MidiMapper(MidiMap{}, 48000), 48000, 1.0);
  const double seconds = secondsSince(t0);
  ASSERT_EQ(song.messages.size(), 2u * HugeTempoMap::kNotes);
  ASSERT_EQ(song.tempoMap.size(), static_cast<std::size_t>(HugeTempoMap::kTempos));
  EXPECT_EQ(score.events.size(), 2u * HugeTempoMap::kNotes);
  for (std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{12345}, std::size_t{299998}, song.messages.size() - 1}) {
    const TimedMidiMessage& m = song.messages[k];
    EXPECT_EQ(m.tick, k + 1);
    EXPECT_TRUE(m.microTicks == HugeTempoMap::microTicks(m.tick)) << "message " << k;
    EXPECT_EQ(score.events[k].frame, song.frameOf(m.microTicks, 48000));
  }
  EXPECT_LT(seconds, 3.0 * kSlowdown) << "150,000 tempo changes and notes took 37 s with a scan per message";
}

TEST(BoundedWork, ManyTempoChangesAtOneTickAndNotesBetweenThem) {
  test::SmfTrack track;
  for (int i = 0; i < 100000; ++i) track.tempo(0, 400000 + static_cast<std::uint32_t>(i)); // all at tick 0: the last one rules
  for (int i = 0; i < 50000; ++i) track.message(3, 0x90, 60, 100);
  track.end();
  const auto t0 = std::chrono::steady_clock::now();
  const MidiSong song = SmfReader::read(test::smfFile({track}, 96), "one-tick.mid");
  EXPECT_LT(secondsSince(t0), 2.0 * kSlowdown);
  ASSERT_EQ(song.messages.size(), 50000u);
  EXPECT_TRUE(song.messages.back().microTicks == static_cast<unsigned __int128>(150000) * (400000 + 99999));
}

TEST(BoundedWork, EventsInReverseTimeOrderCostLogarithmicWorkPerEvent) {
  VM vm;
  SessionTap tap(2, 48000);
  ASSERT_TRUE(vm.attachObserver(tap));
  std::vector<float> l(kBlockFrames), r(kBlockFrames);
  float* ch[] = {l.data(), r.data()};
  // Bursts of reverse-ordered events each block, as from a sender replaying a buffer backwards,
  // each burst spread over the next four blocks.
  const std::uint64_t perBlock = 256, blocks = 200;
  std::uint64_t posted = 0, worst = 0, applied = 0, lastFrame = 0;
  bool outOfOrder = false;
  auto drain = [&] { // the tap's record queue is bounded: read it as a recorder would
    SessionRecord rec;
    while (tap.popRecord(rec))
      if (rec.kind == SessionRecord::Kind::Event) {
        ++applied;
        outOfOrder |= rec.event.frame < lastFrame;
        lastFrame = rec.event.frame;
      }
  };
  for (std::uint64_t b = 0; b < blocks; ++b) {
    for (std::uint64_t i = 0; i < perBlock; ++i) {
      Event e;
      e.type = EventType::NoteOn;
      e.frame = (b + 1) * kBlockFrames + (perBlock - 1 - i);
      e.value = static_cast<float>(e.frame);
      posted += vm.postEvent(e);
    }
    const std::uint64_t before = vm.pendingComparisons();
    vm.process(nullptr, ch, kBlockFrames);
    worst = std::max(worst, vm.pendingComparisons() - before);
    drain();
  }
  for (int b = 0; b < 8; ++b) vm.process(nullptr, ch, kBlockFrames);
  drain();
  EXPECT_EQ(posted, perBlock * blocks);
  // Per block: the burst's insertions and the block's removals, each O(log 4096) = 12 levels.
  EXPECT_LE(worst, 3 * 12 * (perBlock + VM::kBlockEventCapacity)) << "comparisons in one block";
  EXPECT_FALSE(outOfOrder) << "applied out of time order";
  EXPECT_EQ(applied, posted);
  EXPECT_EQ(vm.counters().lateEvents.load(), 0u);
}

TEST(BoundedWork, AScoreWithFarMoreEventsInABlockThanItHoldsLosesNone) {
  // 20,000 parameter sets at one frame, the last one audible; notes and sets mixed at another.
  std::string events;
  for (int i = 0; i < 20000; ++i) events += R"({"frame": 640, "type": "param", "module": "g", "param": "gain", "value": 0},)";
  events += R"({"frame": 640, "type": "param", "module": "g", "param": "gain", "value": 1, "ramp": 0},)";
  for (int i = 0; i < 3000; ++i)
    events += std::string(R"({"frame": 9600, "type": ")") + (i % 2 ? "noteOn" : "noteOff") + R"(", "note": 60},)";
  events += R"({"frame": 9600, "type": "param", "module": "g", "param": "gain", "value": 0.5, "ramp": 0}]})";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = test::renderJson(R"({"modules": [{"id": "s", "type": "SineGen", "params": {"freq": 1000}},
      {"id": "g", "type": "Gain", "params": {"gain": 0}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "s.out", "to": "g.in"}, {"from": "g.out", "to": "out.left"}]})",
                                  1.0, R"({"events": [)" + events);
  EXPECT_LT(secondsSince(t0), 10.0 * kSlowdown);
  const std::vector<float>& left = r.channels[0];
  // gain 1 after the first flood (it lands 20 blocks late), then 0.5 after the second.
  EXPECT_NEAR(test::peak(std::vector<float>(left.begin() + 6000, left.begin() + 9600)), 1.0, 0.01);
  EXPECT_NEAR(test::peak(std::vector<float>(left.begin() + 12000, left.end())), 0.5, 0.01);
  EXPECT_EQ(r.stats.lateEvents, (20001 - VM::kBlockEventCapacity) + (3001 - VM::kBlockEventCapacity));
}
