#pragma once
// mvm-render --replay SESSION_DIR -o OUT.wav: renders a recorded session (mvm-live --record,
// docs/session-format.md) again, bit for bit. Exit codes as mvm-render's.

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "mvm/mvm.h"
#include "render_errors.h"
#include "wav_file.h"

namespace mvm::render {

// `interrupted` is polled between blocks (Ctrl-C); the partial output is then removed.
inline int replayCommand(const std::string& dir, const std::string& output, const std::string& formatName,
                         const volatile std::sig_atomic_t& interrupted) {
  if (output.empty()) {
    std::cerr << "mvm-render: no output file: give -o OUT.wav\n";
    return kUsage;
  }
  SampleFormat format;
  try {
    format = parseSampleFormat(formatName);
  } catch (const std::exception& e) {
    std::cerr << "mvm-render: --format: " << e.what() << "\n";
    return kUsage;
  }
  Session session;
  try {
    session = readSession(dir);
  } catch (const SessionError& e) {
    std::cerr << "mvm-render: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "mvm-render: --replay: " << e.what() << "\n";
    return kIoError;
  }
  return runReportingErrors(output, [&] {
    WavWriter writer(output, static_cast<int>(session.sampleRate), session.channels, format, 0);
    const ReplayStats st = replaySession(
        session,
        [&](const float* const* ch, int n) {
          if (interrupted) throw Interrupted{};
          writer.write(ch, n);
        },
        builtinModules(), dir + "/session.json");
    writer.commit();
    std::printf("%s: %llu frames (%.3f s, %g Hz, %d ch) replayed from %s: %zu patches, %llu swaps, %llu events\n", output.c_str(),
                static_cast<unsigned long long>(st.frames), static_cast<double>(st.frames) / session.sampleRate, session.sampleRate,
                session.channels, dir.c_str(), session.patches.size(), static_cast<unsigned long long>(st.swaps),
                static_cast<unsigned long long>(st.events));
    if (!session.complete)
      std::fprintf(stderr,
                   "mvm-render: warning: the recording is incomplete (%llu frames and %llu records dropped, %llu patches unknown): "
                   "this replay may differ from what was played\n",
                   static_cast<unsigned long long>(session.droppedFrames), static_cast<unsigned long long>(session.droppedRecords),
                   static_cast<unsigned long long>(session.unknownPatches));
  });
}

} // namespace mvm::render
