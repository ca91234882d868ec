// mvm-live: plays a patch through RtAudio (JACK, ALSA or PulseAudio) until Ctrl-C, `quit` or
// --seconds, and ends with a summary. live_options.h reads the command line, live_session.h runs
// the session (live_rig.h opens what it plays through), and in --soak mode soak_observer.h keeps
// the report beside it.

#include <cstdio>
#include <iostream>
#include <new>
#include <optional>

#include "live_exit.h"
#include "live_options.h"
#include "live_session.h"
#include "soak_observer.h"

using namespace mvm;
using namespace mvm::live;

static int run(int argc, char** argv) {
  LiveOptions options;
  if (const auto ended = parseLiveOptions(argc, argv, options)) return *ended;
  SoakObserver soak;
  LiveSession session(options);
  if (options.soak) session.observe(soak);
  if (const auto ended = session.open()) return *ended;
  return session.summarise(session.run());
}

// No exception leaves main: each becomes one line and an exit status (kUsageText's list).
int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // one line at a time, also into a pipe
  try {
    return run(argc, argv);
  } catch (const cli::UsageError& e) {
    std::cerr << "mvm-live: " << e.what() << "\n";
    return kUsage;
  } catch (const FileError& e) {
    std::fprintf(stderr, "mvm-live: %s: %s\n", printablePath(e.path()).c_str(), e.cause().c_str());
    return kFileOrAudioError;
  } catch (const PatchError& e) {
    std::fprintf(stderr, "mvm-live: %s\n", printablePath(e.what(), 400).c_str());
    return kBadPatch;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "mvm-live: out of memory\n");
    return kInternalError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mvm-live: internal error: %s\n", printablePath(e.what(), 400).c_str());
    return kInternalError;
  } catch (...) {
    std::fprintf(stderr, "mvm-live: internal error: an unknown exception\n");
    return kInternalError;
  }
}
