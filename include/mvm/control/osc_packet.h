#pragma once
// OSC 1.0 packets ↔ messages, with no library: decodeOscPacket walks a message or a bundle
// (nested bundles too) and hands each message, with the time tag of its innermost bundle, to a
// callback; encodeOscMessage builds a reply. Any byte string is safe input: a malformed packet
// returns its cause and never reads outside the buffer (a libFuzzer target can call it directly).
// Control threads (it allocates).

#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mvm/control/osc_dispatch.h"

namespace mvm {

inline constexpr std::uint64_t kOscImmediately = 1; // the time tag meaning "now"

using OscMessageHandler = std::function<void(std::string_view address, std::span<const OscArg> args, std::uint64_t timeTag)>;

namespace osc_detail {

inline constexpr int kMaxBundleDepth = 8;

struct Reader {
  const std::uint8_t* p;
  std::size_t size, at = 0;

  bool u32(std::uint32_t& v) {
    if (size - at < 4) return false;
    v = static_cast<std::uint32_t>(p[at]) << 24 | static_cast<std::uint32_t>(p[at + 1]) << 16 | static_cast<std::uint32_t>(p[at + 2]) << 8 | p[at + 3];
    at += 4;
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t hi, lo;
    if (!u32(hi) || !u32(lo)) return false;
    v = static_cast<std::uint64_t>(hi) << 32 | lo;
    return true;
  }
  // A NUL-terminated string padded to 4 bytes.
  bool str(std::string_view& s) {
    const void* nul = std::memchr(p + at, 0, size - at);
    if (!nul) return false;
    const std::size_t len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - (p + at));
    const std::size_t padded = (len + 4) & ~std::size_t{3};
    if (padded > size - at) return false;
    s = std::string_view(reinterpret_cast<const char*>(p + at), len);
    at += padded;
    return true;
  }
};

inline std::string decodeMessage(const std::uint8_t* data, std::size_t size, std::uint64_t timeTag, const OscMessageHandler& onMessage) {
  Reader r{data, size};
  std::string_view address, types;
  if (!r.str(address)) return "malformed address string";
  if (address.empty() || address[0] != '/') return "the address does not start with '/'";
  std::vector<OscArg> args;
  if (r.at < size) {
    if (!r.str(types) || types.empty() || types[0] != ',') return "malformed type tag string";
    for (char t : types.substr(1)) {
      OscArg a;
      a.type = t;
      std::uint32_t u;
      std::uint64_t w;
      switch (t) {
      case 'i':
        if (!r.u32(u)) return "truncated int32 argument";
        a = OscArg::integer(static_cast<std::int32_t>(u));
        break;
      case 'f': {
        if (!r.u32(u)) return "truncated float32 argument";
        float f;
        std::memcpy(&f, &u, sizeof f);
        a = OscArg::real(f);
        break;
      }
      case 'h':
        if (!r.u64(w)) return "truncated int64 argument";
        a = OscArg::integer(static_cast<std::int64_t>(w));
        a.type = 'h';
        break;
      case 'd': {
        if (!r.u64(w)) return "truncated float64 argument";
        double d;
        std::memcpy(&d, &w, sizeof d);
        a = OscArg::real(d);
        a.type = 'd';
        break;
      }
      case 't':
        if (!r.u64(w)) return "truncated time tag argument";
        a = OscArg::integer(0);
        a.type = 't';
        break;
      case 's':
      case 'S': {
        std::string_view s;
        if (!r.str(s)) return "malformed string argument";
        a = OscArg::string(std::string(s));
        a.type = t;
        break;
      }
      case 'b': {
        if (!r.u32(u)) return "truncated blob size";
        const std::size_t padded = (static_cast<std::size_t>(u) + 3) & ~std::size_t{3};
        if (padded > size - r.at) return "truncated blob";
        r.at += padded;
        a.type = 'b';
        break;
      }
      case 'c':
      case 'r':
      case 'm':
        if (!r.u32(u)) return "truncated 32-bit argument";
        a = OscArg::integer(static_cast<std::int32_t>(u));
        a.type = t;
        break;
      case 'T': a = OscArg::integer(1); a.type = 'T'; break;
      case 'F': a = OscArg::integer(0); a.type = 'F'; break;
      case 'N':
      case 'I': a.type = t; break;
      default: return std::string("unknown type tag '") + (t >= 32 && t < 127 ? std::string(1, t) : "?") + "'";
      }
      args.push_back(std::move(a));
    }
  }
  onMessage(address, args, timeTag);
  return {};
}

inline std::string decodeBundle(const std::uint8_t* data, std::size_t size, int depth, const OscMessageHandler& onMessage) {
  if (depth > kMaxBundleDepth) return "bundles nested too deep";
  Reader r{data, size, 8};
  std::uint64_t tag;
  if (!r.u64(tag)) return "truncated bundle time tag";
  while (r.at < size) {
    std::uint32_t n;
    if (!r.u32(n)) return "truncated bundle element size";
    if (n > size - r.at || n % 4 != 0 || n == 0) return "bad bundle element size " + std::to_string(n);
    const std::uint8_t* e = data + r.at;
    std::string error = n >= 8 && std::memcmp(e, "#bundle", 8) == 0 ? decodeBundle(e, n, depth + 1, onMessage)
                                                                  : decodeMessage(e, n, tag, onMessage);
    if (!error.empty()) return error;
    r.at += n;
  }
  return {};
}

inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
inline void putString(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
  out.push_back(0);
  while (out.size() % 4) out.push_back(0);
}

} // namespace osc_detail

