// mvm-live under external control from real peers: liblo's oscsend/oscdump (and raw UDP bundles)
// on its OSC port. The probed build counts audio-thread allocations while OSC floods in. Its MIDI
// input from a JACK client: jack_midi_live_test.cpp.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "command.h"
#include "jack_server.h"
#include "midi_osc_fixture.h"
#include "mvm/control/osc_packet.h"

using mvm::test::ChildProcess;
using mvm::test::JackServer;
using mvm::test::TempDir;
using namespace mvm::test::live;
using namespace std::chrono_literals;

namespace {

// A UDP port nobody uses now (bound to 0, read back, released).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

void sendUdp(int port, const std::vector<std::uint8_t>& bytes) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(fd);
}

// Sends one message from a socket of ours and returns the replies that come back to it within
// `wait` (replies go to the sender's address and port only), as "ADDRESS arg arg ...".
std::vector<std::string> oscAsk(int port, const std::vector<std::uint8_t>& bytes, std::chrono::milliseconds wait, std::size_t want = 1) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  std::vector<std::string> replies;
  const auto end = std::chrono::steady_clock::now() + wait;
  std::vector<std::uint8_t> buf(65536);
  while (replies.size() < want && std::chrono::steady_clock::now() < end) {
    timeval tv{0, 20000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) continue;
    mvm::decodeOscPacket(buf.data(), static_cast<std::size_t>(n), [&](std::string_view address, std::span<const mvm::OscArg> args, std::uint64_t) {
      std::string r(address);
      for (const mvm::OscArg& x : args) r += " " + (x.isString() ? x.s : x.isInteger() ? std::to_string(x.i) : std::to_string(x.f));
      replies.push_back(r);
    });
  }
  ::close(fd);
  return replies;
}

std::vector<std::uint8_t> message(const std::string& address, std::vector<mvm::OscArg> args = {}) {
  return mvm::encodeOscMessage(address, args);
}

int oscsend(int port, const std::string& args) {
  return mvm::test::runCommand("oscsend localhost " + std::to_string(port) + " " + args).exitCode;
}


} // namespace

