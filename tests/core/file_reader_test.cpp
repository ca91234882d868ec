// core/file_reader.h: regular files only, size checked before reading, never blocking.

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "command.h"
#include "mvm/core/file_reader.h"

using mvm::FileError;
using mvm::readRegularFile;
using mvm::test::TempDir;

namespace {

FileError::Reason reasonOf(const std::string& path, std::size_t cap, std::string* message = nullptr) {
  try {
    readRegularFile(path, cap, "patch");
  } catch (const FileError& e) {
    if (message) *message = e.what();
    return e.reason();
  }
  ADD_FAILURE() << path << " was read";
  return FileError::Reason::NotFound;
}

} // namespace

TEST(FileReader, ReadsARegularFileUpToItsCapExactly) {
  TempDir dir;
  std::ofstream(dir / "p.json") << "0123456789";
  EXPECT_EQ(readRegularFile(dir / "p.json", 10, "patch"), "0123456789");
  std::string m;
  EXPECT_EQ(reasonOf(dir / "p.json", 9, &m), FileError::Reason::TooLarge);
  EXPECT_EQ(m, dir / "p.json" + ": patch file is 10 bytes; the limit is 9 bytes");
}

TEST(FileReader, RefusesEverythingThatIsNotARegularFileWithoutBlocking) {
  TempDir dir;
  std::filesystem::create_directory(dir / "d");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  std::string m;
  EXPECT_EQ(reasonOf(dir / "fifo", 100, &m), FileError::Reason::NotRegular); // no writer: opening must not wait for one
  EXPECT_NE(m.find("is a FIFO, not a patch file"), std::string::npos) << m;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  EXPECT_EQ(reasonOf(dir / "d", 100, &m), FileError::Reason::NotRegular);
  EXPECT_NE(m.find("is a directory"), std::string::npos) << m;
  for (const char* dev : {"/dev/zero", "/dev/null", "/dev/urandom"}) {
    EXPECT_EQ(reasonOf(dev, 1u << 30, &m), FileError::Reason::NotRegular) << dev;
    EXPECT_NE(m.find("is a character device"), std::string::npos) << m;
  }
  EXPECT_EQ(reasonOf(dir / "missing", 100, &m), FileError::Reason::NotFound);
  EXPECT_NE(m.find("cannot open patch file (No such file or directory)"), std::string::npos) << m;
  EXPECT_EQ(reasonOf(dir / "d/../fifo/x", 100), FileError::Reason::NotFound); // ENOTDIR
}

TEST(FileReader, ASparseFileOverItsCapIsRefusedBeforeAByteIsRead) {
  TempDir dir;
  std::ofstream(dir / "huge.json").close();
  std::filesystem::resize_file(dir / "huge.json", std::uintmax_t{64} << 30); // 64 GiB of holes
  std::string m;
  EXPECT_EQ(reasonOf(dir / "huge.json", 16u << 20, &m), FileError::Reason::TooLarge);
  EXPECT_NE(m.find("patch file is 68719476736 bytes; the limit is 16 MiB"), std::string::npos) << m;
}

TEST(FileReader, NamesKindsAndSizes) {
  EXPECT_STREQ(mvm::fileKindOf(S_IFDIR), "a directory");
  EXPECT_STREQ(mvm::fileKindOf(S_IFIFO), "a FIFO");
  EXPECT_STREQ(mvm::fileKindOf(S_IFSOCK), "a socket");
  EXPECT_STREQ(mvm::fileKindOf(S_IFBLK), "a block device");
  EXPECT_EQ(mvm::byteSizeString(16u << 20), "16 MiB");
  EXPECT_EQ(mvm::byteSizeString(2048), "2 KiB");
  EXPECT_EQ(mvm::byteSizeString(1000), "1000 bytes");
}
