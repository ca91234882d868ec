#pragma once
// The one way the engine and its drivers read a file they were given (a patch, score, MIDI file,
// session, input WAV): a regular file only, its size checked against a cap before a byte is read,
// opened without blocking (a FIFO or device never stalls the reader). Control thread, may allocate.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "mvm/core/message_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mvm {

// A file that cannot be used at all: missing, unreadable, not a regular file, or over its cap.
// what() is "PATH: cause", one line; cause() alone never quotes the file's content.
class FileError : public std::runtime_error {
public:
  enum class Reason { NotFound, Unreadable, NotRegular, TooLarge };
  FileError(std::string path, Reason reason, std::string cause)
      : std::runtime_error(escapeForMessage(path) + ": " + cause), path_(std::move(path)), reason_(reason), cause_(std::move(cause)) {}
  const std::string& path() const noexcept { return path_; }
  Reason reason() const noexcept { return reason_; }
  const std::string& cause() const noexcept { return cause_; }

private:
  std::string path_;
  Reason reason_;
  std::string cause_;
};

// "16 MiB", "300 bytes": a cap or size as a person reads it.
inline std::string byteSizeString(std::size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

// "a directory", "a FIFO", …: what a file that is not a regular file is, for messages.
inline const char* fileKindOf(mode_t mode) noexcept {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// An open, regular file within its cap; closes itself.
class RegularFile {
public:
  // control thread; throws FileError. `what` names the kind in messages ("patch", "score", ...).
  RegularFile(const std::string& path, std::size_t maxBytes, const char* what) : path_(path) {
    do fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) {
      const int err = errno;
      struct stat st {}; // a socket cannot be opened at all (ENXIO): name it as what it is
      if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw FileError(path, FileError::Reason::NotRegular, notRegular(st.st_mode, what));
      throw FileError(path, err == ENOENT || err == ENOTDIR ? FileError::Reason::NotFound : FileError::Reason::Unreadable,
                      std::string("cannot open ") + what + " file (" + std::strerror(err) + ")");
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail(FileError::Reason::Unreadable, std::string("cannot read ") + what + " file (" + std::strerror(errno) + ")");
    if (!S_ISREG(st.st_mode))
      fail(FileError::Reason::NotRegular, notRegular(st.st_mode, what));
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > maxBytes)
      fail(FileError::Reason::TooLarge, std::string(what) + " file is " + std::to_string(size_) + " bytes; the limit is " + byteSizeString(maxBytes));
    maxBytes_ = maxBytes;
    what_ = what;
  }
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  ~RegularFile() { if (fd_ >= 0) ::close(fd_); }

  int fd() const noexcept { return fd_; }
  std::size_t size() const noexcept { return size_; }
  const std::string& path() const noexcept { return path_; }

  // The whole content; a file that grew past its cap since it was opened is refused, not truncated.
  std::string readAll() {
    std::string bytes;
    bytes.resize(size_ + 1);
    std::size_t got = 0;
    for (;;) {
      if (got == bytes.size()) {
        if (bytes.size() > maxBytes_)
          throw FileError(path_, FileError::Reason::TooLarge, what_ + " file grew past the limit of " + byteSizeString(maxBytes_) + " while read");
        bytes.resize(std::min(bytes.size() * 2, maxBytes_ + 1));
      }
      const ssize_t n = ::read(fd_, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw FileError(path_, FileError::Reason::Unreadable, "cannot read " + what_ + " file (" + std::strerror(errno) + ")");
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    return bytes;
  }

private:
  static std::string notRegular(mode_t mode, const char* what) {
    return std::string("is ") + fileKindOf(mode) + ", not a " + what + " file (only regular files are read)";
  }
  [[noreturn]] void fail(FileError::Reason reason, const std::string& cause) {
    ::close(fd_);
    fd_ = -1;
    throw FileError(path_, reason, cause);
  }
  std::string path_;
  int fd_ = -1;
  std::size_t size_ = 0;
  std::size_t maxBytes_ = 0;
  std::string what_;
};

// control thread; throws FileError. The content of a regular file of at most maxBytes.
inline std::string readRegularFile(const std::string& path, std::size_t maxBytes, const char* what) {
  return RegularFile(path, maxBytes, what).readAll();
}

} // namespace mvm
