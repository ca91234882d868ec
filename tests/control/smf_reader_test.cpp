#include "mvm/control/smf_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "command.h"
#include "smf_builder.h"

using namespace mvm;
using mvm::test::runCommand;
using mvm::test::TempDir;

namespace {

// A format 1 song written by Python's mido: a tempo track with two tempo changes, and a track of
// notes on channels 1 and 10 with a controller and a pitch bend. The script prints, for every
// note_on, mido's own absolute time in seconds (mido merges the tracks and applies the tempo map).
// Debian's python3 (python3-mido), not whichever python3 comes first on PATH.
const char* kMidoScript = R"PY(
import sys, mido
mid = mido.MidiFile(type=1, ticks_per_beat=480)
tempo = mido.MidiTrack(); mid.tracks.append(tempo)
tempo.append(mido.MetaMessage('track_name', name='tempo', time=0))
tempo.append(mido.MetaMessage('set_tempo', tempo=500000, time=0))
tempo.append(mido.MetaMessage('set_tempo', tempo=300000, time=960))
tempo.append(mido.MetaMessage('set_tempo', tempo=733331, time=577))
tempo.append(mido.MetaMessage('end_of_track', time=0))
notes = mido.MidiTrack(); mid.tracks.append(notes)
notes.append(mido.Message('note_on', note=60, velocity=100, channel=0, time=0))
notes.append(mido.Message('note_on', note=64, velocity=90, channel=0, time=240))
notes.append(mido.Message('note_on', note=60, velocity=0, channel=0, time=480))
notes.append(mido.Message('sysex', data=[1, 2, 3, 4], time=0))
notes.append(mido.Message('note_on', note=36, velocity=127, channel=9, time=300))
notes.append(mido.Message('control_change', control=74, value=99, channel=0, time=100))
notes.append(mido.Message('note_off', note=64, velocity=40, channel=0, time=17))
notes.append(mido.Message('pitchwheel', pitch=8191, channel=0, time=0))
notes.append(mido.Message('note_on', note=67, velocity=80, channel=0, time=800))
notes.append(mido.Message('note_off', note=67, velocity=0, channel=0, time=480))
notes.append(mido.Message('note_off', note=36, velocity=0, channel=9, time=0))
notes.append(mido.MetaMessage('end_of_track', time=960))
mid.save(sys.argv[1])
t = 0.0
for msg in mido.MidiFile(sys.argv[1]):
    t += msg.time
    if msg.type == 'note_on' and msg.velocity > 0:
        print('%d %d %.12f' % (msg.channel, msg.note, t))
)PY";

std::string errorOf(const std::vector<std::uint8_t>& bytes) {
  try {
    SmfReader::read(bytes, "t.mid");
  } catch (const SmfError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted a malformed file";
  return {};
}

// MThd for one track at 96 ticks per quarter, then an MTrk holding `body`.
std::vector<std::uint8_t> oneTrack(std::vector<std::uint8_t> body, int format = 0) {
  std::vector<std::uint8_t> f{'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, static_cast<std::uint8_t>(format), 0, 1, 0, 96};
  const auto n = static_cast<std::uint32_t>(body.size());
  for (std::uint8_t c : {'M', 'T', 'r', 'k'}) f.push_back(c);
  for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<std::uint8_t>(n >> s));
  f.insert(f.end(), body.begin(), body.end());
  return f;
}

} // namespace

