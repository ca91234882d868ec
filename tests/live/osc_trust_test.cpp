// The OSC trust model (docs/midi-osc.md#trust-model): which files a peer may load and what it is
// told (patch_dirs.h), OSC's share of pending events (osc_event_quota.h), and hostile packets.
// No JACK needed: the policy and the quota are driven directly.

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "command.h"
#include "console.h"
#include "live_drops.h"
#include "soak_report.h"
#include "live_osc_target.h"
#include "mvm/control/osc_packet.h"
#include "osc_event_quota.h"
#include "patch_dirs.h"

using namespace mvm;
using namespace mvm::live;
namespace fs = std::filesystem;

namespace {

const char* kPatch = R"({"modules": [{"id": "out", "type": "AudioOut"}], "connections": []})";
const std::string kSecret = "SECRET-CONTENT-4711";

struct Dirs {
  mvm::test::TempDir root;
  fs::path allowed() const { return root / "patches"; }
  fs::path outside() const { return root / "private"; }
  Dirs() {
    fs::create_directories(allowed());
    fs::create_directories(outside());
    std::ofstream(allowed() / "ok.json") << kPatch;
    std::ofstream(outside() / "secret.json") << "{\"" << kSecret << "\": 1}";
  }
};

// The peer's status: one of the short words, never the file, a size or the parser.
void expectClean(const PeerPatchFile& f) {
  EXPECT_EQ(f.peerStatus.find(kSecret), std::string::npos);
  EXPECT_EQ(f.peerStatus.find("bytes"), std::string::npos);
  EXPECT_EQ(f.peerStatus.find("MiB"), std::string::npos);
  EXPECT_EQ(f.peerStatus.find("root:"), std::string::npos);
  EXPECT_EQ(f.peerStatus.find('/'), std::string::npos) << f.peerStatus; // not even a path
  EXPECT_LT(f.peerStatus.size(), 60u);
  EXPECT_EQ(f.localError.find('\n'), std::string::npos);
}

} // namespace

TEST(OscTrust, PathsOutsideTheAllowedDirectoriesAreRefusedWithoutSayingMore) {
  Dirs d;
  PatchDirs dirs({d.allowed().string()});
  fs::create_symlink(d.outside() / "secret.json", d.allowed() / "link-out.json");
  fs::create_symlink(d.outside(), d.allowed() / "dir-out");
  fs::create_symlink(d.allowed() / "ok.json", d.allowed() / "link-in.json");
  struct Case {
    std::string path, status, local;
  };
  const std::string a = d.allowed().string();
  const std::vector<Case> cases = {
      {"../private/secret.json", peer_status::kRefused, "outside the allowed patch directories"},
      {a + "/../private/secret.json", peer_status::kRefused, "outside"},
      {a + "/../private/missing.json", peer_status::kRefused, "outside"}, // no existence leak
      {"link-out.json", peer_status::kRefused, "outside"},
      {"dir-out/secret.json", peer_status::kRefused, "outside"},
      {"dir-out/missing.json", peer_status::kRefused, "outside"},
      {(d.outside() / "secret.json").string(), peer_status::kRefused, "outside"},
      {"/etc/passwd", peer_status::kRefused, "outside"},
      {"/etc/shadow", peer_status::kRefused, "outside"},
      {"/etc/no-such-file", peer_status::kRefused, "outside"},
      {"/proc/self/environ", peer_status::kRefused, "outside"},
      {"/dev/zero", peer_status::kRefused, "outside"},
      {"/", peer_status::kRefused, "outside"},
      {a, peer_status::kRefused, "outside"}, // the directory itself is not a file below it
      {"", peer_status::kBadName, "empty or over-long"},
      {std::string(5000, 'a'), peer_status::kBadName, "empty or over-long"},
      {"missing.json", peer_status::kNotFound, "No such file"},
      {"sub/../../patches/missing.json", peer_status::kNotFound, "No such file"},
      {std::string("bad\xff\xfe\x01name.json"), peer_status::kNotFound, "\\x01"}, // non-UTF-8, a control byte escaped
  };
  for (const Case& c : cases) {
    const PeerPatchFile f = dirs.read(c.path);
    EXPECT_FALSE(f.ok) << c.path;
    EXPECT_EQ(f.peerStatus, c.status) << c.path;
    EXPECT_NE(f.localError.find(c.local), std::string::npos) << c.path << ": " << f.localError;
    EXPECT_TRUE(f.text.empty());
    expectClean(f);
  }
  // Inside: a plain name, an absolute path, a symlink that stays inside.
  for (const std::string& p : {std::string("ok.json"), (d.allowed() / "ok.json").string(), std::string("link-in.json"), std::string("./sub/../ok.json")}) {
    const PeerPatchFile f = dirs.read(p);
    EXPECT_TRUE(f.ok) << p << ": " << f.localError;
    EXPECT_EQ(f.text, kPatch);
    EXPECT_EQ(f.realPath, (fs::canonical(d.allowed()) / "ok.json").string());
  }
}

