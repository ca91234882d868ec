#pragma once
// Standard MIDI Files built byte by byte, for tests of the reader and of hostile files.

#include <cstdint>
#include <vector>

namespace mvm::test {

class SmfTrack {
public:
  // a delta time, as a variable-length quantity
  SmfTrack& delta(std::uint32_t ticks) {
    std::uint8_t groups[5];
    int n = 0;
    do {
      groups[n++] = static_cast<std::uint8_t>(ticks & 0x7F);
      ticks >>= 7;
    } while (ticks);
    while (n--) bytes.push_back(static_cast<std::uint8_t>(groups[n] | (n ? 0x80 : 0)));
    return *this;
  }
  SmfTrack& tempo(std::uint32_t delta, std::uint32_t microsPerQuarter) {
    this->delta(delta);
    bytes.insert(bytes.end(), {0xFF, 0x51, 0x03, static_cast<std::uint8_t>(microsPerQuarter >> 16),
                               static_cast<std::uint8_t>(microsPerQuarter >> 8), static_cast<std::uint8_t>(microsPerQuarter)});
    return *this;
  }
  SmfTrack& message(std::uint32_t delta, std::uint8_t status, std::uint8_t data1, std::uint8_t data2) {
    this->delta(delta);
    bytes.insert(bytes.end(), {status, data1, data2});
    return *this;
  }
  SmfTrack& end(std::uint32_t delta = 0) {
    this->delta(delta);
    bytes.insert(bytes.end(), {0xFF, 0x2F, 0x00});
    return *this;
  }
  std::vector<std::uint8_t> bytes;
};

// MThd (format 0 for one track, else 1) at `division`, then the tracks.
inline std::vector<std::uint8_t> smfFile(const std::vector<SmfTrack>& tracks, std::uint16_t division = 480) {
  std::vector<std::uint8_t> f{'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, static_cast<std::uint8_t>(tracks.size() == 1 ? 0 : 1),
                              static_cast<std::uint8_t>(tracks.size() >> 8), static_cast<std::uint8_t>(tracks.size()),
                              static_cast<std::uint8_t>(division >> 8), static_cast<std::uint8_t>(division)};
  for (const SmfTrack& t : tracks) {
    f.insert(f.end(), {'M', 'T', 'r', 'k'});
    const auto n = static_cast<std::uint32_t>(t.bytes.size());
    for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<std::uint8_t>(n >> s));
    f.insert(f.end(), t.bytes.begin(), t.bytes.end());
  }
  return f;
}

} // namespace mvm::test