// Every message of a packet, in order; the cause of the first malformation, or empty. Messages
// before a malformed element have been handed over already.
inline std::string decodeOscPacket(const std::uint8_t* data, std::size_t size, const OscMessageHandler& onMessage) {
  if (size == 0 || size % 4 != 0) return "packet size " + std::to_string(size) + " is not a positive multiple of 4";
  if (size >= 8 && std::memcmp(data, "#bundle", 8) == 0) return osc_detail::decodeBundle(data, size, 0, onMessage);
  return osc_detail::decodeMessage(data, size, kOscImmediately, onMessage);
}

// One raw packet through the address space (a fuzzer's whole entry point): each message at
// `frame` (time tags are the server's business), the replies in order — a malformed packet adds
// one /mvm/error naming the cause.
inline std::vector<OscReply> dispatchOscPacket(OscDispatcher& dispatcher, const std::uint8_t* data, std::size_t size,
                                               std::uint64_t frame = kFrameNow) {
  std::vector<OscReply> replies;
  const std::string error = decodeOscPacket(data, size, [&](std::string_view address, std::span<const OscArg> args, std::uint64_t) {
    replies.push_back(dispatcher.handle(address, args, frame));
  });
  if (!error.empty()) {
    OscReply r;
    r.address = "/mvm/error";
    r.args.push_back(OscArg::string(""));
    r.args.push_back(OscArg::string("malformed packet: " + error));
    replies.push_back(std::move(r));
  }
  return replies;
}

// A message with int32 ('i' and 'h' as int32), float32 and string arguments.
inline std::vector<std::uint8_t> encodeOscMessage(std::string_view address, std::span<const OscArg> args) {
  std::vector<std::uint8_t> out;
  osc_detail::putString(out, address);
  std::string types = ",";
  for (const OscArg& a : args) types += a.isString() ? 's' : a.isInteger() ? 'i' : 'f';
  osc_detail::putString(out, types);
  for (const OscArg& a : args) {
    if (a.isString()) {
      osc_detail::putString(out, a.s);
    } else if (a.isInteger()) {
      osc_detail::put32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(a.i)));
    } else {
      const float f = static_cast<float>(a.f);
      std::uint32_t u;
      std::memcpy(&u, &f, sizeof u);
      osc_detail::put32(out, u);
    }
  }
  return out;
}

} // namespace mvm
