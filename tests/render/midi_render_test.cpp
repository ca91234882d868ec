// mvm-render --midi: a Standard MIDI File written by another tool (Python's mido) renders with
// every note starting at its exact sample, tempo changes included.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "wav_file.h"

using mvm::test::runCommand;
using mvm::test::TempDir;

namespace {

const std::string kRender = MVM_RENDER_BIN;

// Every voice's gate summed onto the left channel: each note-on raises the sum by exactly 1 at
// its frame, each note-off lowers it.
const char* kGates = R"({"modules": [
    {"id": "keys", "type": "VoiceController", "params": {"voices": 16}},
    {"id": "out", "type": "AudioOut"}],
  "connections": [{"from": "keys.gate", "to": "out.left"}]})";

// Format 1, 960 ticks per quarter, three tempos, notes on channels 1, 2 and 10 in two tracks
// (mido writes running status). Prints mido's time of every note_on and the song's length.
const char* kSong = R"PY(
import sys, mido
mid = mido.MidiFile(type=1, ticks_per_beat=960)
t0 = mido.MidiTrack(); mid.tracks.append(t0)
t0.append(mido.MetaMessage('set_tempo', tempo=600000, time=0))
t0.append(mido.MetaMessage('set_tempo', tempo=411111, time=1500))
t0.append(mido.MetaMessage('set_tempo', tempo=1000003, time=2001))
t1 = mido.MidiTrack(); mid.tracks.append(t1)
t2 = mido.MidiTrack(); mid.tracks.append(t2)
tick = 0
for i, note in enumerate([60, 62, 64, 65, 67, 69, 71, 72]):
    t1.append(mido.Message('note_on', note=note, velocity=100, channel=i % 2, time=437 if i else 11))
    t1.append(mido.Message('note_off', note=note, velocity=0, channel=i % 2, time=300))
for i in range(5):
    t2.append(mido.Message('note_on', note=36, velocity=127, channel=9, time=777 if i else 123))
    t2.append(mido.Message('note_off', note=36, velocity=64, channel=9, time=120))
mid.save(sys.argv[1])
t = 0.0
for msg in mido.MidiFile(sys.argv[1]):
    t += msg.time
    if msg.type == 'note_on' and msg.velocity > 0:
        print('%.12f' % t)
print('end %.12f' % mido.MidiFile(sys.argv[1]).length)
)PY";

// Frames where the left channel rises (a voice's gate opening).
std::vector<std::size_t> rises(const std::vector<float>& x) {
  std::vector<std::size_t> r;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] > (i ? x[i - 1] : 0.0f)) r.push_back(i);
  return r;
}

} // namespace

TEST(MidiRender, NotesOfAMidoFileStartAtTheirExactSamples) {
  TempDir dir;
  std::ofstream(dir / "song.py") << kSong;
  std::ofstream(dir / "gates.json") << kGates;
  const auto py = runCommand("/usr/bin/python3 " + dir / "song.py" + " " + dir / "song.mid");
  ASSERT_EQ(py.exitCode, 0) << py.output;
  std::vector<double> onsets;
  double end = 0;
  std::istringstream lines(py.output);
  for (std::string word; lines >> word;) {
    if (word == "end") lines >> end;
    else onsets.push_back(std::stod(word));
  }
  ASSERT_EQ(onsets.size(), 13u);
  for (int rate : {44100, 48000}) {
    for (int block : {64, 333}) {
      const std::string wav = dir / "out.wav";
      const auto r = runCommand(kRender + " " + dir / "gates.json" + " --midi " + dir / "song.mid" + " -o " + wav + " --rate " +
                                std::to_string(rate) + " --block " + std::to_string(block));
      ASSERT_EQ(r.exitCode, 0) << r.output;
      EXPECT_EQ(r.output.find("late"), std::string::npos) << r.output;
      const auto w = mvm::render::readWav(wav);
      const auto got = rises(w.channels[0]);
      ASSERT_EQ(got.size(), onsets.size()) << rate;
      std::int64_t worst = 0;
      for (std::size_t k = 0; k < onsets.size(); ++k) {
        const auto want = std::llround(onsets[k] * rate);
        worst = std::max<std::int64_t>(worst, std::llabs(static_cast<std::int64_t>(got[k]) - want));
        EXPECT_EQ(static_cast<std::int64_t>(got[k]), want) << "note " << k << " at " << onsets[k] << " s, " << rate << " Hz";
      }
      EXPECT_EQ(worst, 0);
      // Length: the end of the song (its last End of Track) plus a 2 s release tail.
      EXPECT_EQ(static_cast<double>(w.channels[0].size()), std::round((std::llround(end * rate) / static_cast<double>(rate) + 2.0) * rate))
          << rate;
    }
  }
}

TEST(MidiRender, BadMidiFilesAreReportedWithTheirByte) {
  TempDir dir;
  std::ofstream(dir / "gates.json") << kGates;
  std::ofstream(dir / "bad.mid", std::ios::binary) << std::string("MThd\0\0\0\6\0\0\0\1\0\x60MTrk\0\0\0\4\0\x40\1\2", 26);
  const auto bad = runCommand(kRender + " " + dir / "gates.json" + " --midi " + dir / "bad.mid" + " -o " + dir / "o.wav");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.output.find("bad.mid: byte 23: data byte 0x40 without a running status"), std::string::npos) << bad.output;
  const auto missing = runCommand(kRender + " " + dir / "gates.json" + " --midi " + dir / "nope.mid" + " -o " + dir / "o.wav");
  EXPECT_EQ(missing.exitCode, 3);
  EXPECT_NE(missing.output.find("nope.mid: cannot open file"), std::string::npos) << missing.output;
}