TEST(OscTrust, OnlyRegularFilesWithinTheCapAreReadAndNothingBlocks) {
  Dirs d;
  PatchDirs dirs({d.allowed().string()});
  fs::create_directories(d.allowed() / "adir");
  ASSERT_EQ(::mkfifo((d.allowed() / "fifo.json").c_str(), 0600), 0);
  {
    std::ofstream big(d.allowed() / "big.json");
    big << "{\"" << kSecret << "\": \"" << std::string(limits::kMaxPatchBytes, 'x') << "\"}";
  }
  const bool haveDevice = ::mknod((d.allowed() / "zero.json").c_str(), S_IFCHR | 0600, makedev(1, 5)) == 0;
  struct Case {
    std::string name, status, local;
  };
  std::vector<Case> cases = {
      {"adir", peer_status::kNotRegular, "a directory"},
      {"fifo.json", peer_status::kNotRegular, "a FIFO"}, // opened without blocking: no writer needed
      {"big.json", peer_status::kTooLarge, "the limit is 16 MiB"},
  };
  if (haveDevice) cases.push_back({"zero.json", peer_status::kNotRegular, "a character device"});
  for (const Case& c : cases) {
    const auto start = std::chrono::steady_clock::now();
    const PeerPatchFile f = dirs.read(c.name);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << c.name;
    EXPECT_FALSE(f.ok) << c.name;
    EXPECT_EQ(f.peerStatus, c.status) << c.name;
    EXPECT_NE(f.localError.find(c.local), std::string::npos) << f.localError;
    expectClean(f);
  }
}

TEST(OscTrust, AllowedDirectoriesMustExist) {
  Dirs d;
  EXPECT_THROW(PatchDirs({(d.root.path() / "none").string()}), FileError);
  EXPECT_THROW(PatchDirs({(d.allowed() / "ok.json").string()}), FileError);
  PatchDirs two({d.allowed().string(), d.outside().string()});
  EXPECT_TRUE(two.read((d.outside() / "secret.json").string()).ok); // the operator allowed it
  // A directory whose name extends an allowed one is not inside it.
  fs::create_directories(d.root / "patches2");
  std::ofstream(d.root.path() / "patches2" / "x.json") << kPatch;
  PatchDirs one({d.allowed().string()});
  EXPECT_EQ(one.read((d.root.path() / "patches2" / "x.json").string()).peerStatus, peer_status::kRefused);
}

