#pragma once
// Resident set size of this process, from /proc/self/statm, and its growth over a run; the part
// of it that is locked, from /proc/self/smaps_rollup.
//
// Thread contract: control thread (one read of a small /proc file per sample).

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace mvm::live {

// Bytes resident now; nullopt where /proc is not there.
inline std::optional<std::uint64_t> residentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return std::nullopt;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return std::nullopt;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Bytes resident and locked (mlock) now; nullopt where /proc does not say.
inline std::optional<std::uint64_t> lockedBytes() {
  std::FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (!f) return std::nullopt;
  char line[256];
  std::optional<std::uint64_t> locked;
  unsigned long long kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "Locked: %llu kB", &kb) == 1) {
      locked = static_cast<std::uint64_t>(kb) * 1024u;
      break;
    }
  std::fclose(f);
  return locked;
}

// Bytes resident now in the mappings of files whose path starts with `prefix` (from
// /proc/self/smaps): e.g. "/dev/shm/jack", the JACK server's shared memory, which libjack maps and
// locks whole in every client; nullopt where /proc does not say.
inline std::optional<std::uint64_t> residentBytesOf(const std::string& prefix) {
  std::FILE* f = std::fopen("/proc/self/smaps", "r");
  if (!f) return std::nullopt;
  char line[4096];
  bool inside = false;
  unsigned long long total = 0, kb = 0, from = 0, to = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::sscanf(line, "Rss: %llu kB", &kb) == 1) {
      if (inside) total += kb;
    } else if (std::sscanf(line, "%llx-%llx ", &from, &to) == 2) { // a mapping: range perms offset dev inode [path]
      const char* path = std::strchr(line, '/');
      inside = path && std::strncmp(path, prefix.c_str(), prefix.size()) == 0;
    }
  }
  std::fclose(f);
  return static_cast<std::uint64_t>(total) * 1024u;
}

// The page faults (minor and major) thread `tid` of this process has taken so far; nullopt where
// /proc does not say.
inline std::optional<std::uint64_t> threadPageFaults(int tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return std::nullopt;
  char line[1024];
  const bool read = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  const char* fields = read ? std::strrchr(line, ')') : nullptr; // the name before it may hold anything
  unsigned long long minor = 0, major = 0;
  // after the name: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  if (!fields || std::sscanf(fields + 1, " %*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &minor, &major) != 2) return std::nullopt;
  return static_cast<std::uint64_t>(minor + major);
}

inline double bytesToMb(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// First, latest and largest sample of a run. Growth is latest - first: what stayed.
class MemorySampler {
public:
  void add(std::uint64_t bytes) {
    if (count_ == 0) first_ = bytes;
    latest_ = bytes;
    if (bytes > max_) max_ = bytes;
    ++count_;
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t first() const { return first_; }
  std::uint64_t latest() const { return latest_; }
  std::uint64_t max() const { return max_; }
  double growthMb() const { return count_ ? (static_cast<double>(latest_) - static_cast<double>(first_)) / (1024.0 * 1024.0) : 0.0; }

private:
  std::uint64_t count_ = 0, first_ = 0, latest_ = 0, max_ = 0;
};

} // namespace mvm::live
