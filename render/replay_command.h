#pragma once
// mvm-render --replay SESSION_DIR -o OUT.wav: renders a recorded session (mvm-live --record,
// docs/session-format.md) again, bit for bit, and prints the same summary as a render. Errors
// are thrown for main to report (render_errors.h); a signal is handled by interrupt.h.

#include <chrono>
#include <cstdio>
#include <string>

#include "mvm/mvm.h"
#include "offline_renderer.h"
#include "output_file.h"
#include "render_errors.h"
#include "render_summary.h"
#include "wav_file.h"

namespace mvm::render {

inline int replayCommand(const std::string& dir, const std::string& output, SampleFormat format, int threads = 1) {
  const std::string sessionPath = dir + "/session.json";
  RunInputs inputs;
  inputs.add(sessionPath);
  checkOutputTarget(output, inputs);
  const Session session = readSession(dir);
  if (static_cast<double>(session.frames) / session.sampleRate > kMaxRenderSeconds)
    throw SessionError(sessionPath, "frames",
                       std::to_string(session.frames) + " frames would last over 86400 s, the longest render");

  WavWriter writer(output, static_cast<int>(session.sampleRate), session.channels, format, 0);
  writer.keepInputs(inputs);
  OutputStats out;
  out.channels = session.channels;
  const auto t0 = std::chrono::steady_clock::now();
  const ReplayStats st = replaySession(
      session,
      [&](const float* const* ch, int n) {
        out.add(ch, n);
        writer.write(ch, n);
      },
      builtinModules(), sessionPath, threads);
  out.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.guardedBlocks = st.guardedBlocks;
  out.meters = st.meters;
  holdSignalsUntilExit();
  writer.commit();
  printSummary(output, out, session.sampleRate, formatName(format));
  std::printf("replayed from %s: %zu patches, %llu swaps, %llu events\n", printableLine(dir).c_str(), session.patches.size(),
              static_cast<unsigned long long>(st.swaps), static_cast<unsigned long long>(st.events));
  if (!session.complete)
    std::fprintf(stderr,
                 "mvm-render: warning: the recording is incomplete (%llu frames and %llu records dropped, %llu patches unknown): "
                 "this replay may differ from what was played\n",
                 static_cast<unsigned long long>(session.droppedFrames), static_cast<unsigned long long>(session.droppedRecords),
                 static_cast<unsigned long long>(session.unknownPatches));
  return kOk;
}

} // namespace mvm::render
