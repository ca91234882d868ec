// libFuzzer target: any bytes as a session.json. Errors must be SessionError (a PatchError) with a
// one-line message quoting only excerpts, never a crash, undefined behaviour or a leak.

#include <cstddef>
#include <cstdint>
#include <string>

#include "mvm/mvm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const mvm::Session s = mvm::parseSession(text, "fuzz/session.json");
    for (std::size_t i = 1; i < s.events.size(); ++i)
      if (s.events[i].frame < s.events[i - 1].frame) __builtin_trap(); // the parser checks the order
  } catch (const mvm::PatchError& e) {
    const std::string what = e.what();
    if (what.find('\n') != std::string::npos || what.find('\x1b') != std::string::npos || what.size() > 4096) __builtin_trap();
  }
  return 0;
}
