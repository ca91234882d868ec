// User text in messages: escaped so that a message stays one line and cannot drive a terminal,
// and cut to a short excerpt.

#include "mvm/core/message_text.h"

#include <gtest/gtest.h>

#include <string>

#include "mvm/patch/patch_error.h"

using namespace mvm;

namespace {

// Whether `s` is one line a terminal shows as it is: printable ASCII and well-formed UTF-8 above it,
// none of the invisible code points.
bool plainLine(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = message_detail::utf8Sequence(s, i, cp);
    if (n == 0 || message_detail::invisible(cp)) return false;
    i += n;
  }
  return true;
}

} // namespace

TEST(MessageText, ControlCharactersAndTerminalEscapesAreEscaped) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"a\x1b[31mred", "a\\x1b[31mred"},      // ESC: colours, cursor moves, window titles
      {"line\nbreak", "line\\nbreak"},         // LF
      {"over\rwrite", "over\\rwrite"},         // CR: overwrites the line so far
      {"tab\there", "tab\\there"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"bell\x07", "bell\\x07"},
      {"del\x7f", "del\\x7f"},
      {"csi\xc2\x9b" "2J", "csi\\u009b2J"},    // C1 CSI: a one-character escape sequence
      {"nel\xc2\x85", "nel\\u0085"},           // C1 next line
      {"ls\xe2\x80\xa8", "ls\\u2028"},          // line separator
      {"rlo\xe2\x80\xae" "txt", "rlo\\u202etxt"}, // right-to-left override (reorders what follows)
      {"zw\xe2\x80\x8b", "zw\\u200b"},          // zero-width space
      {"bom\xef\xbb\xbf", "bom\\ufeff"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(escapeForMessage(c.in), c.out);
    EXPECT_TRUE(plainLine(escapeForMessage(c.in))) << c.out;
  }
}

TEST(MessageText, InvalidUtf8IsEscapedByteByByteAndValidUtf8IsKept) {
  EXPECT_EQ(escapeForMessage("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb9"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb9"); // é € 🎹
  EXPECT_EQ(escapeForMessage("a\xff" "b"), "a\\xffb");
  EXPECT_EQ(escapeForMessage("\xc0\xaf"), "\\xc0\\xaf");             // overlong '/'
  EXPECT_EQ(escapeForMessage("\xed\xa0\x80"), "\\xed\\xa0\\x80");     // a UTF-16 surrogate
  EXPECT_EQ(escapeForMessage("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); // beyond U+10FFFF
  EXPECT_EQ(escapeForMessage("\xe2\x82"), "\\xe2\\x82");              // cut short
  EXPECT_EQ(escapeForMessage("\x80"), "\\x80");                       // a lone continuation byte
}

TEST(MessageText, EveryByteStringBecomesAPlainLine) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (int b = 0; b < 256; ++b) all += std::string("\xc2") + static_cast<char>(b) + "\xe2\x80" + static_cast<char>(b);
  EXPECT_TRUE(plainLine(escapeForMessage(all)));
  EXPECT_TRUE(plainLine(inQuotes(all, 100000)));
}

TEST(MessageText, ExcerptsAreCutAtACharacterWithAnEllipsis) {
  const std::string longName(1 << 20, 'x');
  EXPECT_EQ(inQuotes(longName), "\"" + std::string(kMessageExcerptBytes, 'x') + "…\"");
  EXPECT_EQ(messageExcerpt(longName, 8), "xxxxxxxx…");
  EXPECT_EQ(messageExcerpt(std::string(kMessageExcerptBytes, 'y')), std::string(kMessageExcerptBytes, 'y')); // fits: whole
  // An escape or a multi-byte character is never split.
  EXPECT_EQ(messageExcerpt("abcdefg\x1b", 10), "abcdefg…");
  EXPECT_EQ(messageExcerpt("abcdefgh\xc3\xa9", 9), "abcdefgh…");
  EXPECT_EQ(messageExcerpt("\x1b\x1b\x1b", 8), "\\x1b\\x1b…");
}

TEST(MessageText, QuotedNamesEscapeQuotesAndBackslashes) {
  EXPECT_EQ(inQuotes("osc"), "\"osc\"");
  EXPECT_EQ(inQuotes("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(messageExcerpt("a\"b"), "a\"b"); // unquoted text keeps them
}

TEST(MessageText, NumbersAreShownAsGiven) {
  EXPECT_EQ(shortestDecimal(0.95), "0.95");
  EXPECT_EQ(shortestDecimal(0.9500001), "0.9500001");
  EXPECT_EQ(shortestDecimal(30000), "30000");
  EXPECT_EQ(shortestDecimal(1e308), "1e+308");
}

// PatchError escapes every part, whoever built it: a message is one plain line.
TEST(MessageText, PatchErrorsAreOnePlainLineWhateverTheirParts) {
  const PatchError e("dir/\x1b]0;title\x07.json", "module \"a\nb\"", "cause\r\n\xc2\x9b", 3, 4);
  EXPECT_STREQ(e.what(), "dir/\\x1b]0;title\\x07.json:3:4: module \"a\\nb\": cause\\r\\n\\u009b");
  EXPECT_TRUE(plainLine(e.what()));
  EXPECT_EQ(e.place(), "module \"a\\nb\"");
  EXPECT_EQ(e.cause(), "cause\\r\\n\\u009b");
}
