#pragma once
// How mvm-render stops on SIGINT, SIGTERM, SIGHUP or SIGQUIT (whose default would dump core and leave the
// temporary file): at once, at any stage (reading, compiling,
// rendering, writing, replaying), exit 130, nothing left behind. The handler needs no cooperation
// from a long compile or a blocked write: it removes the temporary output file (its path is kept
// in a static buffer), writes one fixed line and calls _exit, all async-signal-safe. The path is
// published and withdrawn with the signals held, and the final rename runs with them held, so a
// signal never races the creation or the commit of the output.

#include <climits>
#include <csignal>
#include <cstring>
#include <string>

#include <signal.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(realtime_sanitizer)
#include <sanitizer/rtsan_interface.h>
#define MVM_RENDER_UNDER_RTSAN 1
#endif
#endif

namespace mvm::render {

inline constexpr int kInterruptedExit = 130;

namespace interrupt_detail {
inline char gTempPath[PATH_MAX + 1] = {};      // the temporary file to remove, or ""
inline char gMessage[PATH_MAX + 128] = {};     // the one line written on a signal
inline std::size_t gMessageLength = 0;
inline constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

inline void onSignal(int) {
#ifdef MVM_RENDER_UNDER_RTSAN
  // The signal may land inside VM::process (the audio path runs on this thread offline); the
  // handler ends the process rather than continuing the block, so its unlink is not real-time work.
  __rtsan_disable();
#endif
  if (gTempPath[0] != '\0') ::unlink(gTempPath);
  if (gMessageLength > 0) {
    const ssize_t n = ::write(STDERR_FILENO, gMessage, gMessageLength);
    (void)n; // nothing to do if stderr is gone
  }
  ::_exit(kInterruptedExit);
}
} // namespace interrupt_detail

// Holds the stopping signals for its lifetime (this thread); a signal that arrives
// meanwhile is delivered when it ends.
class SignalsHeld {
public:
  SignalsHeld() noexcept {
    sigset_t set;
    ::sigemptyset(&set);
    for (int s : interrupt_detail::kSignals) ::sigaddset(&set, s);
    ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
  }
  ~SignalsHeld() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

private:
  sigset_t previous_;
};

// Once the output is in place the run is complete: from then on a signal waits for the exit (and
// dies with the process), so it can neither undo the output nor turn its exit code into 130.
inline void holdSignalsUntilExit() noexcept {
  sigset_t set;
  ::sigemptyset(&set);
  for (int s : interrupt_detail::kSignals) ::sigaddset(&set, s);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// The line a signal prints: names the output that will not be written.
inline void setInterruptNotice(const std::string& output) {
  using namespace interrupt_detail;
  const std::string prefix = ::isatty(STDERR_FILENO) ? "\r\033[K" : ""; // over the progress line
  std::string line = prefix + "mvm-render: interrupted" + (output.empty() ? "" : "; " + output + " not written");
  line = line.substr(0, sizeof gMessage - 2) + "\n";
  SignalsHeld hold;
  std::memcpy(gMessage, line.data(), line.size());
  gMessageLength = line.size();
}

// First thing in main. SIGHUP keeps an inherited "ignore" (nohup); SIGINT, SIGTERM and SIGQUIT always
// stop. SIGXFSZ (a file-size limit) and SIGPIPE (stderr a closed pipe) are ignored: their default
// kills the process with the temporary file in place, while ignored they turn into a failed write,
// which ends the run with the write-error exit code and removes the file.
inline void installInterruptHandlers() {
  setInterruptNotice("");
  ::signal(SIGXFSZ, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = interrupt_detail::onSignal;
  ::sigemptyset(&sa.sa_mask);
  for (int s : interrupt_detail::kSignals) ::sigaddset(&sa.sa_mask, s);
  for (int s : interrupt_detail::kSignals) {
    struct sigaction old {};
    if (s == SIGHUP && ::sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    ::sigaction(s, &sa, nullptr);
  }
}

// A temporary file a signal removes (one at a time); call with the signals held.
inline void publishTempFile(const char* path) noexcept {
  const std::size_t n = std::strlen(path);
  if (n >= sizeof interrupt_detail::gTempPath) return; // cannot happen: the path was created, so it fits PATH_MAX
  std::memcpy(interrupt_detail::gTempPath, path, n + 1);
}
inline void withdrawTempFile(const char* path) noexcept {
  if (std::strcmp(interrupt_detail::gTempPath, path) == 0) interrupt_detail::gTempPath[0] = '\0';
}

} // namespace mvm::render
