#pragma once
// mvm-live's OSC port (--osc-port, --osc-host): a UDP socket bound to one address (127.0.0.1
// unless told otherwise) and served by its own thread. Each packet is decoded
// (control/osc_packet.h), each message handed to the OscDispatcher at the frame its time tag
// names — "immediately" means its arrival, mapped by the AudioClock like a MIDI message; a
// future tag adds its distance from now — and replies and errors go back to the sender.
//
// Why our socket and not liblo's server: liblo 0.31 (Debian 12) cannot bind a unicast server to
// one address, and the decoder must be reachable without a socket for fuzzing. liblo decodes and
// encodes the messages (control/osc_packet.h); its oscsend/oscdump are the peers in the tests.
//
// Thread contract: open/start/stop on the control thread; everything else on the OSC thread.

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include "audio_clock.h"
#include "mvm/control/osc_dispatch.h"
#include "mvm/control/osc_packet.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

struct OscServerCounters {
  std::atomic<std::uint64_t> packets{0};
  std::atomic<std::uint64_t> badPackets{0}; // could not be decoded (answered with /mvm/error)
  std::atomic<std::uint64_t> replies{0};
  std::atomic<std::uint64_t> scheduled{0};  // messages with a future time tag
};

// Seconds from now until an OSC (NTP) time tag; <= 0 for "immediately" and the past.
inline double oscSecondsUntil(std::uint64_t tag) {
  if (tag == kOscImmediately) return 0.0;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const double nowNtp = std::chrono::duration<double>(now).count() + 2208988800.0;
  const double tagSeconds = static_cast<double>(tag >> 32) + static_cast<double>(tag & 0xFFFFFFFFu) / 4294967296.0;
  return tagSeconds - nowNtp;
}

class OscServer {
public:
  static constexpr double kMaxScheduleSeconds = 3600.0;

  OscServer(OscDispatcher& dispatcher, const AudioClock& clock) : dispatcher_(dispatcher), clock_(clock) {}
  ~OscServer() {
    stop();
    if (fd_ >= 0) ::close(fd_);
  }
  OscServer(const OscServer&) = delete;
  OscServer& operator=(const OscServer&) = delete;

  // control thread: bind UDP host:port. Empty, or the cause.
  std::string open(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
      return "--osc-host " + host + ": " + ::gai_strerror(rc);
    std::string why = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      const int buffer = 1 << 20; // room for bursts (the kernel caps it at rmem_max)
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        break;
      }
      why = std::strerror(errno);
      ::close(fd);
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) return "cannot bind UDP " + host + ":" + service + " (" + why + ")";
    return {};
  }

  void start() {
    running_ = true;
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }

  const OscServerCounters& counters() const noexcept { return counters_; }

private:
  void run() {
    std::vector<std::uint8_t> buf(65536);
    while (running_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_storage from{};
      socklen_t fromLen = sizeof from;
      const ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
      if (n < 0) continue;
      const std::uint64_t arrivalNs = steadyNowNs();
      counters_.packets.fetch_add(1, std::memory_order_relaxed);
      const std::string error = decodeOscPacket(buf.data(), static_cast<std::size_t>(n), [&](std::string_view address, std::span<const OscArg> args,
                                                                                           std::uint64_t tag) {
        std::uint64_t frame = clock_.running() ? clock_.frameAt(arrivalNs) : kFrameNow;
        const double ahead = oscSecondsUntil(tag);
        if (ahead > 0 && frame != kFrameNow) {
          counters_.scheduled.fetch_add(1, std::memory_order_relaxed);
          frame += static_cast<std::uint64_t>(std::llround(std::min(ahead, kMaxScheduleSeconds) * clock_.sampleRate()));
        }
        reply(dispatcher_.handle(address, args, frame), from, fromLen);
      });
      if (!error.empty()) {
        counters_.badPackets.fetch_add(1, std::memory_order_relaxed);
        OscReply r;
        r.address = "/mvm/error";
        r.args.push_back(OscArg::string(""));
        r.args.push_back(OscArg::string("malformed packet: " + error));
        reply(r, from, fromLen);
      }
    }
  }

  void reply(const OscReply& r, sockaddr_storage to, socklen_t len) {
    if (r.address.empty()) return;
    if (r.port) {
      if (to.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&to)->sin_port = htons(static_cast<std::uint16_t>(*r.port));
      else if (to.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&to)->sin6_port = htons(static_cast<std::uint16_t>(*r.port));
    }
    const std::vector<std::uint8_t> bytes = encodeOscMessage(r.address, r.args);
    if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), len) >= 0)
      counters_.replies.fetch_add(1, std::memory_order_relaxed);
  }

  OscDispatcher& dispatcher_;
  const AudioClock& clock_;
  int fd_ = -1;
  OscServerCounters counters_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

} // namespace mvm::live
