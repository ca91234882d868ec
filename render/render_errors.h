#pragma once
// mvm-render's exit codes, and the one place that maps what went wrong onto them: main catches
// everything and hands it here, so no exception escapes and every failure is one line. A partial
// output file is removed by the WavWriter while unwinding (or by the signal handler, interrupt.h).

#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "interrupt.h"
#include "mvm/control/smf_reader.h"
#include "mvm/core/file_reader.h"
#include "mvm/patch/patch_error.h"

namespace mvm::render {

// 0 ok, 1 bad patch/score/MIDI file/session (content), 2 usage, 3 a file that cannot be read or
// written, 4 out of memory or an internal error, 130 interrupted.
enum Exit { kOk = 0, kBadInput = 1, kUsage = 2, kIoError = 3, kInternal = 4, kInterrupted = kInterruptedExit };

// A command line that cannot be run as given (exit 2).
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The output cannot be written where asked (exit 3).
class OutputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A WAV file whose content libsndfile cannot use: bad input (exit 1), not a file error.
class WavError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A message as one printable line: control characters (newlines, terminal escapes) from file
// names or content are shown as \xNN.
inline std::string printableLine(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

inline void printError(const std::string& message) { std::fprintf(stderr, "mvm-render: %s\n", printableLine(message).c_str()); }

// Call inside a catch block: prints the exception being handled as one line, returns its exit code.
inline int reportCurrentException() noexcept {
  try {
    try {
      throw;
    } catch (const UsageError& e) {
      printError(e.what());
      return kUsage;
    } catch (const FileError& e) {
      printError(e.what());
      return kIoError;
    } catch (const OutputError& e) {
      printError(e.what());
      return kIoError;
    } catch (const PatchFileError& e) { // a patch or score file that cannot be read
      printError(e.what());
      return kIoError;
    } catch (const PatchError& e) { // patches, scores, sessions and the lengths they ask for
      printError(e.what());
      return kBadInput;
    } catch (const WavError& e) {
      printError(e.what());
      return kBadInput;
    } catch (const SmfError& e) {
      printError(e.what());
      return kBadInput;
    } catch (const std::bad_alloc&) {
      printError("out of memory");
      return kInternal;
    } catch (const std::exception& e) {
      printError(std::string("internal error: ") + e.what());
      return kInternal;
    } catch (...) {
      printError("internal error: unknown exception");
      return kInternal;
    }
  } catch (...) { // printing itself failed (out of memory)
    return kInternal;
  }
}

} // namespace mvm::render
