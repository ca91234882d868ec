#pragma once
// mvm-render's exit codes, and the one way a render that writes OUTPUT reports its failure: an
// interrupted render removes its partial file (the WavWriter does, while unwinding), a bad patch,
// score or session is one line naming its place, anything else is a file error.

#include <iostream>
#include <string>
#include <utility>

#include "mvm/patch/patch_error.h"

namespace mvm::render {

enum Exit { kOk = 0, kBadInput = 1, kUsage = 2, kIoError = 3, kInterrupted = 130 };

// A file that cannot be read is a file error; anything else wrong with a patch or score is bad input.
inline int exitCodeOf(const PatchError& e) { return dynamic_cast<const PatchFileError*>(&e) ? kIoError : kBadInput; }

// Thrown from inside a render loop when Ctrl-C was pressed.
struct Interrupted {};

// Runs `body` (which writes `output`); its exit code.
template <class Body>
int runReportingErrors(const std::string& output, Body&& body) {
  try {
    std::forward<Body>(body)();
  } catch (const Interrupted&) {
    std::cerr << "\nmvm-render: interrupted; " << output << " not written\n";
    return kInterrupted;
  } catch (const PatchError& e) {
    std::cerr << "mvm-render: " << e.what() << "\n";
    return exitCodeOf(e);
  } catch (const std::exception& e) {
    std::cerr << "mvm-render: " << e.what() << "\n";
    return kIoError;
  }
  return kOk;
}

} // namespace mvm::render
