// mvm-render --midi: a Standard MIDI File written by another tool (Python's mido) renders with
// every note starting at its exact sample, tempo changes included.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "signal_analysis.h"
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
  EXPECT_NE(missing.output.find("nope.mid: cannot open MIDI file"), std::string::npos) << missing.output;
}

namespace {

// A format 0 file, 960 ticks per quarter note at the default 120 bpm (1 s = 1920 ticks): CC 1 at
// 127 (0.5 s), 0 (1 s), 127 (1.5 s), the end at 2 s.
std::vector<char> controllerSong() {
  const std::vector<std::uint8_t> track{0x00, 0xB0, 1, 0,                 // t 0
                                        0x87, 0x40, 0xB0, 1, 127,         // +960
                                        0x87, 0x40, 0xB0, 1, 0,           // +960: exactly at the swap (1 s)
                                        0x87, 0x40, 0xB0, 1, 127,         // +960
                                        0x87, 0x40, 0xFF, 0x2F, 0x00};    // +960: end of track
  std::vector<std::uint8_t> f{'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0x03, 0xC0, 'M', 'T', 'r', 'k', 0, 0, 0,
                              static_cast<std::uint8_t>(track.size())};
  f.insert(f.end(), track.begin(), track.end());
  return {f.begin(), f.end()};
}

// A 440 Hz sine through a gain; CC 1 moves `to` (no ramp: the value lands at the message's frame).
std::string sinePatch(const std::string& to, float min, float max) {
  return R"({"modules": [{"id": "osc", "type": "SineGen", "params": {"freq": 440}}, {"id": "g", "type": "Gain", "params": {"gain": 0.5}}, {"id": "out", "type": "AudioOut"}],
  "connections": [{"from": "osc.out", "to": "g.in"}, {"from": "g.out", "to": "out.left"}],
  "midi": {"controls": [{"cc": 1, "to": ")" + to + R"(", "min": )" + std::to_string(min) + R"(, "max": )" + std::to_string(max) +
         R"(, "ramp": 0}]}})";
}

} // namespace

// --midi with --swap: each patch's MIDI mapping applies from the frame its swap lands on. Patch a
// maps CC 1 to the gain, patch b (swapped in at 1 s) to the frequency; the CC at exactly 1 s
// already goes through b's mapping.
TEST(MidiRender, EachSwappedInPatchMapsTheMidiFromItsSwapOn) {
  TempDir dir;
  const auto song = controllerSong();
  std::ofstream(dir / "cc.mid", std::ios::binary).write(song.data(), static_cast<std::streamsize>(song.size()));
  std::ofstream(dir / "a.json") << sinePatch("g.gain", 0, 1);
  std::ofstream(dir / "b.json") << sinePatch("osc.freq", 100, 1000);
  const std::string wav = dir / "out.wav";
  const auto r = runCommand(kRender + " " + dir / "a.json" + " --midi " + dir / "cc.mid" + " --swap 1=" + dir / "b.json" +
                            " --crossfade-ms 0 --rate 48000 -o " + wav);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto w = mvm::render::readWav(wav);
  const auto& x = w.channels[0];
  ASSERT_EQ(x.size(), 4u * 48000u); // the song's 2 s + the 2 s tail
  using mvm::test::estimateFrequency;
  using mvm::test::rms;
  const auto at = [](double s) { return static_cast<std::size_t>(s * 48000); };
  // a: CC 1 = 0 then 127 moves the gain (0 → 1), at 440 Hz
  EXPECT_LT(rms(x, at(0.01), at(0.49)), 1e-6);
  EXPECT_NEAR(rms(x, at(0.51), at(0.99)), std::sqrt(0.5), 1e-3);
  EXPECT_NEAR(estimateFrequency(x, 48000, at(0.51), at(0.99)), 440.0, 0.5);
  // b from 1 s (frame 48000, a block boundary): CC 1 = 0 → 100 Hz, 127 → 1000 Hz. The live gain
  // of 1 carries over (b gives g.gain the same 0.5 as a: docs/hot-swap.md); through a's mapping
  // the CC at 1 s would have set it to 0, silence.
  EXPECT_NEAR(rms(x, at(1.01), at(1.49)), std::sqrt(0.5), 1e-3);
  EXPECT_NEAR(estimateFrequency(x, 48000, at(1.01), at(1.49)), 100.0, 0.5);
  EXPECT_NEAR(rms(x, at(1.51), at(1.99)), std::sqrt(0.5), 1e-3);
  EXPECT_NEAR(estimateFrequency(x, 48000, at(1.51), at(1.99)), 1000.0, 0.5);
}
