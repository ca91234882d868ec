#pragma once
// How mvm-render stops on SIGINT, SIGTERM, SIGHUP or SIGQUIT (whose default would dump core and leave the
// temporary file): at once, at any stage (reading, compiling,
// rendering, writing, replaying), exit 130, nothing left behind. The handler needs no cooperation
// from a long compile or a blocked write: it removes the temporary output file (its path is kept
// in a static buffer), writes one fixed line and calls _exit, all async-signal-safe. The path is
// published and withdrawn with the signals held, and the final rename runs with them held, so a
// signal never races the creation or the commit of the output.
//
// Batches (batch_renderer.h) write several outputs at once from worker threads, and a handler
// cannot safely walk a list that other threads change. So a batch holds the stopping signals in
// every thread and one thread of its own waits for them (BatchSignalWatcher): ordinary code,
// which may take a lock. While it runs, temporary files are kept in a list under a mutex, and
// SignalsHeld takes that mutex, so a worker's create-and-publish and check-and-rename stay whole
// against the watcher as they do against the handler.

#include <atomic>
#include <climits>
#include <csignal>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
// A batch's temporary files (one per worker at most), while gListTempFiles is set.
inline std::atomic<bool> gListTempFiles{false};
inline std::recursive_mutex gTempFilesMutex; // recursive: publish and withdraw run inside SignalsHeld
inline std::vector<std::string> gTempFiles;

inline sigset_t stoppingSignals() noexcept {
  sigset_t set;
  ::sigemptyset(&set);
  for (int s : kSignals) ::sigaddset(&set, s);
  return set;
}

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

// Holds the stopping signals for its lifetime (this thread; in a batch, the watcher thread too);
// a signal that arrives meanwhile is delivered when it ends.
class SignalsHeld {
public:
  SignalsHeld() : listed_(interrupt_detail::gListTempFiles.load()) {
    const sigset_t set = interrupt_detail::stoppingSignals();
    ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
    if (listed_) interrupt_detail::gTempFilesMutex.lock();
  }
  ~SignalsHeld() {
    if (listed_) interrupt_detail::gTempFilesMutex.unlock();
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

private:
  bool listed_;
  sigset_t previous_;
};

// Once the output is in place the run is complete: from then on a signal waits for the exit (and
// dies with the process), so it can neither undo the output nor turn its exit code into 130.
inline void holdSignalsUntilExit() noexcept {
  const sigset_t set = interrupt_detail::stoppingSignals();
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

// A temporary file a signal removes (one at a time, or one per worker of a batch); call with the
// signals held.
inline void publishTempFile(const char* path) noexcept {
  if (interrupt_detail::gListTempFiles.load()) {
    std::lock_guard lock(interrupt_detail::gTempFilesMutex);
    try {
      interrupt_detail::gTempFiles.emplace_back(path);
    } catch (...) { // out of memory: a signal would leave this one file; the render itself goes on
    }
    return;
  }
  const std::size_t n = std::strlen(path);
  if (n >= sizeof interrupt_detail::gTempPath) return; // cannot happen: the path was created, so it fits PATH_MAX
  std::memcpy(interrupt_detail::gTempPath, path, n + 1);
}
inline void withdrawTempFile(const char* path) noexcept {
  if (interrupt_detail::gListTempFiles.load()) {
    std::lock_guard lock(interrupt_detail::gTempFilesMutex);
    auto& files = interrupt_detail::gTempFiles;
    for (std::size_t i = 0; i < files.size(); ++i)
      if (files[i] == path) {
        files[i].swap(files.back()); // no allocation: the strings move, the list keeps its capacity
        files.pop_back();
        break;
      }
    return;
  }
  if (std::strcmp(interrupt_detail::gTempPath, path) == 0) interrupt_detail::gTempPath[0] = '\0';
}

// For the life of a batch: holds the stopping signals in this thread and every thread it starts
// afterwards, and waits for them on a thread of its own. One ends the process as the handler
// would: the temporary files of every worker are removed (finished outputs stay), one line, exit 130.
class BatchSignalWatcher {
public:
  // `workers`: how many temporary files can exist at once.
  explicit BatchSignalWatcher(std::size_t workers) {
    {
      std::lock_guard lock(interrupt_detail::gTempFilesMutex);
      interrupt_detail::gTempFiles.clear();
      interrupt_detail::gTempFiles.reserve(workers); // one at a time per worker: the list never grows further
    }
    const sigset_t set = interrupt_detail::stoppingSignals();
    ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
    interrupt_detail::gListTempFiles.store(true);
    watcher_ = std::thread([this] { watch(); });
  }
  ~BatchSignalWatcher() {
    stop_.store(true);
    watcher_.join();
    interrupt_detail::gListTempFiles.store(false);
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); // a signal that came meanwhile is delivered now
  }
  BatchSignalWatcher(const BatchSignalWatcher&) = delete;
  BatchSignalWatcher& operator=(const BatchSignalWatcher&) = delete;

private:
  void watch() {
    const sigset_t set = interrupt_detail::stoppingSignals();
    // How soon the destructor's stop is seen: the batch's end waits for it (a one-job batch of a
    // farm task would spend most of its time here at 50 ms), and 200 wake-ups a second cost nothing.
    const timespec poll{0, 5'000'000};
    while (!stop_.load()) {
      if (::sigtimedwait(&set, nullptr, &poll) < 0) continue; // timeout or EINTR
      // Held to the exit: a worker creating or committing its output finishes that step first,
      // and none starts another.
      interrupt_detail::gTempFilesMutex.lock();
      for (const std::string& path : interrupt_detail::gTempFiles) ::unlink(path.c_str());
      if (interrupt_detail::gMessageLength > 0) {
        const ssize_t n = ::write(STDERR_FILENO, interrupt_detail::gMessage, interrupt_detail::gMessageLength);
        (void)n; // nothing to do if stderr is gone
      }
      ::_exit(kInterruptedExit);
    }
  }

  sigset_t previous_{};
  std::atomic<bool> stop_{false};
  std::thread watcher_;
};

} // namespace mvm::render