TEST(MidiOscLive, OscFromOscsendAndOscdumpControlsTheRunnerWithoutAllocating) {
  if (!JackServer::available() || !mvm::test::onPath("oscsend") || !mvm::test::onPath("oscdump")) GTEST_SKIP() << "needs jackd and liblo-tools";
  JackServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  TempDir dir;
  std::ofstream(dir / "keys.json") << kKeys;
  std::string other = kKeys;
  other.replace(other.find("\"gain\": 0.5"), 11, "\"gain\": 0.4");
  std::ofstream(dir / "other.json") << other;
  const int port = freePort(), replyPort = freePort();
  ChildProcess live({kProbed, dir / "keys.json", "--osc-port", std::to_string(port), "--seconds", "5", "--no-meter"}, {server.env()});
  ASSERT_TRUE(live.waitForLine("OSC on udp 127.0.0.1:" + std::to_string(port), 10s)) << live.output();
  ASSERT_TRUE(live.waitForLine("playing", 10s)) << live.output();
  ChildProcess dump({"oscdump", "-L", std::to_string(replyPort)});
  std::this_thread::sleep_for(200ms); // oscdump binds its port

  EXPECT_EQ(oscsend(port, "/mvm/note/on ii 60 100"), 0);
  EXPECT_EQ(oscsend(port, "/mvm/param/g/gain ffs 0.8 0.25 exponential"), 0);
  EXPECT_EQ(oscsend(port, "/mvm/param/g/gain f 99"), 0);   // out of range: malformed
  EXPECT_EQ(oscsend(port, "/mvm/nothing/here"), 0);         // unknown
  sendUdp(port, {'g', 'a', 'r', 'b', 'a', 'g', 'e'});        // not OSC: a bad packet
  // A bundle timed 0.2 s ahead: a scheduled message (sent raw, as oscsend sends no bundles).
  const double ntp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + 2208988800.0 + 0.2;
  const auto tag = static_cast<std::uint64_t>(ntp * 4294967296.0);
  std::vector<std::uint8_t> b{'#', 'b', 'u', 'n', 'd', 'l', 'e', 0};
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(tag >> s));
  const auto m = mvm::encodeOscMessage("/mvm/note/on", std::vector<mvm::OscArg>{mvm::OscArg::integer(64), mvm::OscArg::integer(90)});
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(m.size() >> s));
  b.insert(b.end(), m.begin(), m.end());
  sendUdp(port, b);
  // A flood: 2000 parameter ramps while the probed runner counts audio-thread allocations.
  const auto flood = mvm::encodeOscMessage("/mvm/param/g/gain", std::vector<mvm::OscArg>{mvm::OscArg::real(0.6), mvm::OscArg::real(0.01)});
  for (int i = 0; i < 2000; ++i) {
    sendUdp(port, flood);
    if (i % 100 == 99) std::this_thread::sleep_for(1ms); // UDP drops what the socket buffer cannot hold
  }
  EXPECT_EQ(oscsend(port, "/mvm/patch/load s " + dir / "other.json"), 0);
  std::this_thread::sleep_for(500ms);
  // A reply port is refused: replies go to the sender (oscsend's socket is gone), none to oscdump.
  EXPECT_EQ(oscsend(port, "/mvm/status i " + std::to_string(replyPort)), 0);
  const auto replies = oscAsk(port, message("/mvm/status"), 5s);
  ASSERT_EQ(replies.size(), 1u);
  const std::string status = replies[0];
  EXPECT_FALSE(dump.waitForLine("/mvm/status", 300ms)) << dump.output();
  // "/mvm/status GENERATION LOAD XRUNS VOICES DROPPED": the loaded patch plays (generation 2) and
  // both notes are held (the second arrived in the bundle), carried over by the swap.
  std::smatch sm;
  ASSERT_TRUE(std::regex_search(status, sm, std::regex(R"(/mvm/status (\d+) ([0-9.]+) (\d+) (\d+) (\d+))"))) << status;
  EXPECT_EQ(sm[1], "2");
  EXPECT_EQ(sm[4], "2");

  EXPECT_EQ(live.wait(20s), 0) << live.output();
  const std::string out = live.readAll(2s);
  EXPECT_EQ(number(out, R"(OSC (\d+) packets)"), 2009u) << out;
  EXPECT_EQ(number(out, R"(packets, (\d+) messages)"), 2008u) << out;
  // The flood may outrun OSC's share of pending events: each refusal is an answered error, counted.
  const unsigned long long quota = out.find("events over quota") == std::string::npos ? 0 : number(out, R"((\d+) events over quota)");
  EXPECT_EQ(number(out, R"(\((\d+) handled)"), 2005u - quota) << out;
  EXPECT_EQ(number(out, R"((\d+) malformed)"), 2u + quota) << out; // the status with a reply port, the gain of 99
  EXPECT_EQ(number(out, R"((\d+) unknown)"), 1u) << out;
  EXPECT_EQ(number(out, R"((\d+) bad packets)"), 1u) << out;
  EXPECT_EQ(number(out, R"((\d+) scheduled)"), 1u) << out;
  EXPECT_EQ(number(out, R"(late events (\d+))"), 0u) << out;
  if (out.find("audio thread SCHED_") != std::string::npos) {
    EXPECT_NE(out.find("OSC thread SCHED_"), std::string::npos) << out;
  }
  EXPECT_EQ(number(out, R"(audio-thread allocations (\d+))"), 0u) << out;
}