TEST(OscTrust, TheQuotaKeepsRoomForMidiAndTheConsole) {
  OscEventQuota q(8, 4);
  q.setSource("10.0.0.1");
  int admitted = 0;
  for (int i = 0; i < 100; ++i)
    if (q.allows(0)) q.posted(48000 * 3600, 0), ++admitted; // an hour ahead: held
  EXPECT_EQ(admitted, 4);
  EXPECT_EQ(q.refused(), 96u);
  q.setSource("10.0.0.2");
  for (int i = 0; i < 100; ++i)
    if (q.allows(0)) q.posted(kFrameNow, 0), ++admitted;
  EXPECT_EQ(admitted, 8);
  q.setSource("10.0.0.3");
  EXPECT_FALSE(q.allows(0)); // OSC's total share is used up
  // Once computed, immediate events free their slots; the hour-ahead ones stay held.
  EXPECT_TRUE(q.allows(10 * kBlockFrames));
  EXPECT_EQ(q.held(), 4u);
  EXPECT_EQ(q.heldBy("10.0.0.2"), 0u);
  q.setSource("10.0.0.1");
  EXPECT_FALSE(q.allows(10 * kBlockFrames)); // still its own share
  EXPECT_TRUE(q.allows(48000ull * 3600 + 2 * kBlockFrames));
  EXPECT_EQ(q.held(), 0u);
}

TEST(OscTrust, ReverseOrderedTimeTagsAreBoundedByTheQuota) {
  OscEventQuota q;
  q.setSource("127.0.0.1");
  std::size_t admitted = 0;
  for (std::uint64_t f = 1000000; f > 0; f -= 100)
    if (q.allows(0)) q.posted(f, 0), ++admitted;
  EXPECT_EQ(admitted, OscEventQuota::kPerSource);
  EXPECT_LE(OscEventQuota::kTotal, VM::kPendingCapacity / 4);
}

TEST(OscTrust, HostilePacketsAreAnsweredNotFatal) {
  struct Null final : OscTarget {
    bool post(const Event&) override { return true; }
    const ParamDescriptor* findParam(std::string_view, std::string_view) override { return nullptr; }
    OscLoad loadPatch(const std::string&) override { return {"no", {}}; }
    OscLoad rollback() override { return {"no", {}}; }
    std::optional<OscStatus> status() override { return OscStatus{}; }
  } target;
  OscDispatcher d(target, 48000);
  const auto msg = encodeOscMessage("/mvm/note/on", std::vector<OscArg>{OscArg::integer(60), OscArg::integer(1)});
  auto bundle = [](std::uint64_t tag, const std::vector<std::vector<std::uint8_t>>& parts) {
    std::vector<std::uint8_t> b{'#', 'b', 'u', 'n', 'd', 'l', 'e', 0};
    for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(tag >> s));
    for (const auto& p : parts) {
      for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(p.size() >> s));
      b.insert(b.end(), p.begin(), p.end());
    }
    return b;
  };
  struct Case {
    std::string name;
    std::vector<std::uint8_t> bytes;
    std::string error; // in the last reply
  };
  std::vector<std::uint8_t> truncated(msg.begin(), msg.end() - 4);
  std::vector<std::uint8_t> badTags = msg;
  badTags[16] = 'Q';
  std::vector<std::uint8_t> nested = msg;
  for (int k = 0; k < 12; ++k) nested = bundle(kOscImmediately, {nested});
  std::vector<std::uint8_t> lyingSize = bundle(kOscImmediately, {msg});
  lyingSize[19] = 0xF0;
  std::vector<std::vector<std::uint8_t>> many(3000, msg);
  const std::vector<Case> cases = {
      {"truncated", truncated, "malformed packet"},
      {"empty", {}, "not a positive multiple of 4"},
      {"odd size", {'/', 'a', 0}, "not a positive multiple of 4"},
      {"wrong type tag", badTags, "malformed packet"},
      {"nested 12 deep", nested, "bundles nested too deep"},
      {"element size past the end", lyingSize, "bad bundle element size"},
      {"bundle without time tag", {'#', 'b', 'u', 'n', 'd', 'l', 'e', 0}, "truncated bundle time tag"},
      {"load with a number", encodeOscMessage("/mvm/patch/load", std::vector<OscArg>{OscArg::integer(1)}), "expected one string"},
      {"status with a reply port", encodeOscMessage("/mvm/status", std::vector<OscArg>{OscArg::integer(22)}), "replies go to the sender"},
  };
  for (const Case& c : cases) {
    const std::vector<OscReply> r = dispatchOscPacket(d, c.bytes.data(), c.bytes.size());
    ASSERT_FALSE(r.empty()) << c.name;
    EXPECT_EQ(r.back().address, "/mvm/error") << c.name;
    EXPECT_NE(r.back().args.at(1).s.find(c.error), std::string::npos) << c.name << ": " << r.back().args.at(1).s;
  }
  // A huge bundle (3000 messages, 60 KB) is handled message by message.
  const auto huge = bundle(kOscImmediately, many);
  EXPECT_EQ(dispatchOscPacket(d, huge.data(), huge.size()).size(), 3000u);
}

