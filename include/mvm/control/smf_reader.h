#pragma once
// Standard MIDI File reader (formats 0 and 1): every channel-voice message of every track, merged
// in time order and placed on the tempo map (tempo changes anywhere in any track, or SMPTE
// division). Meta events and sysex are skipped by their lengths; running status is honoured.
// A malformed file throws SmfError naming the byte offset and the cause. Control thread only.
//
// Times are kept exact: a message's position is its "micro-ticks" (sum over tempo segments of
// ticks × µs per quarter note), so its frame at any sample rate is one integer rounding away.

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mvm/control/midi_message.h"
#include "mvm/core/file_reader.h"
#include "mvm/patch/limits.h"

namespace mvm {

class SmfError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct TimedMidiMessage {
  std::uint64_t tick = 0;
  unsigned __int128 microTicks = 0; // Σ ticks × tempo (µs per quarter); see MidiSong::frameOf
  int track = 0;
  MidiMessage message;
};

struct TempoChange {
  std::uint64_t tick = 0;
  std::uint32_t microsPerQuarter = 500000;
};

struct MidiSong {
  int format = 0;
  int tracks = 0;
  int ticksPerQuarter = 0;      // > 0 for metrical time
  int smpteFps = 0;             // > 0 for SMPTE time (then ticksPerFrame)
  int ticksPerFrame = 0;
  std::vector<TimedMidiMessage> messages; // sorted by time; same time: track order, then file order
  std::vector<TempoChange> tempoMap;      // sorted by tick, first at tick 0
  std::uint64_t endTick = 0;              // the latest End of Track of any track
  unsigned __int128 endMicroTicks = 0;

  // Frame of a position at `rate` Hz, rounded to the nearest frame (halves up).
  std::uint64_t frameOf(unsigned __int128 microTicks, std::uint32_t rate) const noexcept {
    // metrical: seconds = microTicks / (ticksPerQuarter × 1e6); SMPTE: microTicks holds ticks × 1e6
    const unsigned __int128 den = ticksPerQuarter > 0 ? static_cast<unsigned __int128>(ticksPerQuarter) * 1000000u
                                                      : static_cast<unsigned __int128>(smpteFps) * ticksPerFrame * 1000000u;
    // Saturates rather than wraps: a hostile file's far end must stay far (the length cap refuses it).
    const unsigned __int128 frames = (microTicks * rate * 2 + den) / (den * 2);
    return frames > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(frames);
  }
  double secondsOf(unsigned __int128 microTicks) const noexcept {
    const double den = ticksPerQuarter > 0 ? ticksPerQuarter * 1e6 : static_cast<double>(smpteFps) * ticksPerFrame * 1e6;
    return static_cast<double>(microTicks) / den;
  }
  double endSeconds() const noexcept { return secondsOf(endMicroTicks); }
};

class SmfReader {
public:
  // Throws FileError (missing, unreadable, not a regular file, over the cap) or SmfError (content).
  static MidiSong readFile(const std::string& path) {
    const std::string text = readRegularFile(path, limits::kMaxMidiFileBytes, "MIDI");
    return read(std::vector<std::uint8_t>(text.begin(), text.end()), path);
  }

  static MidiSong read(const std::vector<std::uint8_t>& bytes, const std::string& source = "<midi>") {
    SmfReader r(bytes, source);
    return r.parse();
  }

private:
  SmfReader(const std::vector<std::uint8_t>& bytes, const std::string& source) : b_(bytes), source_(source) {}

  // Out of line: gcc 12 warns falsely (-Warray-bounds) about string concatenation inlined here.
  [[noreturn, gnu::noinline, gnu::cold]] void fail(std::size_t offset, std::string_view cause, std::string_view more = {}) const {
    std::string m = source_;
    m.append(": byte ").append(std::to_string(offset)).append(": ").append(cause).append(more);
    throw SmfError(m);
  }
  void need(std::size_t at, std::size_t n, std::size_t end, const char* what) const {
    if (at + n > end || at + n < at) fail(at, "truncated ", what);
  }
  std::uint32_t be(std::size_t at, int n) const {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | b_[at + static_cast<std::size_t>(i)];
    return v;
  }
  // Variable-length quantity: at most 4 bytes (28 bits).
  std::uint32_t vlq(std::size_t& at, std::size_t end, const char* what) const {
    const std::size_t start = at;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      if (at >= end) fail(start, "truncated ", what);
      const std::uint8_t c = b_[at++];
      v = (v << 7) | (c & 0x7Fu);
      if (!(c & 0x80)) return v;
    }
    fail(start, what, " is longer than 4 bytes");
  }

