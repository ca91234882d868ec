#pragma once
// mvm-live --soak's report, kept as an observer of the session: a sample of every second (RSS,
// this second's load percentiles and callbacks, xruns, voices), a record of every swap, and at the
// end the totals, the written report (soak_report.h) and the verdict (exit 4 past a threshold).
//
// Thread contract: control thread, from the session's control loop.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "live_exit.h"
#include "live_session.h"
#include "memory_sampler.h"
#include "session_observer.h"
#include "soak_report.h"
#include "thread_loads.h"

namespace mvm::live {

class SoakObserver : public SessionObserver {
public:
  void started(const LiveSession& session) override {
    const LiveOptions& o = session.options();
    report_.patch = o.patchPath;
    report_.api = session.stream().api->name;
    report_.device = session.stream().deviceName;
    report_.swapPatches = o.swapPatches;
    report_.plannedSeconds = o.soakSeconds;
    report_.swapEverySeconds = o.swapEvery;
    report_.rate = session.stream().rate;
    report_.frames = session.stream().frames;
    report_.outputLatencyMs = session.stream().outputLatencyMs();
    report_.thresholds = o.thresholds;
    if (const WorkerPool* pool = session.workerPool()) report_.threads = pool->threads();
    loads_.emplace(session.metrics(), session.workerPool(), session.stream().rate);
    // The first sample counts from the first callback (a few come before the control loop starts),
    // so the samples add up to the run.
  }

  void reloadFinished(const LiveSession&, const SwapRecord& record) override { report_.swaps.push_back(record); }

  void secondPassed(const LiveSession& session, std::uint64_t nowNs, std::optional<std::uint64_t> rss) override {
    const CallbackMetrics& metrics = session.metrics();
    metrics.load().snapshot(*window_); // this second's histogram: the difference of two snapshots
    for (std::size_t i = 0; i < window_->size(); ++i) {
      const std::uint64_t total = (*window_)[i];
      (*window_)[i] -= (*previous_)[i];
      (*previous_)[i] = total;
    }
    SoakSample sample;
    sample.t = session.sinceFirstCallback(nowNs);
    sample.rssMb = rss ? bytesToMb(*rss) : 0.0;
    const double overflow = metrics.load().maxPercent();
    sample.loadP50 = LoadHistogram::percentileOf(*window_, 0.5, overflow);
    sample.loadP99 = LoadHistogram::percentileOf(*window_, 0.99, overflow);
    sample.loadMax = LoadHistogram::percentileOf(*window_, 1.0, overflow);
    const std::uint64_t callbacksNow = metrics.callbacks();
    sample.callbacks = callbacksNow - previousCallbacks_;
    previousCallbacks_ = callbacksNow;
    sample.xrunsOurs = metrics.xrunsOurs();
    sample.xrunsSystem = metrics.xrunsSystem();
    sample.serverXruns = session.serverXrunCount();
    sample.voices = session.vm().counters().activeVoices.load(std::memory_order_relaxed);
    if (loads_->threads() > 1) sample.threadLoads = loads_->take();
    report_.samples.push_back(sample);
    if (!rssBaseline_ && report_.swaps.size() >= session.options().swapPatches.size()) rssBaseline_ = {{sample.t, sample.rssMb}};
  }

  // Writes the report; a report that cannot be written is an audio-or-file error (and the run then
  // waits for a compile under way rather than leaving during it).
  SessionEnd finished(const LiveSession& session, const RunTotals& totals, int exitCode) override {
    addTotals(session, totals);
    const std::string& reportPath = session.options().reportPath;
    std::string why;
    if (!writeSoakReport(report_, reportPath, why)) {
      std::fprintf(stderr, "mvm-live: soak report: %s\n", why.c_str());
      return {exitCode == kOk ? kAudioError : exitCode, false};
    }
    const auto failures = soakFailures(report_);
    std::printf("mvm-live: soak report %s and %s: %s\n", reportPath.c_str(), htmlPathFor(reportPath).c_str(),
                failures.empty() ? "PASS (within every threshold)" : "FAIL");
    for (const std::string& f : failures) std::fprintf(stderr, "mvm-live: soak: threshold passed: %s\n", f.c_str());
    if (exitCode == kOk && !failures.empty()) exitCode = kSoakFailed;
    return {exitCode};
  }

private:
  void addTotals(const LiveSession& session, const RunTotals& totals) {
    const MemorySampler& memory = session.memory();
    report_.playedSeconds = totals.playedSeconds;
    report_.callbacks = totals.callbacks;
    report_.xrunsOurs = totals.xrunsOurs;
    report_.xrunsSystem = totals.xrunsSystem;
    report_.serverXruns = totals.serverXruns;
    report_.overloads = totals.overloads;
    report_.overloadMutes = totals.overloadMutes;
    report_.loadP50 = totals.loadP50;
    report_.loadP99 = totals.loadP99;
    report_.loadMax = totals.loadMax;
    report_.threadLoads = totals.threadLoads;
    report_.rssFirstMb = bytesToMb(memory.first());
    report_.rssLastMb = bytesToMb(memory.latest());
    report_.rssMaxMb = bytesToMb(memory.max());
    report_.rssBaselineT = rssBaseline_ ? rssBaseline_->first : (report_.samples.empty() ? 0.0 : report_.samples.front().t);
    report_.rssBaselineMb = rssBaseline_ ? rssBaseline_->second : report_.rssFirstMb; // too short to warm up
    report_.dropped = totals.dropped;
    report_.audioThreadAllocations = totals.audioThreadAllocations;
  }

  SoakReport report_;
  // Load histograms of the second before and of this one (large: on the heap).
  std::unique_ptr<LoadHistogram::Counts> window_ = std::make_unique<LoadHistogram::Counts>(),
                                         previous_ = std::make_unique<LoadHistogram::Counts>();
  std::uint64_t previousCallbacks_ = 0; // as of the last sample
  std::optional<ThreadLoads> loads_;     // this second's load per thread
  std::optional<std::pair<double, double>> rssBaseline_; // (t, MB): see SoakReport::rssBaselineMb
};

} // namespace mvm::live
