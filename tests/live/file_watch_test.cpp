// live/file_watch.h: an edit in place and a save by rename are seen once the file settles.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "command.h"
#include "file_watch.h"

using mvm::live::FileWatch;
using mvm::test::TempDir;
using namespace std::chrono_literals;

namespace {
void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
} // namespace

TEST(FileWatch, AnEditIsReportedOnceAfterItSettles) {
  TempDir dir;
  const std::string path = dir / "p.json";
  write(path, "one");
  FileWatch w(path, 10ms);
  auto t = FileWatch::Clock::now();
  EXPECT_EQ(w.poll(t), FileWatch::Event::None);
  write(path, "two, longer");
  EXPECT_EQ(w.poll(t), FileWatch::Event::None); // seen, settling
  EXPECT_TRUE(w.settling());
  EXPECT_EQ(w.poll(t + 5ms), FileWatch::Event::None);
  EXPECT_EQ(w.poll(t + 10ms), FileWatch::Event::Changed);
  EXPECT_EQ(w.poll(t + 20ms), FileWatch::Event::None); // once
}

TEST(FileWatch, AChangeDuringTheSettleTimeRestartsIt) {
  TempDir dir;
  const std::string path = dir / "p.json";
  write(path, "one");
  FileWatch w(path, 10ms);
  const auto t = FileWatch::Clock::now();
  write(path, "two!");
  EXPECT_EQ(w.poll(t), FileWatch::Event::None);
  write(path, "three!!");
  EXPECT_EQ(w.poll(t + 8ms), FileWatch::Event::None);
  EXPECT_EQ(w.poll(t + 12ms), FileWatch::Event::None); // only 4 ms since the last change
  EXPECT_EQ(w.poll(t + 18ms), FileWatch::Event::Changed);
}

TEST(FileWatch, ASaveByRenameIsAChangeAndADeletionIsReportedOnce) {
  TempDir dir;
  const std::string path = dir / "p.json";
  write(path, "one");
  FileWatch w(path, 0ms);
  const auto t = FileWatch::Clock::now();
  write(dir / "p.json.tmp", "one"); // same size, new inode
  std::rename((dir / "p.json.tmp").c_str(), path.c_str());
  EXPECT_EQ(w.poll(t), FileWatch::Event::None);
  EXPECT_EQ(w.poll(t + 1ms), FileWatch::Event::Changed);
  std::remove(path.c_str());
  EXPECT_EQ(w.poll(t + 2ms), FileWatch::Event::Missing);
  EXPECT_EQ(w.poll(t + 3ms), FileWatch::Event::None);
  write(path, "back");
  EXPECT_EQ(w.poll(t + 4ms), FileWatch::Event::None);
  EXPECT_EQ(w.poll(t + 5ms), FileWatch::Event::Changed);
}
