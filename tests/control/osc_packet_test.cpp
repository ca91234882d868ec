#include "mvm/control/osc_packet.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace mvm;

namespace {

struct Decoded {
  std::string address;
  std::vector<OscArg> args;
  std::uint64_t tag;
};

std::string decode(const std::vector<std::uint8_t>& bytes, std::vector<Decoded>& out) {
  return decodeOscPacket(bytes.data(), bytes.size(), [&](std::string_view a, std::span<const OscArg> args, std::uint64_t tag) {
    out.push_back({std::string(a), {args.begin(), args.end()}, tag});
  });
}

std::vector<std::uint8_t> bundle(std::uint64_t tag, const std::vector<std::vector<std::uint8_t>>& elements) {
  std::vector<std::uint8_t> b{'#', 'b', 'u', 'n', 'd', 'l', 'e', 0};
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(tag >> s));
  for (const auto& e : elements) {
    const auto n = static_cast<std::uint32_t>(e.size());
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(n >> s));
    b.insert(b.end(), e.begin(), e.end());
  }
  return b;
}

} // namespace

TEST(OscPacket, EncodesAndDecodesMessagesAndNestedBundles) {
  const std::vector<OscArg> args{OscArg::integer(-5), OscArg::real(0.25), OscArg::string("exponential")};
  const auto msg = encodeOscMessage("/mvm/param/flt/cutoff", args);
  EXPECT_EQ(msg.size() % 4, 0u);
  std::vector<Decoded> got;
  ASSERT_EQ(decode(msg, got), "");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].address, "/mvm/param/flt/cutoff");
  ASSERT_EQ(got[0].args.size(), 3u);
  EXPECT_EQ(got[0].args[0].i, -5);
  EXPECT_EQ(got[0].args[1].f, 0.25);
  EXPECT_EQ(got[0].args[2].s, "exponential");
  EXPECT_EQ(got[0].tag, kOscImmediately);
  // liblo's layout, byte for byte: padded strings, big-endian int32 and float32.
  const std::vector<std::uint8_t> expected{'/', 'm', 'v', 'm', '/', 'p', 'a', 'r', 'a', 'm', '/', 'f', 'l', 't', '/', 'c', 'u', 't', 'o', 'f', 'f', 0, 0, 0,
                                           ',', 'i', 'f', 's', 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfb, 0x3e, 0x80, 0, 0,
                                           'e', 'x', 'p', 'o', 'n', 'e', 'n', 't', 'i', 'a', 'l', 0};
  EXPECT_EQ(msg, expected);

  got.clear();
  const auto inner = bundle(0x1234567800000000ull, {encodeOscMessage("/b", {})});
  ASSERT_EQ(decode(bundle(0xE000000000000000ull, {encodeOscMessage("/a", args), inner}), got), "");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].tag, 0xE000000000000000ull);
  EXPECT_EQ(got[1].address, "/b");
  EXPECT_EQ(got[1].tag, 0x1234567800000000ull); // the innermost bundle's time tag
}

TEST(OscPacket, MalformedPacketsSayWhy) {
  std::vector<Decoded> got;
  EXPECT_NE(decode({'/', 'a', 0}, got).find("multiple of 4"), std::string::npos);
  EXPECT_EQ(decode({'/', 'a', 'b', 'c'}, got), "malformed address string");
  EXPECT_EQ(decode({'x', 0, 0, 0, ',', 0, 0, 0}, got), "the address does not start with '/'");
  // Causes from liblo's error codes (lo_message_deserialise).
  EXPECT_EQ(decode({'/', 'a', 0, 0}, got), "no type tag string");
  EXPECT_EQ(decode({'/', 'a', 0, 0, 'i', 0, 0, 0}, got), "the type tag string does not start with ','");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 'i', 'f', 's'}, got), "malformed type tag string");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 'i', 0, 0}, got), "malformed argument (truncated, or non-zero string padding)");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 's', 0, 0, 'x', 0, 7, 0}, got), "malformed argument (truncated, or non-zero string padding)");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 0, 0, 0, 0, 0, 0, 1}, got), "the arguments do not fill the message");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 'q', 0, 0}, got), "unknown type tag 'q'");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 'b', 0, 0}, got), "blob arguments are not accepted");
  auto b = bundle(1, {encodeOscMessage("/a", {})});
  b[19] = 200; // element size beyond the packet
  EXPECT_NE(decode(b, got).find("bad bundle element size"), std::string::npos);
  std::vector<std::uint8_t> deep = encodeOscMessage("/x", {});
  for (int i = 0; i < 12; ++i) deep = bundle(1, {deep});
  EXPECT_EQ(decode(deep, got), "bundles nested too deep");
  EXPECT_TRUE(got.empty());
}

