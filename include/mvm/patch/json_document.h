#pragma once
// Untrusted JSON text → a document, for every JSON format the engine reads (patch, score, session,
// and the MIDI mapping inside a patch). Before the JSON library builds anything, one linear scan
// refuses, with line:column:
//   - a NUL byte anywhere (the library would stop reading there and accept any garbage after it);
//   - nesting deeper than limits::kMaxJsonDepth (the library's copy, compare and dump recurse);
//   - a key given twice in one object (the library would silently keep the last).
// Syntax errors keep the library's cause, with its quoted token cut to an excerpt. jsonExcerpt
// shows any value in a message, short, without recursion. Control thread.
// The rules are documented in docs/patch-format.md ("Limits").

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mvm/core/message_text.h"
#include "mvm/patch/limits.h"
#include "mvm/patch/patch_error.h"

namespace mvm {

namespace json_detail {

struct Issue {
  std::size_t offset = 0; // 0-based byte
  std::string place;
  std::string cause;
};

inline void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

inline int hexValue(std::string_view s, std::size_t at) {
  if (at + 4 > s.size()) return -1;
  int v = 0;
  for (std::size_t k = at; k < at + 4; ++k) {
    const char c = s[k];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// The text of a JSON string's body, so that "a" and "\u0061" are the same key. A malformed escape
// is kept as it is (the JSON library reports it).
inline std::string decodeString(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    const char e = raw[++i];
    switch (e) {
    case 'b': out += '\b'; break;
    case 'f': out += '\f'; break;
    case 'n': out += '\n'; break;
    case 'r': out += '\r'; break;
    case 't': out += '\t'; break;
    case 'u': {
      int v = hexValue(raw, i + 1);
      if (v < 0) {
        out += "\\u";
        break;
      }
      i += 4;
      char32_t cp = static_cast<char32_t>(v);
      if (v >= 0xD800 && v <= 0xDBFF && i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u') {
        if (const int lo = hexValue(raw, i + 3); lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((static_cast<char32_t>(v) - 0xD800) << 10) + (static_cast<char32_t>(lo) - 0xDC00);
          i += 6;
        }
      }
      appendUtf8(out, cp);
      break;
    }
    default: out += e; // \" \\ \/ (and anything malformed)
    }
  }
  return out;
}

// One pass over the text: containers open and close, keys of each open object. Never recurses.
class StructureScan {
public:
  std::optional<Issue> run(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      switch (c) {
      case '\0': return Issue{i, path(depth_), "a NUL byte (JSON text holds none)"};
      case '"': {
        const std::size_t start = i + 1;
        for (i = start;; ++i) {
          while (i < text.size() && text[i] != '"' && text[i] != '\\' && text[i] != '\0') ++i;
          if (i == text.size()) return std::nullopt; // unterminated: the library says so
          if (text[i] == '\0') return Issue{i, path(depth_), "a NUL byte (JSON text holds none)"};
          if (text[i] == '"') break;
          ++i; // the escaped character
          if (i >= text.size()) return std::nullopt;
          if (text[i] == '\0') return Issue{i, path(depth_), "a NUL byte (JSON text holds none)"};
        }
        if (depth_ > 0 && top().object && top().expectKey) {
          Frame& f = top();
          f.expectKey = false;
          f.key = decodeString(text.substr(start, i - start));
          if (!f.addKey())
            return Issue{start - 1, depth_ > 1 ? path(depth_ - 1) : "top level", "duplicate key " + inQuotes(f.key)};
        }
        break;
      }
      case '{':
      case '[':
        if (depth_ >= limits::kMaxJsonDepth)
          return Issue{i, path(depth_), "nested deeper than " + std::to_string(limits::kMaxJsonDepth) + " levels (the limit)"};
        push(c == '{');
        break;
      case '}':
      case ']':
        if (depth_ > 0) --depth_;
        break;
      case ',':
        if (depth_ > 0) {
          if (top().object) top().expectKey = true;
          else ++top().index;
        }
        break;
      default: break;
      }
    }
    return std::nullopt;
  }

private:
  struct Frame {
    bool object = false;
    bool expectKey = false;
    std::size_t index = 0; // arrays: the element being read
    std::string key;       // objects: the key being read
    // Keys seen: most objects have a few, compared in place (the strings keep their capacity
    // when the frame is reused); a big object moves to a hash set.
    std::vector<std::string> few;
    std::size_t fewCount = 0;
    std::unordered_set<std::string> many;

    bool addKey() {
      static constexpr std::size_t kFew = 16;
      if (fewCount < kFew) {
        for (std::size_t k = 0; k < fewCount; ++k)
          if (few[k] == key) return false;
        if (fewCount == few.size()) few.emplace_back();
        few[fewCount++] = key;
        return true;
      }
      if (many.empty()) many.insert(few.begin(), few.end());
      return many.insert(key).second;
    }
    void clearKeys() {
      fewCount = 0;
      if (!many.empty()) many.clear();
    }
  };

  Frame& top() { return frames_[depth_ - 1]; }
  void push(bool object) {
    if (depth_ == frames_.size()) frames_.emplace_back();
    Frame& f = frames_[depth_++]; // reused: a set keeps its buckets
    f.object = object;
    f.expectKey = object;
    f.index = 0;
    f.key.clear();
    f.clearKeys();
  }

  // Where the first `levels` open containers lead, e.g. modules[3].params.freq; cut when long.
  std::string path(std::size_t levels) const {
    std::string p;
    for (std::size_t k = 0; k < levels; ++k) {
      if (p.size() > kMessageExcerptBytes) return p + "…";
      const Frame& f = frames_[k];
      if (f.object) p += (p.empty() ? "" : ".") + messageExcerpt(f.key, kMessageExcerptBytes / 2);
      else p += "[" + std::to_string(f.index) + "]";
    }
    return p;
  }

  std::vector<Frame> frames_;
  std::size_t depth_ = 0;
};

// The library's cause without its "[json.exception...] parse error at line 1, column 5: " prefix.
inline std::string libraryCause(const std::string& what) {
  auto pos = what.find(": ");
  if (pos != std::string::npos) return what.substr(pos + 2);
  pos = what.find("] "); // "[json.exception.out_of_range.406] number overflow parsing '1e999'"
  return pos == std::string::npos ? what : what.substr(pos + 2);
}

// The library quotes the token it stopped in ("last read: '...'", "parsing '...'"), which can be a
// whole unterminated string: keep its end, where the error is.
inline std::string shortenToken(const std::string& cause) {
  std::size_t open = cause.find("last read: '"), skip = 12;
  if (open == std::string::npos) open = cause.find("parsing '"), skip = 9;
  if (open == std::string::npos) return cause;
  open += skip;
  std::size_t close = cause.rfind("'; expected ");
  if (close == std::string::npos || close < open) {
    if (cause.back() != '\'') return cause;
    close = cause.size() - 1;
  }
  if (close - open <= kMessageExcerptBytes) return cause;
  std::size_t from = close - kMessageExcerptBytes;
  while (from < close && (static_cast<unsigned char>(cause[from]) & 0xC0) == 0x80) ++from; // a whole character
  return cause.substr(0, open) + "…" + cause.substr(from);
}

} // namespace json_detail

// 1-based line and column of a 1-based byte offset.
inline std::pair<int, int> jsonLineColumn(const std::string& text, std::size_t byte) {
  int line = 1, column = 1;
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// control thread: JSON text → document; every problem is an Error (a PatchError) with its place.
template <class Error = PatchError>
nlohmann::json parseJsonText(const std::string& text, const std::string& source) {
  if (const std::optional<json_detail::Issue> issue = json_detail::StructureScan().run(text)) {
    const auto [line, column] = jsonLineColumn(text, issue->offset + 1);
    throw Error(source, issue->place, issue->cause, line, column);
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const auto [line, column] = jsonLineColumn(text, e.byte);
    throw Error(source, "", "malformed JSON: " + json_detail::shortenToken(json_detail::libraryCause(e.what())), line, column);
  } catch (const nlohmann::json::exception& e) { // e.g. a number too large for a double
    throw Error(source, "", "malformed JSON: " + json_detail::shortenToken(json_detail::libraryCause(e.what())));
  }
}

// The value of `v` when it is a JSON integer within [lo, hi]: not true, not 1.0, and not a number
// beyond a long long that a conversion would wrap (18446744073709551615 read as -1).
inline std::optional<long long> jsonIntegerWithin(const nlohmann::json& v, long long lo, long long hi) {
  long long x;
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) return std::nullopt;
    x = static_cast<long long>(u);
  } else if (v.is_number_integer()) {
    x = v.get<long long>();
  } else {
    return std::nullopt;
  }
  if (x < lo || x > hi) return std::nullopt;
  return x;
}