  MidiSong parse() {
    MidiSong song;
    if (b_.size() < 14 || be(0, 4) != 0x4D546864) fail(0, "not a Standard MIDI File (no MThd header)");
    const std::uint32_t headerLength = be(4, 4);
    if (headerLength < 6) fail(4, "MThd length " + std::to_string(headerLength) + " is below 6");
    need(8, headerLength, b_.size(), "MThd chunk");
    song.format = static_cast<int>(be(8, 2));
    song.tracks = static_cast<int>(be(10, 2));
    const std::uint32_t division = be(12, 2);
    if (song.format == 2) fail(8, "format 2 (independent sequences) is not supported; use format 0 or 1");
    if (song.format > 2) fail(8, "unknown format " + std::to_string(song.format));
    if (song.tracks == 0) fail(10, "the file declares no tracks");
    if (song.format == 0 && song.tracks != 1) fail(10, "format 0 must have exactly one track, declares " + std::to_string(song.tracks));
    if (division & 0x8000) {
      const int fps = -static_cast<int>(static_cast<std::int8_t>(division >> 8));
      if (fps != 24 && fps != 25 && fps != 29 && fps != 30) fail(12, "SMPTE division with " + std::to_string(fps) + " frames per second");
      song.smpteFps = fps == 29 ? 30 : fps; // 29.97 drop-frame counts 30 frame numbers per second of time code
      song.ticksPerFrame = static_cast<int>(division & 0xFF);
      if (song.ticksPerFrame == 0) fail(13, "SMPTE division with 0 ticks per frame");
    } else {
      song.ticksPerQuarter = static_cast<int>(division);
      if (song.ticksPerQuarter == 0) fail(12, "division of 0 ticks per quarter note");
    }

    std::vector<TimedMidiMessage> all;
    std::vector<TempoChange> tempos;
    std::size_t at = 8 + headerLength;
    int track = 0;
    while (track < song.tracks) {
      if (at + 8 > b_.size()) fail(at, "expected " + std::to_string(song.tracks) + " tracks, found " + std::to_string(track));
      const std::uint32_t id = be(at, 4), length = be(at + 4, 4);
      const std::size_t body = at + 8;
      need(body, length, b_.size(), id == 0x4D54726B ? "MTrk chunk" : "chunk");
      if (id == 0x4D54726B) {
        readTrack(body, body + length, track, all, tempos, song);
        ++track;
      } // other chunk types are skipped, as the standard asks
      at = body + length;
    }

    // Tempo map: metrical files only (SMPTE time ignores Set Tempo).
    std::stable_sort(tempos.begin(), tempos.end(), [](const TempoChange& a, const TempoChange& c) { return a.tick < c.tick; });
    if (tempos.empty() || tempos.front().tick != 0) tempos.insert(tempos.begin(), TempoChange{0, 500000});
    song.tempoMap = tempos;
    std::stable_sort(all.begin(), all.end(), [](const TimedMidiMessage& a, const TimedMidiMessage& c) {
      return a.tick != c.tick ? a.tick < c.tick : a.track < c.track;
    });
    const TempoPositions positions(song);
    std::size_t segment = 0;
    for (TimedMidiMessage& m : all) m.microTicks = positions.at(m.tick, segment); // ticks ascend: one walk
    song.endMicroTicks = positions.at(song.endTick, segment);
    song.messages = std::move(all);
    return song;
  }

