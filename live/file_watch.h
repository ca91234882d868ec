#pragma once
// Watches one file by polling its modification time, size and inode (no extra library): an edit
// in place and an editor's save-by-rename both change one of them. A change is reported once the
// file has stopped changing for a short settle time, so a save caught half-written is not loaded.
//
// Thread contract: control thread; poll() does a stat(), never blocks otherwise.

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace mvm::live {

class FileWatch {
public:
  using Clock = std::chrono::steady_clock;

  explicit FileWatch(std::string path, Clock::duration settle = std::chrono::milliseconds(10))
      : path_(std::move(path)), settle_(settle), seen_(stamp()) {}

  enum class Event { None, Changed, Missing };

  // control thread: call often (every few ms to every ~50 ms). Changed: the file changed and has
  // been stable for the settle time since. Missing: it disappeared (reported once per disappearance).
  Event poll(Clock::time_point now = Clock::now()) {
    const Stamp s = stamp();
    if (!s.exists) {
      if (seen_.exists || !missingReported_) {
        seen_ = s;
        pending_ = false;
        missingReported_ = true;
        return Event::Missing;
      }
      return Event::None;
    }
    missingReported_ = false;
    if (s != seen_) {
      seen_ = s;
      pending_ = true;
      changedAt_ = now;
      return Event::None;
    }
    if (pending_ && now - changedAt_ >= settle_) {
      pending_ = false;
      return Event::Changed;
    }
    return Event::None;
  }
  // control thread: true while a change waits for its settle time (poll again soon)
  bool settling() const { return pending_; }
  const std::string& path() const { return path_; }

private:
  struct Stamp {
    bool exists = false;
    std::int64_t mtimeNs = 0, size = 0;
    std::uint64_t inode = 0, device = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const {
    struct stat st{};
    if (::stat(path_.c_str(), &st) != 0) return {};
    return {true, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
            static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_dev)};
  }

  std::string path_;
  Clock::duration settle_;
  Stamp seen_;
  bool pending_ = false, missingReported_ = false;
  Clock::time_point changedAt_{};
};

} // namespace mvm::live
