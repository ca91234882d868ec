#pragma once
// mvm-live's OSC port (--osc-port, --osc-host): a UDP socket bound to one address (127.0.0.1
// unless told otherwise) and served by its own thread. Each packet is decoded
// (control/osc_packet.h), each message handed to the OscDispatcher at the frame its time tag
// names — "immediately" means its arrival, mapped by the AudioClock like a MIDI message; a
// future tag adds its distance from now — and replies and errors go back to the sender.
//
// Every peer is untrusted (docs/midi-osc.md#trust-model): replies go to the sender's address and
// port only, at most kMaxRepliesPerPacket per packet (a small bundle cannot make a large answer);
// a time tag more than kHorizonSeconds ahead is refused; events stay within OSC's share of the
// VM's pending buffer (osc_event_quota.h); a patch load's outcome is polled, never waited for;
// packets the kernel dropped because the socket's buffer was full are counted (SO_RXQ_OVFL).
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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audio_clock.h"
#include "mvm/control/osc_dispatch.h"
#include "mvm/control/osc_packet.h"
#include "mvm/rt/thread_scheduling.h"
#include "mvm/vm/vm.h"
#include "osc_event_quota.h"

namespace mvm::live {

struct OscServerCounters {
  std::atomic<std::uint64_t> packets{0};
  std::atomic<std::uint64_t> badPackets{0}; // could not be decoded (answered with /mvm/error)
  std::atomic<std::uint64_t> replies{0};
  std::atomic<std::uint64_t> scheduled{0};  // messages with a future time tag
  std::atomic<std::uint64_t> beyondHorizon{0}; // messages refused: time-tagged more than the horizon ahead
  std::atomic<std::uint64_t> kernelDropped{0}; // packets the kernel dropped: the socket's buffer was full
  std::atomic<std::uint64_t> repliesCut{0};    // replies not sent: over the cap of one packet
};

// The host of an address, numeric ("127.0.0.1", "::1"); with `port`, "HOST:PORT".
inline std::string socketAddressText(const sockaddr_storage& a, bool port) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned p = 0;
  if (a.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    p = ntohs(in->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
    p = ntohs(in->sin6_port);
  }
  return port ? std::string(host) + ":" + std::to_string(p) : std::string(host);
}

// Whether only this machine can reach an address: 127.0.0.0/8, ::1, or ::ffff:127.x.
inline bool isLoopbackAddress(const sockaddr* a) {
  if (a->sa_family == AF_INET) return (ntohl(reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr) >> 24) == 127;
  if (a->sa_family == AF_INET6) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

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
  // How far ahead a time tag may be. Sequencers send a bar or a few beats ahead to absorb network
  // jitter; 10 s is a bar at 24 bpm, more than any of them needs, and bounds how long a
  // message can hold a slot of OSC's share of pending events (and how far ahead a mistaken clock
  // can schedule silence or a stuck note).
  static constexpr double kHorizonSeconds = 10.0;
  static constexpr int kMaxRepliesPerPacket = 16;
  static constexpr std::size_t kMaxPendingReplies = 16; // loads under way whose answer is still due

  // `onSender` hears each packet's sender ("HOST:PORT") before its messages are handled.
  OscServer(OscDispatcher& dispatcher, const AudioClock& clock, OscEventQuota* quota = nullptr,
            std::function<void(const std::string&)> onSender = {})
      : dispatcher_(dispatcher), clock_(clock), quota_(quota), onSender_(std::move(onSender)) {}
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
      const int on = 1; // the kernel tells how many packets it dropped for want of room
      ::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        loopback_ = isLoopbackAddress(a->ai_addr);
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
  // control thread, after start(): the thread that maps each arrival to its frame gets real-time
  // scheduling (mvm/rt/thread_scheduling.h). 0, or the error.
  int setScheduling(int policy, int priority) noexcept { return thread_.joinable() ? setThreadScheduling(thread_, policy, priority) : 0; }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }

