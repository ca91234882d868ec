#pragma once
// Resident set size of this process, from /proc/self/statm, and its growth over a run.
//
// Thread contract: control thread (one read of a small /proc file per sample).

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>

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