TEST(SmfReader, ReadsAMidoFileOnItsTempoMapToTheSample) {
  TempDir dir;
  std::ofstream(dir / "make.py") << kMidoScript;
  const auto r = runCommand("/usr/bin/python3 " + dir / "make.py" + " " + dir / "song.mid");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const MidiSong song = SmfReader::readFile(dir / "song.mid");
  EXPECT_EQ(song.format, 1);
  EXPECT_EQ(song.tracks, 2);
  EXPECT_EQ(song.ticksPerQuarter, 480);
  ASSERT_EQ(song.tempoMap.size(), 3u);
  EXPECT_EQ(song.tempoMap[2].tick, 1537u);
  EXPECT_EQ(song.tempoMap[2].microsPerQuarter, 733331u);

  std::vector<const TimedMidiMessage*> noteOns;
  for (const TimedMidiMessage& m : song.messages)
    if (m.message.kind() == MidiMessage::kNoteOn && m.message.data2 > 0) noteOns.push_back(&m);
  std::istringstream expected(r.output);
  int channel, note;
  double seconds;
  std::size_t k = 0;
  for (; expected >> channel >> note >> seconds; ++k) {
    ASSERT_LT(k, noteOns.size());
    EXPECT_EQ(noteOns[k]->message.channel(), channel);
    EXPECT_EQ(noteOns[k]->message.data1, note);
    for (std::uint32_t rate : {44100u, 48000u, 96000u})
      EXPECT_EQ(song.frameOf(noteOns[k]->microTicks, rate), static_cast<std::uint64_t>(std::llround(seconds * rate)))
          << "note " << note << " at " << seconds << " s, " << rate << " Hz";
  }
  EXPECT_EQ(k, 4u);
  EXPECT_EQ(noteOns.size(), 4u);
  // Independently of mido: the last note-on is at tick 1937 = 960 ticks at 0.5 s per quarter,
  // 577 at 0.3 s and 400 at 0.733331 s.
  const double last = (960 * 0.5 + 577 * 0.3 + 400 * 0.733331) / 480.0;
  EXPECT_EQ(noteOns[3]->tick, 1937u);
  EXPECT_EQ(song.frameOf(noteOns[3]->microTicks, 48000), static_cast<std::uint64_t>(std::llround(last * 48000)));
  // Velocity 0 note-on, note-off with release velocity, pitch bend (running status too) all come through.
  int bends = 0, offsWithVelocity = 0, controllers = 0;
  for (const TimedMidiMessage& m : song.messages) {
    bends += m.message.kind() == MidiMessage::kPitchBend && m.message.data1 == 0x7F && m.message.data2 == 0x7F;
    offsWithVelocity += m.message.kind() == MidiMessage::kNoteOff && m.message.data2 == 40;
    controllers += m.message.kind() == MidiMessage::kControlChange && m.message.data1 == 74 && m.message.data2 == 99;
  }
  EXPECT_EQ(bends, 1);
  EXPECT_EQ(offsWithVelocity, 1);
  EXPECT_EQ(controllers, 1);
  EXPECT_EQ(song.endTick, 1937u + 480 + 960);
}

TEST(SmfReader, HonoursRunningStatusAndSkipsMetaAndSysex) {
  const MidiSong song = SmfReader::read(oneTrack({
      0x00, 0x91, 60, 100,          // note on, channel 2
      0x60, 62, 101,                // running status: another note on, 96 ticks later
      0x00, 0xFF, 0x01, 0x03, 'a', 'b', 'c', // text meta (cancels running status)
      0x00, 0xF0, 0x03, 1, 2, 0xF7, // sysex
      0x81, 0x00, 0x81, 60, 10,     // 128 ticks later (two-byte delta): note off
      0x00, 0xD1, 77,               // channel pressure: one data byte
      0x00, 0xFF, 0x2F, 0x00}));
  ASSERT_EQ(song.messages.size(), 4u);
  EXPECT_EQ(song.messages[1].message.status, 0x91);
  EXPECT_EQ(song.messages[1].message.data1, 62);
  EXPECT_EQ(song.messages[1].tick, 96u);
  EXPECT_EQ(song.messages[2].tick, 224u);
  EXPECT_EQ(song.messages[2].message.kind(), MidiMessage::kNoteOff);
  EXPECT_EQ(song.messages[3].message.data1, 77);
  // Default tempo, 120 bpm: 96 ticks = 0.5 s.
  EXPECT_EQ(song.frameOf(song.messages[1].microTicks, 48000), 24000u);
}

