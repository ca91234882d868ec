#pragma once
// What -o may replace: nothing the same run reads (the same file by device and inode, whatever
// the path or link that names it) and nothing that is not a regular file (a device, a directory,
// a FIFO). Checked before the render starts and again just before the output is moved in.

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <sys/stat.h>

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

} // namespace mvm::render