  // Micro-ticks of a tick: the sum over the tempo segments before it. With that sum kept at each
  // tempo change, a position is one multiplication from the change before it, and positions in
  // ascending order are one walk along the map (a scan per message was quadratic: 150,000 tempo
  // changes and as many notes took minutes).
  class TempoPositions {
  public:
    explicit TempoPositions(const MidiSong& song) : song_(song), start_(song.tempoMap.size()) {
      const std::vector<TempoChange>& map = song.tempoMap;
      for (std::size_t i = 1; i < map.size(); ++i)
        start_[i] = start_[i - 1] + static_cast<unsigned __int128>(map[i].tick - map[i - 1].tick) * map[i - 1].microsPerQuarter;
    }
    // `segment`: where the previous lookup ended (a lower tick than the last one starts over)
    unsigned __int128 at(std::uint64_t tick, std::size_t& segment) const {
      if (song_.ticksPerQuarter == 0) return static_cast<unsigned __int128>(tick) * 1000000u;
      const std::vector<TempoChange>& map = song_.tempoMap;
      if (segment >= map.size() || map[segment].tick >= tick) segment = 0;
      // the last change strictly before `tick` (changes at `tick` itself do not count yet)
      while (segment + 1 < map.size() && map[segment + 1].tick < tick) ++segment;
      if (map.empty() || map[segment].tick >= tick) return 0;
      return start_[segment] + static_cast<unsigned __int128>(tick - map[segment].tick) * map[segment].microsPerQuarter;
    }

  private:
    const MidiSong& song_;
    std::vector<unsigned __int128> start_; // micro-ticks at each tempo change
  };

  void readTrack(std::size_t at, std::size_t end, int track, std::vector<TimedMidiMessage>& out, std::vector<TempoChange>& tempos,
                 MidiSong& song) const {
    std::uint64_t tick = 0;
    std::uint8_t running = 0;
    bool ended = false;
    while (at < end) {
      tick += vlq(at, end, "delta time");
      if (at >= end) fail(at, "truncated event (track " + std::to_string(track) + ")");
      const std::size_t eventAt = at;
      std::uint8_t status = b_[at];
      if (status == 0xFF) { // meta: type, length, data
        need(at, 2, end, "meta event");
        const std::uint8_t type = b_[at + 1];
        at += 2;
        const std::uint32_t len = vlq(at, end, "meta event length");
        need(at, len, end, "meta event data");
        if (type == 0x51) {
          if (len != 3) fail(eventAt, "Set Tempo with length " + std::to_string(len) + " (expected 3)");
          const std::uint32_t us = be(at, 3);
          if (us == 0) fail(eventAt, "Set Tempo of 0 microseconds per quarter note");
          tempos.push_back({tick, us});
        } else if (type == 0x2F) {
          ended = true;
          at += len;
          break;
        }
        at += len;
        running = 0; // meta and sysex cancel running status
        continue;
      }
      if (status == 0xF0 || status == 0xF7) { // sysex or escape: length, data
        ++at;
        const std::uint32_t len = vlq(at, end, "sysex length");
        need(at, len, end, "sysex data");
        at += len;
        running = 0;
        continue;
      }
      if (status >= 0xF1) fail(eventAt, "system message 0x" + hex(status) + " is not allowed in a MIDI file");
      if (status & 0x80) {
        ++at;
        running = status;
      } else {
        if (!running) fail(eventAt, "data byte 0x" + hex(status) + " without a running status");
        status = running;
      }
      const int n = MidiMessage::dataBytes(status);
      need(at, static_cast<std::size_t>(n), end, "channel message");
      TimedMidiMessage m;
      m.tick = tick;
      m.track = track;
      m.message.status = status;
      m.message.data1 = b_[at];
      m.message.data2 = n == 2 ? b_[at + 1] : 0;
      if ((m.message.data1 | m.message.data2) & 0x80) fail(at, "data byte above 127 in a channel message");
      at += static_cast<std::size_t>(n);
      out.push_back(m);
    }
    if (!ended) fail(end, "track " + std::to_string(track) + " has no End of Track event");
    song.endTick = std::max(song.endTick, tick);
  }

  static std::string hex(std::uint8_t v) {
    const char* d = "0123456789ABCDEF";
    return {d[v >> 4], d[v & 15]};
  }

  const std::vector<std::uint8_t>& b_;
  std::string source_;
};

} // namespace mvm
