#pragma once
// Which patch files a network peer may load (/mvm/patch/load over OSC), and what it is told.
// A peer is untrusted: it may name any path, so the file is resolved to its real path (every
// symlink and `..` followed) and must lie inside one of the allowed directories (--patch-dir;
// by default the directory of the patch given on the command line), compared component by
// component. It must be a regular file within the patch cap, opened without blocking
// (core/file_reader.h); the opened descriptor's own real path is checked again, so a symlink
// swapped in between the check and the open cannot escape either. The peer gets one short
// status that never quotes the file, its size or the parser; the full cause is for the runner's
// own output (stderr).
//
// Thread contract: the OSC thread (any one control thread); the directories are fixed at construction.

#include <climits>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "cli_text.h"
#include "mvm/core/file_reader.h"
#include "mvm/patch/limits.h"

namespace mvm::live {

// A path or name for a log line: control characters and DEL escaped (\xNN), at most `max` bytes.
inline std::string printablePath(const std::string& s, std::size_t max = 200) { return cli::printableLine(s, max); }

// The short answers a peer may get (docs/midi-osc.md#trust-model).
namespace peer_status {
inline constexpr const char* kLoaded = "loaded";
inline constexpr const char* kRefused = "refused: not in an allowed patch directory";
inline constexpr const char* kNotFound = "not found";
inline constexpr const char* kNotRegular = "refused: not a regular file";
inline constexpr const char* kTooLarge = "refused: over the patch size limit";
inline constexpr const char* kUnreadable = "refused: cannot be read";
inline constexpr const char* kBadName = "refused: empty or over-long path";
inline constexpr const char* kInvalid = "invalid patch";
inline constexpr const char* kBusy = "superseded by a newer load";
} // namespace peer_status

// A file a peer asked for: its text when usable, else the peer's status and the local cause.
struct PeerPatchFile {
  bool ok = false;
  std::string text;       // the patch, when ok
  std::string realPath;   // the file read, when ok
  std::string peerStatus; // when not ok: one of peer_status
  std::string localError; // when not ok: one line for the runner's stderr
};

class PatchDirs {
public:
  // control thread; throws FileError for a directory that does not exist or is not one.
  explicit PatchDirs(const std::vector<std::string>& dirs) {
    for (const std::string& d : dirs) {
      std::error_code ec;
      const std::filesystem::path real = std::filesystem::canonical(d, ec);
      if (ec) throw FileError(d, FileError::Reason::NotFound, "cannot use as --patch-dir (" + ec.message() + ")");
      if (!std::filesystem::is_directory(real, ec)) throw FileError(d, FileError::Reason::NotRegular, "is not a directory (--patch-dir)");
      dirs_.push_back(real);
    }
  }

  const std::vector<std::filesystem::path>& dirs() const noexcept { return dirs_; }

  // Whether `real` (already canonical) is one of the directories or below one.
  bool allowed(const std::filesystem::path& real) const {
    for (const std::filesystem::path& dir : dirs_) {
      auto d = dir.begin(), r = real.begin();
      for (; d != dir.end() && r != real.end() && *d == *r; ++d, ++r) {}
      if (d == dir.end() && r != real.end()) return true; // a file strictly below the directory
    }
    return false;
  }

  // The patch `requested` names (relative: to the first directory), if a peer may load it.
  PeerPatchFile read(const std::string& requested) const {
    PeerPatchFile out;
    const std::string shown = printablePath(requested);
    auto refuse = [&](const char* status, const std::string& cause) {
      out.peerStatus = status;
      out.localError = shown + ": " + cause;
      return out;
    };
    if (requested.empty() || requested.size() >= PATH_MAX) return refuse(peer_status::kBadName, "refused: an empty or over-long path");
    if (dirs_.empty()) return refuse(peer_status::kRefused, "refused: no patch directory is allowed");
    std::filesystem::path path(requested);
    if (path.is_relative()) path = dirs_.front() / path;
    // Resolved before anything else is said: a path outside the directories is refused the same
    // way whether or not it exists, so a peer learns nothing about the rest of the file system.
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::weakly_canonical(path, ec);
    if (ec) return refuse(peer_status::kRefused, "refused: cannot resolve the path (" + ec.message() + ")");
    if (!allowed(real)) return refuse(peer_status::kRefused, "refused: " + printablePath(real.string()) + " is outside the allowed patch directories");
    try {
      RegularFile file(real.string(), limits::kMaxPatchBytes, "patch");
      if (!allowed(openedPath(file.fd())))
        return refuse(peer_status::kRefused, "refused: the file opened is outside the allowed patch directories (a symlink changed?)");
      out.text = file.readAll();
    } catch (const FileError& e) {
      switch (e.reason()) {
      case FileError::Reason::NotFound: return refuse(peer_status::kNotFound, e.cause());
      case FileError::Reason::NotRegular: return refuse(peer_status::kNotRegular, e.cause());
      case FileError::Reason::TooLarge: return refuse(peer_status::kTooLarge, e.cause());
      case FileError::Reason::Unreadable: return refuse(peer_status::kUnreadable, e.cause());
      }
    }
    out.ok = true;
    out.realPath = real.string();
    return out;
  }

private:
  // The real path of an open descriptor (Linux: /proc/self/fd); empty when it cannot be told,
  // which allowed() refuses.
  static std::filesystem::path openedPath(int fd) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
    return ec ? std::filesystem::path() : p;
  }

  std::vector<std::filesystem::path> dirs_;
};

} // namespace mvm::live
