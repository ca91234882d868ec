// libFuzzer target: any bytes as a Standard MIDI File, then placed on the tempo map at 48 kHz.
// Errors must be SmfError naming the offset, never a crash, a read outside the buffer or a leak.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "mvm/control/smf_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  try {
    const mvm::MidiSong song = mvm::SmfReader::read(bytes, "fuzz.mid");
    std::uint64_t last = 0;
    for (const mvm::TimedMidiMessage& m : song.messages) {
      const std::uint64_t f = song.frameOf(m.microTicks, 48000);
      if (f < last) __builtin_trap(); // merged in time order
      last = f;
    }
  } catch (const mvm::SmfError&) {
  }
  return 0;
}