// Random bytes and random corruptions of valid packets: never a crash or an out-of-bounds read
// (run it under ASan to see the second), always either messages or a cause.
TEST(OscPacket, RandomBytesAreSafe) {
  std::mt19937 rng(9);
  const auto valid = bundle(5, {encodeOscMessage("/mvm/note/on", std::vector<OscArg>{OscArg::integer(60), OscArg::integer(100)}),
                                encodeOscMessage("/mvm/param/g/gain", std::vector<OscArg>{OscArg::real(1), OscArg::string("lin")})});
  int decoded = 0, rejected = 0;
  for (int n = 0; n < 20000; ++n) {
    std::vector<std::uint8_t> p = valid;
    if (n % 2) {
      p.resize(4 * (rng() % 24));
      for (auto& c : p) c = static_cast<std::uint8_t>(rng());
    } else {
      for (int k = 0; k < 3; ++k) p[rng() % p.size()] = static_cast<std::uint8_t>(rng());
    }
    std::vector<Decoded> got;
    (decode(p, got).empty() ? decoded : rejected)++;
  }
  EXPECT_GT(decoded, 0);
  EXPECT_GT(rejected, 0);
}

namespace {
class NullTarget final : public OscTarget {
public:
  bool post(const Event&) override { return ++posted, true; }
  const ParamDescriptor* findParam(std::string_view, std::string_view) override { return nullptr; }
  OscLoad loadPatch(const std::string&) override { return {"no", {}}; }
  OscLoad rollback() override { return {"no", {}}; }
  std::optional<OscStatus> status() override { return std::nullopt; }
  int posted = 0;
};
} // namespace

TEST(OscPacket, APacketGoesThroughTheDispatcherInOneCall) {
  NullTarget t;
  OscDispatcher d(t, 48000);
  const auto on = encodeOscMessage("/mvm/note/on", std::vector<OscArg>{OscArg::integer(60), OscArg::integer(100)});
  auto replies = dispatchOscPacket(d, on.data(), on.size(), 480);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(replies[0].address.empty());
  EXPECT_EQ(t.posted, 1);
  const std::uint8_t junk[] = {1, 2, 3};
  replies = dispatchOscPacket(d, junk, sizeof junk);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].address, "/mvm/error");
  EXPECT_NE(replies[0].args[1].s.find("malformed packet"), std::string::npos);
}

// Every OSC type liblo writes reaches the dispatcher as an OscArg with its type and value.
TEST(OscPacket, DecodesEveryTypeLibloWrites) {
  lo_message m = lo_message_new();
  lo_message_add_int32(m, -7);
  lo_message_add_int64(m, -(std::int64_t{1} << 40));
  lo_message_add_float(m, 0.5f);
  lo_message_add_double(m, 1e300);
  lo_message_add_string(m, "lin");
  lo_message_add_symbol(m, "exp");
  lo_message_add_char(m, 'x');
  const std::uint8_t midi[4] = {0x00, 0x90, 60, 100};
  lo_message_add_midi(m, const_cast<std::uint8_t*>(midi));
  lo_message_add_true(m);
  lo_message_add_false(m);
  lo_message_add_nil(m);
  lo_message_add_infinitum(m);
  lo_message_add_timetag(m, lo_timetag{1, 2});
  std::size_t size = 0;
  void* raw = lo_message_serialise(m, "/t", nullptr, &size);
  lo_message_free(m);
  const std::vector<std::uint8_t> bytes(static_cast<std::uint8_t*>(raw), static_cast<std::uint8_t*>(raw) + size);
  std::free(raw);

  std::vector<Decoded> got;
  ASSERT_EQ(decode(bytes, got), "");
  ASSERT_EQ(got.size(), 1u);
  const auto& a = got[0].args;
  ASSERT_EQ(a.size(), 13u);
  std::string types;
  for (const OscArg& x : a) types += x.type;
  EXPECT_EQ(types, "ihfdsScmTFNIt");
  EXPECT_EQ(a[0].i, -7);
  EXPECT_EQ(a[1].i, -(std::int64_t{1} << 40));
  EXPECT_EQ(a[2].f, 0.5);
  EXPECT_EQ(a[3].f, 1e300);
  EXPECT_EQ(a[4].s, "lin");
  EXPECT_EQ(a[5].s, "exp");
  EXPECT_EQ(a[6].i, 'x');
  EXPECT_EQ(a[7].i, 0x0090'3c64);
  EXPECT_EQ(a[8].i, 1);
  EXPECT_EQ(a[9].i, 0);
  EXPECT_TRUE(a[3].isNumber() && a[1].isInteger() && a[5].isString());
}
