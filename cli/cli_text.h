#pragma once
// Text for the drivers' messages (mvm-render, mvm-live): both print what a user typed and what a
// file holds, so both need it one line long, unescaped control characters never reaching a terminal,
// and numbers shown as they were typed.

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

namespace mvm::cli {

// A number as the user would have typed it ("10", "0.5"): what an ostream prints, so an integer
// option keeps all its digits where a double rounds to six.
template <class Number>
std::string numberText(Number v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// `s` as one printable line: control characters and DEL (newlines, terminal escapes from file
// names or content) shown as \xNN; longer than `max` bytes, cut there and ended with "...".
inline std::string printableLine(const std::string& s, std::size_t max = std::string::npos) {
  std::string out;
  out.reserve(s.size() < max ? s.size() : max);
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += s[i];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// A level in dB with `decimals` decimals; "-inf" for silence and for what is not a number.
inline std::string dbText(double db, int decimals) {
  if (!std::isfinite(db)) return "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, db);
  return buf;
}

// A linear level (1 = full scale) in dBFS.
inline std::string linearDbText(double linear, int decimals) { return dbText(linear > 0 ? 20.0 * std::log10(linear) : -INFINITY, decimals); }

} // namespace mvm::cli
