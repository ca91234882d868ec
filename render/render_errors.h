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
