// Untrusted JSON text: nesting limited while scanning, NUL bytes and duplicate keys refused with
// their place, excerpts of any value short and computed without recursion.

#include "mvm/patch/json_document.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using namespace mvm;
using json = nlohmann::json;

namespace {

std::string errorOf(const std::string& text) {
  try {
    (void)parseJsonText(text, "t.json");
    return "";
  } catch (const PatchError& e) {
    return e.what();
  }
}

std::string arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }
std::string objects(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "{\"k\":";
  return s + "0" + std::string(depth, '}');
}

} // namespace

TEST(JsonDocument, NestingUpToTheLimitParsesAndOneLevelMoreIsRefusedWithItsPlace) {
  const std::size_t limit = limits::kMaxJsonDepth;
  EXPECT_EQ(errorOf(arrays(limit)), "");
  EXPECT_EQ(errorOf(objects(limit)), "");
  EXPECT_EQ(errorOf(arrays(limit + 1)),
            "t.json:1:" + std::to_string(limit + 1) + ": [0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…: nested deeper than 64 levels (the limit)");
  EXPECT_EQ(errorOf(objects(limit + 1)), "t.json:1:" + std::to_string(5 * limit + 1) +
                                             ": k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k…: nested deeper than 64 levels (the limit)");
  EXPECT_EQ(errorOf(R"({"a": [1, {"b": )" + arrays(200) + "}]}"), "t.json:1:78: a[1].b[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…: nested deeper than 64 levels (the limit)");
}

TEST(JsonDocument, BracketsInsideStringsDoNotCount) {
  EXPECT_EQ(errorOf("[\"" + std::string(10000, '[') + "\", \"\\\"[[[\", {\"k{\": \"}}}\"}]"), "");
  EXPECT_EQ(errorOf("{\"" + std::string(10000, '{') + "\": 1}"), "");
}

TEST(JsonDocument, AMillionLevelsAreRefusedQuicklyWithoutRecursion) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(errorOf(arrays(1000000)).find("nested deeper than 64 levels"), std::string::npos);
  EXPECT_NE(errorOf(objects(1000000)).find("nested deeper than 64 levels"), std::string::npos);
  EXPECT_NE(errorOf(std::string(1000000, '[')).find("nested deeper than 64 levels"), std::string::npos); // never closed
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(JsonDocument, ANulByteAnywhereIsRefusedWithItsPlace) {
  EXPECT_EQ(errorOf(std::string("{\"a\": 1}\0garbage", 16)), "t.json:1:9: a NUL byte (JSON text holds none)");
  EXPECT_EQ(errorOf(std::string("{\"a\": 1}\n\0", 10)), "t.json:2:1: a NUL byte (JSON text holds none)");
  EXPECT_EQ(errorOf(std::string("{\"a\": [1,\0 2]}", 14)), "t.json:1:10: a[1]: a NUL byte (JSON text holds none)");
  EXPECT_EQ(errorOf(std::string("{\"a\0b\": 1}", 10)), "t.json:1:4: a NUL byte (JSON text holds none)");
  EXPECT_EQ(errorOf(std::string("{\"a\\\0\": 1}", 10)), "t.json:1:5: a NUL byte (JSON text holds none)");
  EXPECT_EQ(errorOf(std::string("\0", 1)), "t.json:1:1: a NUL byte (JSON text holds none)");
}

