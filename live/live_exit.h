#pragma once
// mvm-live's exit statuses, as its --help lists them.

namespace mvm::live {

// kFileOrAudioError: a file named on the command line cannot be used (missing, not a regular
// file, over its cap), like mvm-render's 3, or the audio API or device failed.
enum Exit { kOk = 0, kBadPatch = 1, kUsage = 2, kFileOrAudioError = 3, kSoakFailed = 4, kInternalError = 5 };
constexpr Exit kAudioError = kFileOrAudioError;

} // namespace mvm::live
