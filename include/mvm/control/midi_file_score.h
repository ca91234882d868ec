#pragma once
// A Standard MIDI File as a Score: every message mapped through the patch's MidiMapper at its
// exact frame (the tempo map is integer-exact; a frame is one rounding of the true time). The
// score lasts until the song's end plus a release tail. Control thread.

#include <algorithm>
#include <cstdint>

#include "mvm/control/midi_mapper.h"
#include "mvm/control/score.h"
#include "mvm/control/smf_reader.h"

namespace mvm {

inline Score scoreFromMidiSong(const MidiSong& song, const MidiMapper& mapper, std::uint32_t sampleRate, double tailSeconds) {
  Score score;
  for (const TimedMidiMessage& m : song.messages)
    mapper.map(m.message, song.frameOf(m.microTicks, sampleRate), [&](const Event& e) { score.events.push_back(e); });
  score.lastFrame = score.events.empty() ? 0 : score.events.back().frame;
  score.durationSeconds = static_cast<double>(std::max(song.frameOf(song.endMicroTicks, sampleRate), score.lastFrame)) / sampleRate + tailSeconds;
  return score;
}

// Both scores' events in frame order (stable: `a` first at equal frames); the longer duration.
inline Score mergeScores(Score a, const Score& b) {
  const std::size_t mid = a.events.size();
  a.events.insert(a.events.end(), b.events.begin(), b.events.end());
  std::inplace_merge(a.events.begin(), a.events.begin() + static_cast<std::ptrdiff_t>(mid), a.events.end(),
                     [](const Event& x, const Event& y) { return x.frame < y.frame; });
  a.lastFrame = std::max(a.lastFrame, b.lastFrame);
  a.durationSeconds = std::max(a.durationSeconds, b.durationSeconds);
  return a;
}

} // namespace mvm