TEST(JsonDocument, ADuplicateKeyIsRefusedNamingItAndItsObject) {
  EXPECT_EQ(errorOf(R"({"a": 1, "a": 2})"), "t.json:1:10: top level: duplicate key \"a\"");
  EXPECT_EQ(errorOf(R"({"m": [{}, {"id": 1, "x": {}, "id": 2}]})"), "t.json:1:31: m[1]: duplicate key \"id\"");
  EXPECT_EQ(errorOf(R"({"m": {"p": {"q": 1, "q": 1}}})"), "t.json:1:22: m.p: duplicate key \"q\"");
  // The same text after escapes is the same key.
  EXPECT_EQ(errorOf(R"({"ab": 1, "\u0061\u0062": 2})"), "t.json:1:11: top level: duplicate key \"ab\"");
  EXPECT_EQ(errorOf(R"({"\ud83c\udfb9": 1, "🎹": 2})"), "t.json:1:21: top level: duplicate key \"🎹\"");
  // A key with a terminal escape is shown escaped.
  EXPECT_EQ(errorOf(R"({"\u001b[2J": 1, "\u001b[2J": 2})"), "t.json:1:18: top level: duplicate key \"\\x1b[2J\"");
  // A big object (its keys go to a hash set past the first few).
  std::string big = "{";
  for (int i = 0; i < 1000; ++i) big += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  EXPECT_EQ(errorOf(big + "\"k999\": 0}"), "t.json:1:" + std::to_string(big.size() + 1) + ": top level: duplicate key \"k999\"");
  EXPECT_EQ(errorOf(big + "\"k3\": 0}"), "t.json:1:" + std::to_string(big.size() + 1) + ": top level: duplicate key \"k3\"");
  EXPECT_EQ(errorOf(big + "\"k1000\": 0}"), "");
  // The same key in different objects, a value equal to a key, keys differing in case: all fine.
  EXPECT_EQ(errorOf(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "a", "A": 1})"), "");
}

TEST(JsonDocument, SyntaxErrorsQuoteAShortExcerptOfTheirToken) {
  const std::string e = errorOf("{\"k\": \"" + std::string(1 << 20, 'x'));
  EXPECT_EQ(e, "t.json:1:1048584: malformed JSON: syntax error while parsing value - invalid string: missing closing quote; last read: '…" +
                   std::string(kMessageExcerptBytes, 'x') + "'");
  const std::string n = errorOf("[1" + std::string(100000, '0') + "e999]");
  EXPECT_LT(n.size(), 200u) << n;
  EXPECT_NE(n.find("number overflow parsing '…"), std::string::npos) << n;
}

TEST(JsonDocument, ExcerptsOfValuesAreShortWhateverTheValue) {
  EXPECT_EQ(jsonExcerpt(json(1.5)), "1.5");
  EXPECT_EQ(jsonExcerpt(json(-1)), "-1");
  EXPECT_EQ(jsonExcerpt(json(true)), "true");
  EXPECT_EQ(jsonExcerpt(json(nullptr)), "null");
  EXPECT_EQ(jsonExcerpt(json("a\x1b")), "\"a\\x1b\"");
  EXPECT_EQ(jsonExcerpt(json::parse(R"({"a": [1, 2, {"b": null}], "c": "d"})")), R"({"a":[1,2,{"b":null}],"c":"d"})");
  EXPECT_EQ(jsonExcerpt(json(std::string(1000, 'z')), 8), "\"zzzzzzz…");
  // A long array, a deep value (built here, past the parser's limit), a long key: short, no recursion.
  json big = json::array();
  for (int i = 0; i < 100000; ++i) big.push_back(i);
  EXPECT_EQ(jsonExcerpt(big), "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,2…");
  json deep = 1;
  for (int i = 0; i < 100000; ++i) deep = json::array({std::move(deep)});
  EXPECT_EQ(jsonExcerpt(deep), std::string(kMessageExcerptBytes, '[') + "…");
  EXPECT_LE(jsonExcerpt(json{{std::string(5000, 'k'), 1}}).size(), kMessageExcerptBytes + 3);
}

TEST(JsonDocument, IntegersAreReadWithoutWrappingOrRounding) {
  EXPECT_EQ(jsonIntegerWithin(json::parse("5"), 0, 10), 5);
  EXPECT_EQ(jsonIntegerWithin(json::parse("-5"), -10, 10), -5);
  EXPECT_EQ(jsonIntegerWithin(json::parse("11"), 0, 10), std::nullopt);
  EXPECT_EQ(jsonIntegerWithin(json::parse("18446744073709551615"), -10, 10), std::nullopt); // not -1
  EXPECT_EQ(jsonIntegerWithin(json::parse("4294967297"), 0, 16), std::nullopt);             // not 1 as an int
  EXPECT_EQ(jsonIntegerWithin(json::parse("1.0"), 0, 10), std::nullopt);
  EXPECT_EQ(jsonIntegerWithin(json::parse("true"), 0, 10), std::nullopt);
  EXPECT_EQ(jsonIntegerWithin(json::parse("\"1\""), 0, 10), std::nullopt);
  EXPECT_EQ(jsonIntegerWithin(json::parse("null"), 0, 10), std::nullopt);
}

TEST(JsonDocument, ScanningIsLinear) {
  // 8 MiB of modules with many keys and strings: the scan adds a fraction to the JSON library's
  // parse (about 12 % when written), never a multiple.
  std::string text = "{\"modules\": [";
  for (int i = 0; text.size() < (8u << 20); ++i)
    text += (i ? ",{\"id\":\"m" : "{\"id\":\"m") + std::to_string(i) + R"(","type":"Gain","params":{"gain":0.5,"x\"y":"\\u0041"}})";
  text += "]}";
  EXPECT_TRUE(json::parse(text).is_object()); // the allocator warmed up for both
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(json::parse(text).is_object()); // built and destroyed, as in errorOf
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(errorOf(text), "");
  const auto t2 = std::chrono::steady_clock::now();
  EXPECT_LT(t2 - t1, 3 * (t1 - t0) + std::chrono::milliseconds(200)); // scan + parse
}