// The short status of a load that failed once queued: the class and the place, not the parser.
TEST(OscTrust, AFailedLoadTellsThePeerOnlyWhereTheFileIsInvalid) {
  VM vm(VMConfig{});
  CompileOptions co;
  PatchManager pm(vm, co, builtinModules());
  SwapHandle bad = pm.loadPatchFromString("{\n  \"modules\": [\"" + kSecret + "\",]\n}", "/x/secret.json");
  ASSERT_EQ(bad.wait(), SwapState::Failed);
  const std::string s = peerFailureStatus(bad);
  EXPECT_EQ(s.rfind("invalid patch at line 2 column", 0), 0u) << s;
  EXPECT_EQ(s.find(kSecret), std::string::npos);
  EXPECT_NE(bad.error().find("secret.json"), std::string::npos); // the runner's own line has it all
  SwapHandle unknown = pm.loadPatchFromString(R"({"modules": [{"id": "x", "type": "Nope"}]})", "/x/u.json");
  ASSERT_EQ(unknown.wait(), SwapState::Failed);
  EXPECT_EQ(peerFailureStatus(unknown).find("Nope"), std::string::npos);
  SwapHandle dir = pm.loadPatch("/");
  ASSERT_EQ(dir.wait(), SwapState::Failed);
  EXPECT_EQ(peerFailureStatus(dir), peer_status::kNotRegular);
}

TEST(LiveDrops, EveryLossIsNamedAndCounted) {
  LiveDrops d;
  EXPECT_EQ(d.line(), "dropped 0");
  d.eventsRejected = 1;
  d.eventsDropped = 2;
  d.oscKernel = 3;
  d.oscQuota = 4;
  d.oscHorizon = 5;
  d.midi = 6;
  d.console = 7;
  EXPECT_EQ(d.total(), 28u);
  EXPECT_EQ(d.line(), "dropped 28 (events: 1 queue full, 2 over the pending buffer or a block; OSC: 3 packets by the kernel, "
                      "4 events over quota, 5 beyond the horizon; MIDI: 6 messages; console: 7 over-long lines)");
  SoakReport r;
  r.dropped = d;
  const auto j = soakJson(r);
  EXPECT_EQ(j["totals"]["dropped"], 28u);
  EXPECT_EQ(j["dropped"]["osc_events_over_quota"], 4u);
  EXPECT_EQ(j["dropped"]["console_lines"], 7u);
}

// An endless console input (a flood through a pipe) never holds the control loop: a bounded read
// per poll, over-long lines dropped and counted.
TEST(LiveDrops, AConsoleFloodIsReadInBoundedStepsAndOverLongLinesAreCounted) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string huge(StdinLines::kMaxLineBytes + 10, 'x');
  std::thread writer([&] {
    for (int i = 0; i < 3; ++i) {
      (void)::write(fds[1], huge.data(), huge.size());
      (void)::write(fds[1], "\n", 1);
    }
    (void)::write(fds[1], "status\n", 7);
    ::close(fds[1]);
  });
  StdinLines lines(fds[0]);
  std::vector<std::string> got;
  for (int polls = 0; lines.open() && polls < 10000; ++polls) {
    for (std::string& l : lines.poll()) got.push_back(std::move(l));
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  writer.join();
  ::close(fds[0]);
  EXPECT_EQ(lines.dropped(), 3u);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), "status");
  for (const std::string& l : got) EXPECT_LE(l.size(), StdinLines::kMaxLineBytes);
}
