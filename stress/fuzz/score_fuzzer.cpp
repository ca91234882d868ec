// libFuzzer target: any bytes as a score for patches/poly-subtractive.json (voices, parameters).
// Errors must be PatchError, never a crash, undefined behaviour or a leak.

#include <cstddef>
#include <cstdint>
#include <string>

#include "mvm/mvm.h"

namespace {
const mvm::PatchGraph& patch() {
  static const mvm::PatchGraph g = mvm::PatchParser(mvm::builtinModules()).parseFromFile(MVM_SOURCE_DIR "/patches/poly-subtractive.json");
  return g;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const mvm::Score s = mvm::ScoreParser(mvm::builtinModules()).parseFromJson(text, "fuzz.score.json", patch(), 48000.0);
    for (std::size_t i = 1; i < s.events.size(); ++i)
      if (s.events[i].frame < s.events[i - 1].frame) __builtin_trap(); // the parser sorts by frame
  } catch (const mvm::PatchError& e) {
    const std::string what = e.what(); // one line, no terminal escape, excerpts only
    if (what.find('\n') != std::string::npos || what.find('\x1b') != std::string::npos || what.size() > 4096) __builtin_trap();
  }
  return 0;
}