// A running mvm-live under hostile loads over UDP loopback: it keeps playing, answers each with
// a short status that quotes nothing of any file, a FIFO blocks neither a following valid load nor
// shutdown, and a bundle beyond the horizon is refused and counted.
TEST(MidiOscLive, HostileLoadsGetShortStatusesAndNeverStopThePlay) {
  if (!JackServer::available()) GTEST_SKIP() << "needs jackd";
  JackServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  TempDir dir;
  std::filesystem::create_directories(dir / "patches");
  std::filesystem::create_directories(dir / "private");
  std::ofstream(dir / "patches/keys.json") << kKeys;
  std::string other = kKeys;
  other.replace(other.find("\"gain\": 0.5"), 11, "\"gain\": 0.4");
  std::ofstream(dir / "patches/other.json") << other;
  std::ofstream(dir / "patches/broken.json") << "{\n \"modules\": [SECRET-4711]\n}";
  std::ofstream(dir / "private/secret.json") << "{\"SECRET-4711\": 1}";
  ASSERT_EQ(::mkfifo((dir / "patches/fifo.json").c_str(), 0600), 0);
  std::filesystem::create_symlink(dir / "private/secret.json", dir / "patches/link.json");
  const int port = freePort();
  ChildProcess live({kLive, dir / "patches/keys.json", "--osc-port", std::to_string(port), "--seconds", "30", "--no-meter"}, {server.env()});
  ASSERT_TRUE(live.waitForLine("playing", 10s)) << live.output();
  const std::string refused = "/mvm/error /mvm/patch/load refused: not in an allowed patch directory";
  struct Case {
    std::string path, reply;
  };
  const std::vector<Case> cases = {
      {"/etc/passwd", refused},
      {"/etc/shadow", refused},
      {"/proc/self/environ", refused},
      {"/dev/zero", refused},
      {"../private/secret.json", refused},
      {dir / "private/secret.json", refused},
      {dir / "private/none.json", refused},
      {"link.json", refused},
      {"fifo.json", "/mvm/error /mvm/patch/load refused: not a regular file"},
      {"none.json", "/mvm/error /mvm/patch/load not found"},
      {"", "/mvm/error /mvm/patch/load refused: empty or over-long path"},
      {"broken.json", "/mvm/error /mvm/patch/load invalid patch at line 2 column 14"},
      {"other.json", "/mvm/patch/loaded other.json"}, // after the FIFO: nothing blocked
  };
  for (const Case& c : cases) {
    const auto replies = oscAsk(port, message("/mvm/patch/load", {mvm::OscArg::string(c.path)}), 5s);
    ASSERT_EQ(replies.size(), 1u) << c.path;
    EXPECT_EQ(replies[0], c.reply) << c.path;
    EXPECT_EQ(replies[0].find("SECRET"), std::string::npos);
    EXPECT_EQ(replies[0].find("root"), std::string::npos);
  }
  // A bundle an hour ahead is refused, answered and counted.
  const double ntp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + 2208988800.0 + 3600;
  const auto tag = static_cast<std::uint64_t>(ntp * 4294967296.0);
  std::vector<std::uint8_t> b{'#', 'b', 'u', 'n', 'd', 'l', 'e', 0};
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(tag >> s));
  const auto m = message("/mvm/note/on", {mvm::OscArg::integer(64), mvm::OscArg::integer(90)});
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(m.size() >> s));
  b.insert(b.end(), m.begin(), m.end());
  const auto ahead = oscAsk(port, b, 5s);
  ASSERT_EQ(ahead.size(), 1u);
  EXPECT_NE(ahead[0].find("beyond the horizon of 10 s"), std::string::npos) << ahead[0];
  // Still playing the valid load; the status counts what was dropped.
  // "loaded" is replied when the swap is scheduled: on a busy machine its fade may still be running.
  std::vector<std::string> status;
  std::smatch sm;
  for (auto until = std::chrono::steady_clock::now() + 5s;;) {
    status = oscAsk(port, message("/mvm/status"), 5s);
    ASSERT_EQ(status.size(), 1u);
    ASSERT_TRUE(std::regex_search(status[0], sm, std::regex(R"(/mvm/status (\d+) ([0-9.]+) (\d+) (\d+) (\d+))"))) << status[0];
    if (sm[1] == "2" || std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(sm[1], "2");
  EXPECT_EQ(sm[5], "1"); // the bundle beyond the horizon
  // SIGTERM ends it promptly, with the summary.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(live.signalAndWait(SIGTERM, 5s), 0) << live.output();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  const std::string out = live.readAll(2s);
  EXPECT_NE(out.find("dropped 1 (OSC: 0 packets by the kernel, 0 events over quota, 1 beyond the horizon)"), std::string::npos) << out;
  EXPECT_NE(out.find("fifo.json: is a FIFO"), std::string::npos) << out;               // the full cause, locally
  EXPECT_NE(out.find("broken.json:2:14"), std::string::npos) << out;                     // the parser's place, locally
  EXPECT_NE(out.find("outside the allowed patch directories"), std::string::npos) << out;
}

// mvm-live refuses a patch that is not a regular file or is over the cap: one line, exit 3.
TEST(MidiOscLive, APatchThatIsNoRegularFileIsAFileErrorBeforeAnyAudio) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  std::filesystem::create_directories(dir / "adir");
  {
    std::ofstream big(dir / "big.json");
    big << std::string(mvm::limits::kMaxPatchBytes + 1, ' ');
  }
  for (const std::string& p : {dir / "fifo.json", dir / "adir", std::string("/dev/zero"), dir / "big.json", dir / "missing.json"}) {
    const auto r = mvm::test::runCommand("timeout 10 " + kLive + " " + p + " --api jack --seconds 1");
    EXPECT_EQ(r.exitCode, 3) << p << ": " << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_NE(r.output.find(p + ": "), std::string::npos) << r.output;
  }
  EXPECT_EQ(mvm::test::runCommand(kLive + " " + dir / "fifo.json" + " --patch-dir " + dir / "none").exitCode, 3); // the patch first
}
