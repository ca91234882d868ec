#pragma once
// What mvm-render prints when a render or a replay is done: one line with frames, peak, RMS,
// clipped samples, guarded blocks and speed, then one line per Meter module. Both commands fill
// the same OutputStats, so their summaries cannot drift apart.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "mvm/control/meter_levels.h"
#include "cli_text.h"
#include "render_errors.h"

namespace mvm::render {

struct OutputStats {
  std::uint64_t frames = 0;
  int channels = 0;
  float peak = 0.0f;
  double sumSquares = 0.0;
  std::uint64_t clippedSamples = 0;   // |x| > 1
  std::uint64_t guardedBlocks = 0;
  double wallSeconds = 0.0;
  std::vector<MeterLevel> meters;     // the Meter modules of the patch playing at the end

  // control thread: `n` frames of `channels` non-interleaved channels, as written out
  void add(const float* const* ch, int n) {
    for (int c = 0; c < channels; ++c)
      for (int i = 0; i < n; ++i) {
        const float x = ch[c][i];
        const float a = std::fabs(x);
        peak = std::max(peak, a);
        sumSquares += static_cast<double>(x) * x;
        clippedSamples += a > 1.0f ? 1 : 0;
      }
    frames += static_cast<std::uint64_t>(n);
  }
  double peakDb() const { return peak > 0 ? 20.0 * std::log10(static_cast<double>(peak)) : -INFINITY; }
  double rmsDb() const {
    const double n = static_cast<double>(frames) * channels;
    return sumSquares > 0 && n > 0 ? 10.0 * std::log10(sumSquares / n) : -INFINITY;
  }
};

// stdout: "OUT: N frames (S s, R Hz, C ch, FORMAT), peak …, RMS …, N clipped, N guarded blocks, Fx realtime"
inline void printSummary(const std::string& output, const OutputStats& st, double sampleRate, const char* format) {
  const double audioSeconds = static_cast<double>(st.frames) / sampleRate;
  std::printf("%s: %llu frames (%.3f s, %d Hz, %d ch, %s), peak %s dBFS, RMS %s dBFS, %llu clipped, "
              "%llu guarded blocks, %.1fx realtime\n",
              printableLine(output).c_str(), static_cast<unsigned long long>(st.frames), audioSeconds, static_cast<int>(sampleRate), st.channels, format,
              cli::dbText(st.peakDb(), 2).c_str(), cli::dbText(st.rmsDb(), 2).c_str(), static_cast<unsigned long long>(st.clippedSamples),
              static_cast<unsigned long long>(st.guardedBlocks), st.wallSeconds > 0 ? audioSeconds / st.wallSeconds : 0.0);
  for (const MeterLevel& m : st.meters)
    std::printf("meter %s: peak %s dBFS (held %s dBFS), RMS %s dBFS at the end\n", printableLine(m.id).c_str(), cli::linearDbText(m.reading.peak, 2).c_str(),
                cli::linearDbText(m.reading.peakHold, 2).c_str(), cli::linearDbText(m.reading.rms, 2).c_str());
}

} // namespace mvm::render
