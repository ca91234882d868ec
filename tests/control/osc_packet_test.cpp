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
  EXPECT_EQ(decode({'x', 0, 0, 0}, got), "the address does not start with '/'");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 'i', 0, 0}, got), "truncated int32 argument");
  EXPECT_EQ(decode({'/', 'a', 0, 0, ',', 'q', 0, 0}, got), "unknown type tag 'q'");
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
  std::string loadPatch(const std::string&) override { return "no"; }
  std::string rollback() override { return "no"; }
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