  const OscServerCounters& counters() const noexcept { return counters_; }
  // Whether the socket is reachable from this machine only (else anyone on the network controls the runner).
  bool loopbackOnly() const noexcept { return loopback_; }

private:
  struct Pending {
    std::shared_ptr<OscPendingReply> reply;
    sockaddr_storage to;
    socklen_t len;
  };

  void run() {
    std::vector<std::uint8_t> buf(65536);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint32_t))];
    while (running_) {
      pollReplies();
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, pending_.empty() ? 50 : 5) <= 0) continue;
      sockaddr_storage from{};
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(fd_, &msg, 0);
      if (n < 0) continue;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          std::uint32_t dropped = 0;
          std::memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
          counters_.kernelDropped.store(dropped, std::memory_order_relaxed); // the kernel's running count
        }
      handlePacket(buf.data(), static_cast<std::size_t>(n), from, msg.msg_namelen);
    }
  }

  void handlePacket(const std::uint8_t* data, std::size_t size, const sockaddr_storage& from, socklen_t fromLen) {
    const std::uint64_t arrivalNs = steadyNowNs();
    counters_.packets.fetch_add(1, std::memory_order_relaxed);
    if (quota_) quota_->setSource(socketAddressText(from, false));
    if (onSender_) onSender_(socketAddressText(from, true));
    int replies = 0;
    auto answer = [&](const OscReply& r) {
      if (r.address.empty() && !r.later) return;
      if (replies++ >= kMaxRepliesPerPacket) {
        counters_.repliesCut.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      if (r.later) {
        if (pending_.size() >= kMaxPendingReplies) pending_.erase(pending_.begin()); // its load was superseded anyway
        pending_.push_back({r.later, from, fromLen});
      } else {
        reply(r, from, fromLen);
      }
    };
    const std::string error = decodeOscPacket(data, size, [&](std::string_view address, std::span<const OscArg> args, std::uint64_t tag) {
      std::uint64_t frame = clock_.running() ? clock_.frameAt(arrivalNs) : kFrameNow;
      const double ahead = oscSecondsUntil(tag);
      if (ahead > kHorizonSeconds) {
        counters_.beyondHorizon.fetch_add(1, std::memory_order_relaxed);
        char cause[128];
        std::snprintf(cause, sizeof cause, "time tag %.0f s ahead: beyond the horizon of %.0f s (refused)", std::min(ahead, 1e12), kHorizonSeconds);
        answer(OscDispatcher::errorReply(address, cause));
        return;
      }
      if (ahead > 0 && frame != kFrameNow) {
        counters_.scheduled.fetch_add(1, std::memory_order_relaxed);
        frame += static_cast<std::uint64_t>(std::llround(ahead * clock_.sampleRate()));
      }
      answer(dispatcher_.handle(address, args, frame));
    });
    if (!error.empty()) {
      counters_.badPackets.fetch_add(1, std::memory_order_relaxed);
      answer(OscDispatcher::errorReply("", "malformed packet: " + error));
    }
  }

  // Answers of loads that are known now; none is waited for.
  void pollReplies() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      OscReply r;
      if (!it->reply->poll(r)) {
        ++it;
        continue;
      }
      reply(r, it->to, it->len);
      it = pending_.erase(it);
    }
  }

  void reply(const OscReply& r, const sockaddr_storage& to, socklen_t len) {
    if (r.address.empty()) return;
    const std::vector<std::uint8_t> bytes = encodeOscMessage(r.address, r.args);
    if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), len) >= 0)
      counters_.replies.fetch_add(1, std::memory_order_relaxed);
  }

  OscDispatcher& dispatcher_;
  const AudioClock& clock_;
  OscEventQuota* quota_;
  std::function<void(const std::string&)> onSender_;
  int fd_ = -1;
  bool loopback_ = false;
  std::vector<Pending> pending_;
  OscServerCounters counters_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

} // namespace mvm::live
