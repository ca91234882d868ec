#pragma once
// The meter line of mvm-live (when stdout is a terminal): output level, DSP load, xruns, active
// voices, swaps, and with --threads N each thread's load, rewritten in place about 10 times a second.
//
// Thread contract: control thread.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_text.h"
#include "thread_loads.h"

namespace mvm::live {

struct MeterReading {
  float peak = 0;          // largest |sample| since the last reading
  double loadPercent = 0;  // longest callback since the last reading, % of the budget
  std::uint64_t xrunsOurs = 0, xrunsSystem = 0;
  int voices = 0, voiceLimit = 0; // voiceLimit 0: none
  std::uint64_t swaps = 0;
  std::vector<double> threadLoads; // with --threads N: each thread's mean load since the last reading (thread_loads.h)
};

// "-inf" below the 16-bit floor's neighbourhood, else one decimal.
inline std::string dbfs(float peak) { return peak > 1e-7f ? cli::linearDbText(peak, 1) : "-inf"; }

// One line without newline, fixed width for the fields that change, so \r rewrites it cleanly.
inline std::string meterLine(const MeterReading& m) {
  char buf[160];
  char voices[32];
  if (m.voiceLimit > 0) std::snprintf(voices, sizeof voices, "%d (limit %d)", m.voices, m.voiceLimit);
  else std::snprintf(voices, sizeof voices, "%d", m.voices);
  std::snprintf(buf, sizeof buf, "out %6s dBFS | load %5.1f%% | xruns %llu ours, %llu system's | voices %-14s | swaps %llu",
                dbfs(m.peak).c_str(), m.loadPercent, static_cast<unsigned long long>(m.xrunsOurs),
                static_cast<unsigned long long>(m.xrunsSystem), voices, static_cast<unsigned long long>(m.swaps));
  if (m.threadLoads.size() > 1) return buf + (" | threads " + threadLoadsText(m.threadLoads, 0));
  return buf;
}

// The meter line, rewritten in place with \r; cleared before any other line is printed.
class MeterDisplay {
public:
  explicit MeterDisplay(bool on) : on_(on) {}
  bool on() const { return on_; }
  void show(const std::string& line) {
    if (!on_) return;
    std::fputs(("\r" + line + "\033[K").c_str(), stdout);
    std::fflush(stdout);
    shown_ = true;
  }
  void clear() {
    if (!shown_) return;
    std::fputs("\r\033[K", stdout);
    std::fflush(stdout);
    shown_ = false;
  }

private:
  bool on_, shown_ = false;
};

} // namespace mvm::live
