#pragma once
// User text in an error message: names, keys, paths and values come from files and peers, so they
// may hold terminal escapes, line breaks, invalid UTF-8 or a megabyte of text. Everything a message
// quotes goes through here, so that a message stays one line, cannot drive the terminal, and quotes
// at most a short excerpt. Any thread that may allocate.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mvm {

// The most bytes of a name or value a message quotes; longer ones are cut and end in "…".
inline constexpr std::size_t kMessageExcerptBytes = 64;

namespace message_detail {

// Length of the well-formed UTF-8 sequence at s[i] and its code point, or 0 when it is not one.
inline std::size_t utf8Sequence(std::string_view s, std::size_t i, char32_t& cp) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF; // range of the second byte
  if (c < 0x80) { cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1Fu; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0Fu; lo = c == 0xE0 ? 0xA0 : 0x80; hi = c == 0xED ? 0x9F : 0xBF; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07u; lo = c == 0xF0 ? 0x90 : 0x80; hi = c == 0xF4 ? 0x8F : 0xBF; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const unsigned char t = b(k);
    if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xBF)) return 0;
    cp = (cp << 6) | (t & 0x3Fu);
  }
  return n;
}

// Code points that change what a terminal shows without being seen: C0/C1 controls, DEL, line and
// paragraph separators, zero-width and bidirectional formatting characters, the BOM.
inline bool invisible(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

inline std::string hexEscape(char prefix, std::uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s{'\\', prefix};
  for (int d = digits - 1; d >= 0; --d) s += kHex[(v >> (4 * d)) & 0xFu];
  return s;
}

// The text of one character as a message shows it.
inline std::string shown(char32_t cp, std::string_view bytes, bool escapeQuotes) {
  switch (cp) {
  case '\n': return "\\n";
  case '\r': return "\\r";
  case '\t': return "\\t";
  case '"': return escapeQuotes ? "\\\"" : "\"";
  case '\\': return escapeQuotes ? "\\\\" : "\\";
  default: break;
  }
  if (!invisible(cp)) return std::string(bytes);
  return cp < 0x80 ? hexEscape('x', cp, 2) : hexEscape('u', cp, 4);
}

// Escapes `s` into `out`, stopping (with "…") before `maxBytes` of output would be exceeded.
inline void appendEscaped(std::string& out, std::string_view s, std::size_t maxBytes, bool escapeQuotes) {
  std::size_t written = 0;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8Sequence(s, i, cp);
    const std::string piece = n ? shown(cp, s.substr(i, n), escapeQuotes)
                                : hexEscape('x', static_cast<unsigned char>(s[i]), 2); // a byte of invalid UTF-8
    if (written + piece.size() > maxBytes) {
      out += "…";
      return;
    }
    out += piece;
    written += piece.size();
    i += n ? n : 1;
  }
}

} // namespace message_detail

// `s` with every invisible character and invalid UTF-8 byte escaped (\n, \x1b, \u009b, \xff), whole.
inline std::string escapeForMessage(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  message_detail::appendEscaped(out, s, std::string_view::npos, false);
  return out;
}

// `s` escaped and cut to an excerpt (unquoted: for text a message shows as it is, e.g. a cable).
inline std::string messageExcerpt(std::string_view s, std::size_t maxBytes = kMessageExcerptBytes) {
  std::string out;
  message_detail::appendEscaped(out, s, maxBytes, false);
  return out;
}

// `s` in double quotes, escaped (quotes and backslashes too) and cut to an excerpt: a name in a message.
inline std::string inQuotes(std::string_view s, std::size_t maxBytes = kMessageExcerptBytes) {
  std::string out = "\"";
  message_detail::appendEscaped(out, s, maxBytes, true);
  return out + "\"";
}

// The shortest decimal that reads back as `x` (1e+308, 0.9500001, 30000): a number as given.
inline std::string shortestDecimal(double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

} // namespace mvm
