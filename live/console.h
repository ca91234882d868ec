#pragma once
// mvm-live's control console: a table of commands (name, usage, help, handler) and the line
// parser, free of audio so that tests drive it directly; and StdinLines, which reads stdin without
// blocking the control loop. Another part of the runner adds its own commands with add() (e.g. a
// MIDI `learn`), and they show up in `help`.
//
// Thread contract: control thread only. Handlers reach the audio thread the usual way (VM::postEvent,
// PatchManager), never directly.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mvm/core/message_text.h"

namespace mvm::live {

// A handler's way to say the command was wrong: the message becomes the one-line error.
// withUsage: the command's shape was wrong, so the error line ends with its usage.
struct ConsoleError : std::runtime_error {
  explicit ConsoleError(const std::string& what, bool withUsage = false) : std::runtime_error(what), withUsage(withUsage) {}
  bool withUsage;
};

struct ConsoleReply {
  bool ok = true;
  std::string text;  // one line (may be empty for ok)
  bool quit = false; // the command asked the runner to stop
};

// Words of a command line: split at blanks; "double quotes" keep blanks in one word (paths).
inline std::vector<std::string> splitCommandLine(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool inWord = false, quoted = false;
  for (char c : line) {
    if (quoted) {
      if (c == '"') quoted = false;
      else word += c;
    } else if (c == '"') {
      quoted = inWord = true;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (inWord) words.push_back(std::move(word));
      word.clear();
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoted) throw ConsoleError("unterminated quote");
  if (inWord) words.push_back(std::move(word));
  return words;
}

// A finite number, all of `text`.
inline double parseConsoleNumber(const std::string& text, const char* what) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
    throw ConsoleError(std::string(what) + " '" + messageExcerpt(text) + "' is not a number");
  return v;
}

// A MIDI note: 0..127, or a name such as C4, F#3, Bb2 (C4 = 60).
inline int parseNoteKey(const std::string& text) {
  if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) != 0)) {
    const double v = parseConsoleNumber(text, "note");
    if (v != std::floor(v) || v < 0 || v > 127) throw ConsoleError("note " + messageExcerpt(text) + ": expected 0..127 or a name like C4");
    return static_cast<int>(v);
  }
  static constexpr int kSemitone[] = {9, 11, 0, 2, 4, 5, 7}; // A B C D E F G
  if (text.empty() || std::toupper(static_cast<unsigned char>(text[0])) < 'A' || std::toupper(static_cast<unsigned char>(text[0])) > 'G')
    throw ConsoleError("note '" + messageExcerpt(text) + "': expected 0..127 or a name like C4");
  int semitone = kSemitone[std::toupper(static_cast<unsigned char>(text[0])) - 'A'];
  std::size_t i = 1;
  if (i < text.size() && text[i] == '#') ++semitone, ++i;
  else if (i < text.size() && text[i] == 'b') --semitone, ++i;
  int octave = 0;
  const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), octave);
  if (i == text.size() || ec != std::errc() || end != text.data() + text.size())
    throw ConsoleError("note '" + messageExcerpt(text) + "': expected 0..127 or a name like C4");
  const int key = (octave + 1) * 12 + semitone;
  if (key < 0 || key > 127) throw ConsoleError("note '" + messageExcerpt(text) + "' is outside 0..127");
  return key;
}

class CommandTable {
public:
  // args: the words after the command's name. Returns the reply line; throws ConsoleError.
  using Handler = std::function<std::string(const std::vector<std::string>& args)>;
  struct Command {
    std::string name, usage, help;
    Handler run;
    bool quits = false;
  };

  void add(Command c) {
    for (Command& existing : commands_)
      if (existing.name == c.name) {
        existing = std::move(c); // a later add replaces: one way to reach each name
        return;
      }
    commands_.push_back(std::move(c));
  }
  const Command* find(const std::string& name) const {
    for (const Command& c : commands_)
      if (c.name == name) return &c;
    return nullptr;
  }
  const std::vector<Command>& commands() const { return commands_; }

  // One line of input. Blank lines and # comments do nothing.
  ConsoleReply execute(std::string_view line) const {
    try {
      std::vector<std::string> words = splitCommandLine(line);
      if (words.empty() || words[0][0] == '#') return {true, "", false};
      const Command* c = find(words[0]);
      if (!c) return {false, "unknown command '" + messageExcerpt(words[0]) + "' (try 'help')", false};
      words.erase(words.begin());
      try {
        return {true, c->run(words), c->quits};
      } catch (const ConsoleError& e) {
        return {false, escapeForMessage(e.what()) + (e.withUsage ? " (usage: " + c->usage + ")" : ""), false};
      }
    } catch (const std::exception& e) {
      return {false, escapeForMessage(e.what()), false};
    }
  }

  std::string helpText() const {
    std::size_t width = 0;
    for (const Command& c : commands_) width = std::max(width, c.usage.size());
    std::string out;
    for (const Command& c : commands_) out += "  " + c.usage + std::string(width + 2 - c.usage.size(), ' ') + c.help + "\n";
    return out;
  }

private:
  std::vector<Command> commands_;
};

// Throws unless args has between min and max words.
inline void expectArgs(const std::vector<std::string>& args, std::size_t min, std::size_t max) {
  if (args.size() < min) throw ConsoleError("missing argument", true);
  if (args.size() > max) throw ConsoleError("too many arguments", true);
}

// Reads whole lines from a file descriptor (stdin) without ever blocking: poll() then read().
// End of file, a closed or an invalid descriptor all mean "no console": open() turns false and
// the runner keeps playing.
class StdinLines {
public:
  explicit StdinLines(int fd = STDIN_FILENO) : fd_(fd) {}

  bool open() const { return open_; }

  // Complete lines that arrived since the last call (without their newline). At most
  // kMaxReadsPerPoll reads a call: an endless input (`< /dev/zero`, a flood through a pipe)
  // waits in the pipe instead of holding the control loop (and with it Ctrl-C) forever.
  static constexpr int kMaxReadsPerPoll = 16;
  static constexpr std::size_t kMaxLineBytes = 65536;
  std::vector<std::string> poll() {
    std::vector<std::string> lines;
    for (int reads = 0; open_ && reads < kMaxReadsPerPoll; ++reads) {
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      if ((p.revents & POLLNVAL) != 0) {
        close();
        break;
      }
      // A background job (`mvm-live … &`) must not read its terminal: SIGTTIN would stop it.
      if (::isatty(fd_) == 1 && ::tcgetpgrp(fd_) != ::getpgrp()) break;
      char buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) { // end of input (or an error): a last unterminated line still counts
        if (!pending_.empty()) lines.push_back(std::move(pending_));
        close();
        break;
      }
      pending_.append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
        if (nl > kMaxLineBytes || overlong_) ++dropped_; // no command is that long (or its start was dropped)
        else lines.push_back(pending_.substr(0, nl));
        overlong_ = false;
        pending_.erase(0, nl + 1);
      }
      if (pending_.size() > kMaxLineBytes) { // no command is that long: dropped (counted at its end)
        pending_.clear();
        overlong_ = true;
      }
    }
    return lines;
  }

  // Lines dropped for being over kMaxLineBytes.
  std::uint64_t dropped() const noexcept { return dropped_; }

private:
  void close() {
    open_ = false;
    pending_.clear();
  }
  int fd_;
  bool open_ = true;
  std::string pending_;
  std::uint64_t dropped_ = 0;
  bool overlong_ = false; // the line being read was over kMaxLineBytes: its rest is dropped too
};

} // namespace mvm::live
