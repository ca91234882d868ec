#pragma once
// OSC 1.0 packets ↔ messages through liblo: decodeOscPacket walks a message or a bundle (nested
// bundles too) and hands each message, with the time tag of its innermost bundle, to a callback;
// encodeOscMessage builds a reply. liblo (lo_message_deserialise / lo_message_serialise) decodes
// and encodes the messages; only the bundle framing is walked here, because liblo 0.31 has no
// call that splits a bundle without an lo_server. Any byte string is safe input: a malformed
// packet returns its cause and nothing reads outside the buffer (a libFuzzer target can call it
// directly, no socket needed). Control threads (it allocates).

#include <lo/lo.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
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

struct LoMessageFree {
  void operator()(lo_message m) const noexcept { lo_message_free(m); }
};
using LoMessagePtr = std::unique_ptr<std::remove_pointer_t<lo_message>, LoMessageFree>;

// Big-endian integers of the bundle framing, bounds-checked.
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
};

// The type tags after the address, bounded by the message, before liblo sees it ("" when they
// cannot be found: liblo then names the cause).
inline std::string_view peekTypeTags(const std::uint8_t* data, std::size_t size) {
  const void* end = std::memchr(data, 0, size);
  if (!end) return {};
  const std::size_t at = (static_cast<std::size_t>(static_cast<const std::uint8_t*>(end) - data) + 4) & ~std::size_t{3};
  if (at >= size) return {};
  const void* typesEnd = std::memchr(data + at, 0, size - at);
  if (!typesEnd) return {};
  return {reinterpret_cast<const char*>(data + at), static_cast<std::size_t>(static_cast<const std::uint8_t*>(typesEnd) - (data + at))};
}

// liblo's error codes for a message it refused (lo_errors.h), as causes.
inline std::string loErrorCause(int code, std::string_view typeTags) {
  switch (code) {
  case LO_EINVALIDPATH: return "malformed address string";
  case LO_ENOTYPE: return "no type tag string";
  case LO_EINVALIDTYPE: return "malformed type tag string";
  case LO_EBADTYPE: return "the type tag string does not start with ','";
  case LO_EINVALIDARG:
    for (char t : typeTags.substr(typeTags.empty() ? 0 : 1))
      if (!std::strchr("ifsbhtdScmTFNI", t))
        return std::string("unknown type tag '") + (t >= 32 && t < 127 ? std::string(1, t) : "?") + "'";
    return "malformed argument (truncated, or non-zero string padding)";
  case LO_ESIZE: return "the arguments do not fill the message";
  case LO_EALLOC: return "out of memory";
  default: return "liblo error " + std::to_string(code);
  }
}

// liblo 0.31's values are host-endian but only 4-byte aligned (an lo_arg is 8-aligned): copied out.
template <typename T>
T loValue(const lo_arg* a) {
  T v;
  std::memcpy(&v, a, sizeof v);
  return v;
}

inline std::string decodeMessage(const std::uint8_t* data, std::size_t size, std::uint64_t timeTag, const OscMessageHandler& onMessage) {
  if (size > INT_MAX) return "message of " + std::to_string(size) + " bytes is too large";
  const std::string_view typeTags = peekTypeTags(data, size);
  // lo_validate_blob (0.31) reads a blob's size before checking that 4 bytes remain, so a blob tag
  // with no data left is read past liblo's copy of the message. No address here takes a blob.
  if (typeTags.find('b') != std::string_view::npos) return "blob arguments are not accepted";
  int result = 0;
  const LoMessagePtr m(lo_message_deserialise(const_cast<std::uint8_t*>(data), size, &result));
  if (!m) return loErrorCause(result, typeTags);
  // liblo checked that the address is a NUL-terminated string inside the message.
  const std::string_view address(reinterpret_cast<const char*>(data));
  if (address.empty() || address[0] != '/') return "the address does not start with '/'";
  const char* types = lo_message_get_types(m.get());
  lo_arg** argv = lo_message_get_argv(m.get());
  const int argc = lo_message_get_argc(m.get());
  std::vector<OscArg> args;
  args.reserve(static_cast<std::size_t>(argc));
  for (int k = 0; k < argc; ++k) {
    const char t = types[k];
    const lo_arg* v = argv[k]; // null for T, F, N, I (no data)
    OscArg a;
    switch (t) {
    case LO_INT32: a = OscArg::integer(loValue<std::int32_t>(v)); break;
    case LO_FLOAT: a = OscArg::real(loValue<float>(v)); break;
    case LO_INT64: a = OscArg::integer(loValue<std::int64_t>(v)); break;
    case LO_DOUBLE: a = OscArg::real(loValue<double>(v)); break;
    case LO_STRING:
    case LO_SYMBOL: a = OscArg::string(reinterpret_cast<const char*>(v)); break; // no member access: v is 4-aligned
    case LO_CHAR: a = OscArg::integer(loValue<std::int32_t>(v)); break;
    case LO_MIDI: { // liblo leaves the 4 bytes in network order
      const auto* b = reinterpret_cast<const std::uint8_t*>(v);
      a = OscArg::integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
                                                    static_cast<std::uint32_t>(b[2]) << 8 | b[3]));
      break;
    }
    case LO_TRUE: a = OscArg::integer(1); break;
    case LO_FALSE: a = OscArg::integer(0); break;
    default: break; // 't', 'N', 'I': the type alone
    }
    a.type = t;
    args.push_back(std::move(a));
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

// A message with int32 ('i' and 'h' as int32), float32 and string arguments, serialised by liblo.
inline std::vector<std::uint8_t> encodeOscMessage(std::string_view address, std::span<const OscArg> args) {
  const osc_detail::LoMessagePtr m(lo_message_new());
  if (!m) throw std::bad_alloc();
  for (const OscArg& a : args) {
    const int added = a.isString()    ? lo_message_add_string(m.get(), a.s.c_str())
                      : a.isInteger() ? lo_message_add_int32(m.get(), static_cast<std::int32_t>(a.i))
                                      : lo_message_add_float(m.get(), static_cast<float>(a.f));
    if (added < 0) throw std::bad_alloc();
  }
  const std::string path(address);
  std::vector<std::uint8_t> out(lo_message_length(m.get(), path.c_str()));
  std::size_t size = 0;
  lo_message_serialise(m.get(), path.c_str(), out.data(), &size);
  out.resize(size);
  return out;
}

} // namespace mvm
