#pragma once
// Marks the audio thread. The VM enters an AudioThreadScope in process(); the test harness
// (tests/support/rt_probe.*) counts allocations, locks and blocking calls made inside it.
// MVM_NONBLOCKING puts RealtimeSanitizer's contract on the audio path where clang supports it. It is
// a type attribute: it goes after the parameter list and noexcept (`void f() noexcept MVM_NONBLOCKING`).

#if defined(__clang__) && defined(__has_cpp_attribute)
#if __has_cpp_attribute(clang::nonblocking)
#define MVM_NONBLOCKING [[clang::nonblocking]]
#endif
#endif
#ifndef MVM_NONBLOCKING
#define MVM_NONBLOCKING
#endif

// MVM_RTSAN: built with RealtimeSanitizer, whose interface (ScopedDisabler) is then at hand.
#if defined(__has_feature)
#if __has_feature(realtime_sanitizer)
#include <sanitizer/rtsan_interface.h>
#define MVM_RTSAN 1
#endif
#endif

namespace mvm {

inline thread_local int tAudioThreadDepth = 0;

// audio thread, wait-free
struct AudioThreadScope {
  AudioThreadScope() noexcept { ++tAudioThreadDepth; }
  ~AudioThreadScope() { --tAudioThreadDepth; }
  AudioThreadScope(const AudioThreadScope&) = delete;
  AudioThreadScope& operator=(const AudioThreadScope&) = delete;
};

// any thread
inline bool onAudioThread() noexcept { return tAudioThreadDepth > 0; }

} // namespace mvm
