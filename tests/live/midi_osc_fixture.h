#pragma once
// What the MIDI and OSC tests of mvm-live share: the binaries, a keyboard patch, and a number
// read out of mvm-live's output.

#include <regex>
#include <string>

namespace mvm::test::live {

inline const std::string kLive = MVM_LIVE_BIN;
inline const std::string kProbed = MVM_LIVE_PROBED_BIN;

// A held note sounds a sine; CC 7 sets the output gain.
inline const char* kKeys = R"({"modules": [
    {"id": "keys", "type": "VoiceController", "params": {"voices": 4}},
    {"id": "osc", "type": "SineGen"},
    {"id": "vca", "type": "VCA"},
    {"id": "g", "type": "Gain", "params": {"gain": 0.5}},
    {"id": "out", "type": "AudioOut"}],
  "connections": [{"from": "keys.pitch", "to": "osc.pitch"}, {"from": "osc.out", "to": "vca.in"}, {"from": "keys.gate", "to": "vca.cv"},
                  {"from": "vca.out", "to": "g.in"}, {"from": "g.out", "to": "out.left"}],
  "midi": {"controls": [{"cc": 7, "to": "g.gain", "min": 0, "max": 1}]}})";


// The first group of `pattern` in `text` as a number; ~0 when it is not there.
inline unsigned long long number(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return ~0ull;
  return std::stoull(m[1]);
}

} // namespace mvm::test::live
