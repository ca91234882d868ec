#pragma once
// What a patch request (PatchManager::loadPatch, loadPatchFromString, rollback) returns: a
// handle on the request's progress — queued, compiling, scheduled, swapped in, faded — or why it
// ended otherwise (failed, superseded, unchanged), with its times, generation and the compiler's
// diagnostics. Any control thread may read and wait on it; the PatchManager's thread writes it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mvm/core/file_reader.h"

namespace mvm {

class PatchManager;

enum class SwapState {
  Queued,     // waiting for the compile thread
  Compiling,
  Scheduled,  // compiled, waiting for the audio thread's next block boundary
  Swapped,    // the new program is running (fading in)
  Faded,      // the fade is done: the old program is gone
  Unchanged,  // compiled to the program already running: no swap needed
  Failed,     // parse, validation or compile error (see error()); the running program is untouched
  Superseded, // a newer request replaced this one before it was swapped in
};

inline const char* swapStateName(SwapState s) {
  switch (s) {
  case SwapState::Queued: return "queued";
  case SwapState::Compiling: return "compiling";
  case SwapState::Scheduled: return "scheduled";
  case SwapState::Swapped: return "swapped";
  case SwapState::Faded: return "faded";
  case SwapState::Unchanged: return "unchanged";
  case SwapState::Failed: return "failed";
  case SwapState::Superseded: return "superseded";
  }
  return "?";
}

// Times of one swap, steady-clock nanoseconds and frames of the rendered stream.
struct SwapTimes {
  std::uint64_t requestNs = 0, compiledNs = 0, firstBlockNs = 0, fadeDoneNs = 0;
  std::uint64_t requestFrame = 0, compiledFrame = 0, firstBlockFrame = 0, fadeDoneFrame = 0;
  double compileMs() const { return static_cast<double>(compiledNs - requestNs) * 1e-6; }
  double audibleMs() const { return static_cast<double>(firstBlockNs - requestNs) * 1e-6; }
  double fadedMs() const { return static_cast<double>(fadeDoneNs - requestNs) * 1e-6; }
};

struct SwapFailure {
  enum class Kind { None, File, Patch, Other } kind = Kind::None;
  FileError::Reason fileReason = FileError::Reason::Unreadable; // Kind::File
  int line = 0, column = 0;                                      // Kind::Patch, when the parser knows the place
};

class SwapHandle {
public:
  SwapHandle() = default;
  SwapState state() const {
    std::lock_guard lock(r_->mutex);
    return r_->state;
  }
  bool finished() const { return isFinal(state()); }
  // Waits until the request is final (faded, unchanged, failed or superseded) or the timeout passes.
  SwapState wait(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock lock(r_->mutex);
    r_->cv.wait_for(lock, timeout, [&] { return isFinal(r_->state); });
    return r_->state;
  }
  // Waits until the request reached `at least` (in the order of SwapState) or is final.
  SwapState waitFor(SwapState atLeast, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock lock(r_->mutex);
    r_->cv.wait_for(lock, timeout, [&] { return r_->state >= atLeast || isFinal(r_->state); });
    return r_->state;
  }
  std::string error() const {
    std::lock_guard lock(r_->mutex);
    return r_->error;
  }
  SwapTimes times() const {
    std::lock_guard lock(r_->mutex);
    return r_->times;
  }
  std::uint64_t generation() const {
    std::lock_guard lock(r_->mutex);
    return r_->generation;
  }
  // The compiler's reports on the patch (a feedback cycle broken with a one-block delay, …);
  // known once the request is compiled.
  std::vector<std::string> diagnostics() const {
    std::lock_guard lock(r_->mutex);
    return r_->diagnostics;
  }
  // Why a Failed request failed, as a class (the text is error()): a peer that may not see the
  // text still learns whether the file was unusable or the patch invalid, and where.
  SwapFailure failure() const {
    std::lock_guard lock(r_->mutex);
    return r_->failure;
  }
  explicit operator bool() const { return r_ != nullptr; }

  static bool isFinal(SwapState s) {
    return s == SwapState::Faded || s == SwapState::Unchanged || s == SwapState::Failed || s == SwapState::Superseded;
  }

private:
  friend class PatchManager;
  struct Request {
    enum class Kind { Text, File, Rollback } kind = Kind::Text;
    std::string text, source;
    mutable std::mutex mutex;
    std::condition_variable cv;
    SwapState state = SwapState::Queued;
    std::string error;
    SwapFailure failure;
    std::uint64_t generation = 0;
    std::vector<std::string> diagnostics;
    SwapTimes times;
  };
  explicit SwapHandle(std::shared_ptr<Request> r) : r_(std::move(r)) {}
  std::shared_ptr<Request> r_;
};

} // namespace mvm
