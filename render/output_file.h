#pragma once
// What -o may replace: nothing the same run reads (the same file by device and inode, whatever
// the path or link that names it) and nothing that is not a regular file (a device, a directory,
// a FIFO). Checked before the render starts and again just before the output is moved in. How
// an output is written: to a temporary file beside it, moved in only when complete.

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "interrupt.h"
#include "mvm/core/file_reader.h"
#include "render_errors.h"

namespace mvm::render {

struct InputFile {
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
};

// A file's identity, or inode 0 when it cannot be examined.
inline InputFile identify(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {path, 0, 0};
  return {path, st.st_dev, st.st_ino};
}

// The inputs of one run, by identity. Inputs that cannot be examined are skipped: their reader
// reports them.
class RunInputs {
public:
  void add(const std::string& path) {
    if (InputFile f = identify(path); f.inode != 0) files_.push_back(std::move(f));
  }
  const std::vector<InputFile>& files() const noexcept { return files_; }

private:
  std::vector<InputFile> files_;
};

// Throws UsageError (output names an input: exit 2) or OutputError (output is something other
// than a regular file, or cannot be examined: exit 3). A missing output is fine.
inline void checkOutputTarget(const std::string& output, const RunInputs& inputs) {
  struct stat st {};
  if (::stat(output.c_str(), &st) != 0) {
    if (errno == ENOENT) return; // a new file (or a dangling link, which the rename replaces)
    throw OutputError(output + ": cannot write the output here (" + std::strerror(errno) + ")");
  }
  for (const InputFile& in : inputs.files())
    if (in.device == st.st_dev && in.inode == st.st_ino)
      throw UsageError("-o " + output + " is " + (in.path == output ? "an input" : in.path + ", an input") +
                       " of this run; it is never replaced: give another output file");
  if (!S_ISREG(st.st_mode))
    throw OutputError(output + ": is " + fileKindOf(st.st_mode) + "; the output only ever replaces a regular file");
}

// A file written under a temporary name beside `path` and moved over it by commit() only when
// complete: a failed or interrupted write leaves the old file or none (an interrupt removes the
// temporary one: interrupt.h). Throws OutputError.
class TempOutputFile {
public:
  explicit TempOutputFile(std::string path) : path_(std::move(path)) {
    const auto target = std::filesystem::path(path_);
    const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) throw OutputError(path_ + ": directory " + dir.string() + " does not exist");
    // A short fixed-length name: it fits wherever the output's own name fits.
    temp_ = (dir / ".mvm-XXXXXX.tmp").string();
    {
      SignalsHeld hold; // created and published as one step: a signal removes it or finds none
      fd_ = ::mkstemps(temp_.data(), 4);
      if (fd_ >= 0) publishTempFile(temp_.c_str());
    }
    if (fd_ < 0) {
      const int e = errno;
      temp_.clear();
      throw OutputError(path_ + ": cannot create a temporary file in " + dir.string() + " (" + std::strerror(e) + ")");
    }
    ::fchmod(fd_, 0666 & ~processUmask()); // as a plain create would: mkstemp makes it private
  }
  ~TempOutputFile() { remove(); }
  TempOutputFile(const TempOutputFile&) = delete;
  TempOutputFile& operator=(const TempOutputFile&) = delete;

  int fd() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }

  // Closes the file and moves it over `path`, unless the target has become something the output
  // may not replace (checkOutputTarget against `inputs`). Signals are held from the check to the
  // rename. On failure the temporary file is removed.
  void commit(const RunInputs& inputs) {
    const bool closed = ::close(fd_) == 0;
    const int closeErrno = errno;
    fd_ = -1;
    if (!closed) {
      remove();
      throw OutputError(path_ + ": cannot write: " + std::strerror(closeErrno));
    }
    SignalsHeld hold;
    try {
      checkOutputTarget(path_, inputs);
    } catch (...) {
      remove();
      throw;
    }
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      const int e = errno;
      remove();
      throw OutputError(path_ + ": cannot move into place: " + std::strerror(e));
    }
    withdrawTempFile(temp_.c_str());
    temp_.clear();
  }

  // Drops the temporary file (also on destruction without commit).
  void remove() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (temp_.empty()) return;
    SignalsHeld hold;
    ::unlink(temp_.c_str());
    withdrawTempFile(temp_.c_str());
    temp_.clear();
  }

private:
  static mode_t processUmask() noexcept {
    static const mode_t mask = [] {
      const mode_t m = ::umask(0);
      ::umask(m);
      return m;
    }();
    return mask;
  }

  std::string path_, temp_;
  int fd_ = -1;
};

} // namespace mvm::render
