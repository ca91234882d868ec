#pragma once
// A channel-voice MIDI message (status byte and up to two data bytes), as it comes from a MIDI
// file, a MIDI port or a score. System messages other than these are not carried.

#include <cstdint>

namespace mvm {

struct MidiMessage {
  std::uint8_t status = 0; // 0x80..0xEF: kind in the high nibble, channel 0..15 in the low
  std::uint8_t data1 = 0;
  std::uint8_t data2 = 0;

  enum Kind : std::uint8_t {
    kNoteOff = 0x80,
    kNoteOn = 0x90,
    kPolyPressure = 0xA0,
    kControlChange = 0xB0,
    kProgramChange = 0xC0,
    kChannelPressure = 0xD0,
    kPitchBend = 0xE0,
  };

  constexpr std::uint8_t kind() const noexcept { return static_cast<std::uint8_t>(status & 0xF0); }
  constexpr int channel() const noexcept { return status & 0x0F; } // 0..15
  constexpr bool isChannelVoice() const noexcept { return status >= 0x80 && status < 0xF0; }
  // Data bytes that follow a status byte of this kind (1 or 2).
  static constexpr int dataBytes(std::uint8_t status) noexcept {
    const std::uint8_t k = static_cast<std::uint8_t>(status & 0xF0);
    return k == kProgramChange || k == kChannelPressure ? 1 : 2;
  }
};

} // namespace mvm