// Any value as a message quotes it: compact JSON, strings escaped, cut to about `maxBytes` with "…".
// Iterative, and it stops as soon as the excerpt is long enough, however big or deep the value.
inline std::string jsonExcerpt(const nlohmann::json& v, std::size_t maxBytes = kMessageExcerptBytes) {
  using json = nlohmann::json;
  struct Level {
    const json* node;
    json::const_iterator it;
    bool first;
  };
  std::string out;
  std::vector<Level> open;
  auto visit = [&](const json& x) {
    if (x.is_object() || x.is_array()) {
      out += x.is_object() ? '{' : '[';
      open.push_back(Level{&x, x.cbegin(), true});
    } else if (x.is_string()) {
      out += inQuotes(x.get_ref<const std::string&>(), maxBytes);
    } else {
      out += x.dump(); // a number, true, false, null: short
    }
  };
  visit(v);
  while (!open.empty() && out.size() <= maxBytes) {
    Level& l = open.back();
    if (l.it == l.node->cend()) {
      out += l.node->is_object() ? '}' : ']';
      open.pop_back();
      continue;
    }
    if (!l.first) out += ',';
    l.first = false;
    if (l.node->is_object()) out += inQuotes(l.it.key(), maxBytes) + ":";
    const json& child = *l.it;
    ++l.it; // before visit: it may grow `open`
    visit(child);
  }
  if (out.size() <= maxBytes) return out;
  std::size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut; // a whole character
  return out.substr(0, cut) + "…";
}

} // namespace mvm
