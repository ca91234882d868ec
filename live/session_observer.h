#pragma once
// What a live session tells whoever watches it: the soak report (soak_observer.h) is kept beside
// the run, not inside its control loop, so the loop reads the same with or without --soak.
//
// Thread contract: control thread, from the session's control loop.

#include <cstdint>
#include <optional>
#include <vector>

#include "live_drops.h"
#include "soak_report.h"

namespace mvm::live {

class LiveSession;

// The figures of a whole run, read while the stream still plays (closing it runs one more
// callback, which belongs to no second of the run), together with the last sample.
struct RunTotals {
  double playedSeconds = 0; // first callback to the end
  std::uint64_t callbacks = 0;
  std::uint64_t xruns = 0, xrunsOurs = 0, xrunsSystem = 0;
  double loadP50 = 0, loadP99 = 0, loadMax = 0; // % of the budget, every callback
  float peak = 0;
  std::uint64_t overloads = 0;
  std::uint64_t overloadMutes = 0; // times the overload fallback muted the patch
  double lockedMb = -1; // resident and locked; -1: /proc does not say
  double jackSharedMb = -1; // resident in the JACK server's shared memory; -1: not on JACK
  std::int64_t audioThreadPageFaults = -1; // after the first second; -1: not measured
  std::int64_t serverXruns = -1; // JACK's own count; -1: not available
  LiveDrops dropped;
  std::int64_t audioThreadAllocations = -1; // the probed test build only
  // With --threads N (N > 1): each thread's mean load over the run (thread_loads.h), tasks run,
  // and how long a sleeping worker took to wake.
  std::vector<double> threadLoads;
  std::vector<std::uint64_t> threadTasks;
  double wakeP50Us = 0, wakeP99Us = 0;
};

// How a run ends: its exit status, and whether a compile still under way may be abandoned
// (std::_Exit) instead of waited for.
struct SessionEnd {
  int exitCode = 0;
  bool mayAbandonCompile = true;
};

class SessionObserver {
public:
  virtual ~SessionObserver() = default;
  // The first callback came and the control loop starts.
  virtual void started(const LiveSession&) {}
  // A reload is final: its swap faded in, or it failed (the old program plays on).
  virtual void reloadFinished(const LiveSession&, const SwapRecord&) {}
  // Once a second of the run, and once more for the part of a second before it stops, with the
  // resident memory just sampled (nullopt: not readable).
  virtual void secondPassed(const LiveSession&, std::uint64_t /*nowNs*/, std::optional<std::uint64_t> /*rssBytes*/) {}
  // The stream has stopped and the summary is printed; `exitCode` is the run's so far.
  virtual SessionEnd finished(const LiveSession&, const RunTotals&, int exitCode) { return {exitCode}; }
};

} // namespace mvm::live
