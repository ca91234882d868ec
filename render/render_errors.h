#pragma once
// mvm-render's exit codes, and the one place that maps what went wrong onto them: main catches
// everything and hands it here, so no exception escapes and every failure is one line. A partial
// output file is removed by the WavWriter while unwinding (or by the signal handler, interrupt.h).

#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "cli_checks.h"
#include "cli_text.h"
#include "interrupt.h"
#include "mvm/control/smf_reader.h"
#include "mvm/core/file_reader.h"
#include "mvm/patch/patch_error.h"

namespace mvm::render {

// 0 ok, 1 bad patch/score/MIDI file/session (content), 2 usage, 3 a file that cannot be read or
// written, 4 out of memory or an internal error, 130 interrupted.
enum Exit { kOk = 0, kBadInput = 1, kUsage = 2, kIoError = 3, kInternal = 4, kInterrupted = kInterruptedExit };

using cli::UsageError; // exit 2

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

using cli::printableLine;

inline void printError(const std::string& message) { std::fprintf(stderr, "mvm-render: %s\n", printableLine(message).c_str()); }

// What went wrong, as its exit code and its one line (without the "mvm-render: " prefix).
struct Failure {
  int exitCode = kInternal;
  std::string message;
};

// Call inside a catch block: the exception being handled as a Failure. A batch records it per job;
// reportCurrentException prints it.
inline Failure describeCurrentException() noexcept {
  try {
    try {
      throw;
    } catch (const UsageError& e) {
      return {kUsage, e.what()};
    } catch (const FileError& e) {
      return {kIoError, e.what()};
    } catch (const OutputError& e) {
      return {kIoError, e.what()};
    } catch (const PatchFileError& e) { // a patch or score file that cannot be read
      return {kIoError, e.what()};
    } catch (const PatchError& e) { // patches, scores, sessions and the lengths they ask for
      return {kBadInput, e.what()};
    } catch (const WavError& e) {
      return {kBadInput, e.what()};
    } catch (const SmfError& e) {
      return {kBadInput, e.what()};
    } catch (const std::bad_alloc&) {
      return {kInternal, "out of memory"};
    } catch (const std::exception& e) {
      return {kInternal, std::string("internal error: ") + e.what()};
    } catch (...) {
      return {kInternal, "internal error: unknown exception"};
    }
  } catch (...) { // building the message itself failed (out of memory)
    return {kInternal, {}};
  }
}

// Call inside a catch block: prints the exception being handled as one line, returns its exit code.
inline int reportCurrentException() noexcept {
  const Failure f = describeCurrentException();
  try {
    if (!f.message.empty()) printError(f.message);
  } catch (...) { // printing itself failed (out of memory)
  }
  return f.exitCode;
}

} // namespace mvm::render
