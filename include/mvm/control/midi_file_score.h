#pragma once
// A Standard MIDI File as a Score: every message mapped through the patch's MidiMapper at its
// exact frame (the tempo map is integer-exact; a frame is one rounding of the true time). The
// score lasts until the song's end plus a release tail. Control thread.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "mvm/control/midi_mapper.h"
#include "mvm/control/score.h"
#include "mvm/control/smf_reader.h"

namespace mvm {

// A patch's mapping from `fromFrame` on: a render that swaps patches (mvm-render --swap) maps each
// message through the patch that plays at its frame.
struct TimedMidiMapper {
  std::uint64_t fromFrame = 0;
  MidiMapper mapper;
};

// `mappers` in any order; a message before the first fromFrame goes through the earliest mapper,
// and of mappers with the same fromFrame the last one given applies (as the last of several swaps
// scheduled at one frame is the one that plays).
inline Score scoreFromMidiSong(const MidiSong& song, std::vector<TimedMidiMapper> mappers, std::uint32_t sampleRate, double tailSeconds) {
  std::stable_sort(mappers.begin(), mappers.end(), [](const TimedMidiMapper& a, const TimedMidiMapper& b) { return a.fromFrame < b.fromFrame; });
  Score score;
  std::size_t current = 0;
  for (const TimedMidiMessage& m : song.messages) { // in time order
    const std::uint64_t frame = song.frameOf(m.microTicks, sampleRate);
    while (current + 1 < mappers.size() && mappers[current + 1].fromFrame <= frame) ++current;
    if (!mappers.empty()) mappers[current].mapper.map(m.message, frame, [&](const Event& e) { score.events.push_back(e); });
  }
  score.lastFrame = score.events.empty() ? 0 : score.events.back().frame;
  score.durationSeconds = static_cast<double>(std::max(song.frameOf(song.endMicroTicks, sampleRate), score.lastFrame)) / sampleRate + tailSeconds;
  return score;
}

inline Score scoreFromMidiSong(const MidiSong& song, const MidiMapper& mapper, std::uint32_t sampleRate, double tailSeconds) {
  return scoreFromMidiSong(song, std::vector<TimedMidiMapper>{{0, mapper}}, sampleRate, tailSeconds);
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