TEST(SmfReader, MalformedFilesNameTheByteAndTheCause) {
  EXPECT_EQ(errorOf({'R', 'I', 'F', 'F'}), "t.mid: byte 0: not a Standard MIDI File (no MThd header)");
  EXPECT_EQ(errorOf(oneTrack({0x00, 0x40, 1})), "t.mid: byte 23: data byte 0x40 without a running status");
  EXPECT_EQ(errorOf(oneTrack({0x00, 0x90, 60})), "t.mid: byte 24: truncated channel message");
  EXPECT_EQ(errorOf(oneTrack({0x00, 0x90, 60, 100})), "t.mid: byte 26: track 0 has no End of Track event");
  EXPECT_EQ(errorOf(oneTrack({0xFF, 0xFF, 0xFF, 0xFF, 0x00})), "t.mid: byte 22: delta time is longer than 4 bytes");
  EXPECT_EQ(errorOf(oneTrack({0x00, 0xFF, 0x51, 0x02, 1, 2, 0x00, 0xFF, 0x2F, 0x00})),
            "t.mid: byte 23: Set Tempo with length 2 (expected 3)");
  EXPECT_EQ(errorOf(oneTrack({0x00, 0xFF, 0x01, 0x10, 'a'})), "t.mid: byte 26: truncated meta event data");
  EXPECT_EQ(errorOf(oneTrack({0x00, 0xFF, 0x2F, 0x00}, 2)), "t.mid: byte 8: format 2 (independent sequences) is not supported; use format 0 or 1");
  auto cut = oneTrack({0x00, 0xFF, 0x2F, 0x00});
  cut.resize(cut.size() - 2);
  EXPECT_EQ(errorOf(cut), "t.mid: byte 22: truncated MTrk chunk");
}

namespace {

// A position by the definition: the sum over every tempo segment before the tick.
unsigned __int128 microTicksByDefinition(const MidiSong& song, std::uint64_t tick) {
  unsigned __int128 sum = 0;
  for (std::size_t i = 0; i < song.tempoMap.size() && song.tempoMap[i].tick < tick; ++i) {
    const std::uint64_t segEnd = i + 1 < song.tempoMap.size() ? std::min(tick, song.tempoMap[i + 1].tick) : tick;
    sum += static_cast<unsigned __int128>(segEnd - song.tempoMap[i].tick) * song.tempoMap[i].microsPerQuarter;
  }
  return sum;
}

} // namespace

// Positions come from one walk along the tempo map; they equal the sum over segments exactly,
// with tempo changes in any track, several at one tick, and messages on a change's own tick.
TEST(SmfReader, PlacesEveryMessageOnTheTempoMapExactly) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<test::SmfTrack> tracks(1 + rng() % 3);
    for (test::SmfTrack& t : tracks) {
      const int events = static_cast<int>(rng() % 200);
      for (int i = 0; i < events; ++i) {
        const std::uint32_t delta = rng() % 4 == 0 ? 0 : rng() % (trial % 2 ? 50 : 100000);
        if (rng() % 3 == 0) t.tempo(delta, 1 + rng() % 0xFFFFFF);
        else t.message(delta, static_cast<std::uint8_t>(0x90 | rng() % 16), static_cast<std::uint8_t>(rng() % 128), 64);
      }
      t.end(rng() % 1000);
    }
    const MidiSong song = SmfReader::read(test::smfFile(tracks, static_cast<std::uint16_t>(1 + rng() % 960)));
    for (const TimedMidiMessage& m : song.messages)
      ASSERT_TRUE(m.microTicks == microTicksByDefinition(song, m.tick)) << "trial " << trial << " tick " << m.tick;
    ASSERT_TRUE(song.endMicroTicks == microTicksByDefinition(song, song.endTick)) << "trial " << trial;
  }
}
