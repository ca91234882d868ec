#pragma once
// A patch problem with its place: "file:line:column: cause" for syntax, "file: place: cause" otherwise.
// Whatever the parts hold, the message is one line without terminal escapes: every part is escaped
// here (core/message_text.h); the code that builds a part quotes user text as a short excerpt.

#include <stdexcept>
#include <string>

#include "mvm/core/message_text.h"

namespace mvm {

class PatchError : public std::runtime_error {
public:
  PatchError(std::string source, std::string place, std::string cause, int line = 0, int column = 0)
      : std::runtime_error(format(escapeForMessage(source), escapeForMessage(place), escapeForMessage(cause), line, column)),
        source_(escapeForMessage(source)), place_(escapeForMessage(place)), cause_(escapeForMessage(cause)), line_(line),
        column_(column) {}

  const std::string& source() const noexcept { return source_; }
  const std::string& place() const noexcept { return place_; }
  const std::string& cause() const noexcept { return cause_; }
  int line() const noexcept { return line_; }
  int column() const noexcept { return column_; }

private:
  static std::string format(const std::string& source, const std::string& place, const std::string& cause,
                            int line, int column) {
    std::string s = source.empty() ? "<patch>" : source;
    if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
    if (!place.empty()) s += ": " + place;
    return s + ": " + cause;
  }

  std::string source_, place_, cause_;
  int line_, column_;
};

// A patch or score file that cannot be read at all (missing, unreadable): an I/O error, not a bad patch.
class PatchFileError : public PatchError {
public:
  using PatchError::PatchError;
};

} // namespace mvm
