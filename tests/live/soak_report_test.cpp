// live/soak_report.h (the soak report: JSON, verdict, HTML plot), live/meter.h,
// live/thread_loads.h and live/memory_sampler.h.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "memory_sampler.h"
#include "meter.h"
#include "soak_report.h"
#include "thread_loads.h"

using mvm::live::SoakReport;
using mvm::live::SoakSample;
using mvm::live::SwapRecord;

namespace {

SoakReport sampleReport() {
  SoakReport r;
  r.patch = "a.json";
  r.api = "jack";
  r.device = "system";
  r.swapPatches = {"a.json", "b.json"};
  r.plannedSeconds = r.playedSeconds = 60;
  r.swapEverySeconds = 5;
  r.rate = 48000;
  r.frames = 128;
  r.outputLatencyMs = 5.3;
  for (int s = 1; s <= 60; ++s) {
    SoakSample x;
    x.t = s;
    x.rssMb = 30 + 0.01 * s;
    x.loadP50 = 5;
    x.loadP99 = 9;
    x.loadMax = 12;
    x.callbacks = 375;
    x.xrunsSystem = static_cast<std::uint64_t>(s / 10);
    x.serverXruns = s / 10;
    r.samples.push_back(x);
  }
  for (int i = 0; i < 10; ++i) {
    SwapRecord w;
    w.t = 5.0 * (i + 1);
    w.patch = i % 2 ? "a.json" : "b.json";
    w.generation = static_cast<std::uint64_t>(i + 2);
    w.compileMs = 1;
    w.firstBlockMs = 3 + 0.5 * i; // 3..7.5
    w.fadeDoneMs = 20 + i;        // 20..29
    r.swaps.push_back(w);
  }
  r.callbacks = 22500;
  r.xrunsSystem = 6;
  r.serverXruns = 6;
  r.loadP50 = 5;
  r.loadP99 = 9;
  r.loadMax = 12;
  r.rssFirstMb = 30.01;
  r.rssBaselineMb = 30.01;
  r.rssBaselineT = 1;
  r.rssLastMb = 30.6;
  r.rssMaxMb = 30.6;
  return r;
}

} // namespace

TEST(SoakReport, JsonHoldsRunTotalsThresholdsVerdictSamplesAndSwaps) {
  const SoakReport r = sampleReport();
  const nlohmann::json j = mvm::live::soakJson(r);
  EXPECT_EQ(j["format"], "mvm-soak-report");
  EXPECT_EQ(j["run"]["frames"], 128);
  EXPECT_NEAR(j["run"]["budget_ms"].get<double>(), 2.6667, 1e-3);
  EXPECT_EQ(j["samples"].size(), 60u);
  EXPECT_EQ(j["samples"][9]["xruns_system"], 1);
  EXPECT_EQ(j["swaps"].size(), 10u);
  EXPECT_EQ(j["swaps"][3]["fade_done_ms"], 23.0);
  // Times mark when a block was computed; it is heard the output latency later.
  EXPECT_EQ(j["run"]["output_latency_ms"], 5.3);
  EXPECT_NEAR(j["swaps"][3]["first_block_heard_ms"].get<double>(), 4.5 + 5.3, 1e-12);
  EXPECT_NEAR(j["swaps"][3]["fade_done_heard_ms"].get<double>(), 23.0 + 5.3, 1e-12);
  EXPECT_EQ(j["totals"]["swap_first_block_ms_p99"], 7.5);
  EXPECT_EQ(j["totals"]["swap_first_block_ms_max"], 7.5);
  EXPECT_EQ(j["totals"]["swap_ms_p50"], 24.0); // nearest rank of 20..29
  EXPECT_EQ(j["totals"]["swap_ms_p99"], 29.0);
  EXPECT_EQ(j["totals"]["swap_ms_max"], 29.0);
  EXPECT_NEAR(j["totals"]["rss_growth_mb"].get<double>(), 0.59, 1e-9);
  EXPECT_EQ(j["totals"]["rss_baseline_t"], 1.0);
  EXPECT_NEAR(j["totals"]["callbacks_expected"].get<double>(), 22500.0, 1e-6);
  EXPECT_EQ(j["totals"]["xruns_ours"], 0);
  EXPECT_EQ(j["totals"]["server_xruns"], 6);
  EXPECT_FALSE(j["totals"].contains("audio_thread_allocations")); // only test builds count them
  EXPECT_EQ(j["thresholds"]["max_xruns_ours"], 0);
  EXPECT_TRUE(j["verdict"]["pass"].get<bool>());
  EXPECT_TRUE(j["verdict"]["failures"].empty());
}

TEST(SoakReport, EachThresholdFailsTheVerdictWithItsOwnLine) {
  {
    SoakReport r = sampleReport();
    r.xrunsOurs = 1;
    const auto f = mvm::live::soakFailures(r);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0], "xruns of ours: 1 > 0");
    EXPECT_FALSE(mvm::live::soakJson(r)["verdict"]["pass"].get<bool>());
  }
  {
    SoakReport r = sampleReport();
    r.thresholds.maxXrunsSystemPerMinute = 5; // 6 in one minute
    const auto f = mvm::live::soakFailures(r);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].find("the system's xruns: 6 > 5"), std::string::npos) << f[0];
    r.thresholds.maxXrunsSystemPerMinute = 6;
    EXPECT_TRUE(mvm::live::soakFailures(r).empty());
  }
  {
    SoakReport r = sampleReport();
    r.thresholds.maxRssGrowthMb = 0.5;
    const auto f = mvm::live::soakFailures(r);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0], "RSS growth: 0.59 MB > 0.50 MB");
    r.rssBaselineMb = 30.2; // a later baseline (after the swap patches' first load): 0.4 MB
    EXPECT_TRUE(mvm::live::soakFailures(r).empty());
  }
  {
    // The swap threshold judges the time to the new patch's first block: a long crossfade is
    // not a slow swap.
    SoakReport r = sampleReport();
    r.thresholds.maxSwapMs = 7.5;
    EXPECT_TRUE(mvm::live::soakFailures(r).empty()); // every fade ends after 20 ms
    r.thresholds.maxSwapMs = 7.0;
    const auto f = mvm::live::soakFailures(r);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0], "swap latency (request to first block): max 7.5 ms > 7.0 ms");
  }
  {
    SoakReport r = sampleReport();
    r.swaps[2].ok = false;
    r.swaps[2].error = "b.json:1:1: broken";
    const auto f = mvm::live::soakFailures(r);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0], "swaps failed: 1");
    const auto j = mvm::live::soakJson(r);
    EXPECT_EQ(j["swaps"][2]["error"], "b.json:1:1: broken");
    EXPECT_EQ(j["totals"]["swaps_failed"], 1);
  }
}

TEST(SoakReport, HtmlIsSelfContainedWithFourCharts) {
  SoakReport r = sampleReport();
  r.patch = "<odd & name>.json";
  const std::string html = mvm::live::soakHtml(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  std::size_t charts = 0;
  for (std::size_t at = 0; (at = html.find("<svg ", at)) != std::string::npos; ++at) ++charts;
  EXPECT_EQ(charts, 4u);
  for (const char* title : {"Resident set size", "DSP load per second", "xruns, cumulative", "Swap latency"})
    EXPECT_NE(html.find(title), std::string::npos) << title;
  EXPECT_NE(html.find("PASS"), std::string::npos);
  // Nothing fetched from anywhere: no scripts, links, images or external styles.
  for (const char* external : {"<script", "src=", "href=", "<link", "url("}) EXPECT_EQ(html.find(external), std::string::npos) << external;
  EXPECT_NE(html.find("&lt;odd &amp; name&gt;.json"), std::string::npos);
  EXPECT_EQ(html.find("<odd"), std::string::npos);
  // 60 samples: the RSS line has 60 points.
  const std::size_t rssLine = html.find("<polyline");
  ASSERT_NE(rssLine, std::string::npos);
  const std::string points = html.substr(rssLine, html.find("/>", rssLine) - rssLine);
  EXPECT_EQ(std::count(points.begin(), points.end(), ','), 60);
}

// With --threads N: each sample's load per thread, the run's, and a fifth chart with a line per thread.
TEST(SoakReport, WithThreadsHoldsEachThreadsLoadAndAFifthChart) {
  SoakReport r = sampleReport();
  r.threads = 2;
  r.threadLoads = {40.0, 30.0};
  for (SoakSample& x : r.samples) x.threadLoads = {40.0 + x.t / 10, 30.0};
  const auto j = mvm::live::soakJson(r);
  EXPECT_EQ(j["run"]["threads"], 2);
  EXPECT_EQ(j["totals"]["thread_loads"], nlohmann::json({40.0, 30.0}));
  ASSERT_EQ(j["samples"].size(), 60u);
  EXPECT_EQ(j["samples"][9]["thread_loads"], nlohmann::json({41.0, 30.0}));
  const std::string html = mvm::live::soakHtml(r);
  std::size_t charts = 0;
  for (std::size_t at = 0; (at = html.find("<svg ", at)) != std::string::npos; ++at) ++charts;
  EXPECT_EQ(charts, 5u);
  const std::size_t chart = html.find("Mean load per thread per second");
  ASSERT_NE(chart, std::string::npos);
  const std::string svg = html.substr(chart, html.find("</svg>", chart) - chart);
  EXPECT_NE(svg.find(">audio thread<"), std::string::npos);
  EXPECT_NE(svg.find(">worker 1<"), std::string::npos);
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = svg.find("<polyline", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 2u);
  // One thread: no figures per thread, four charts.
  EXPECT_FALSE(mvm::live::soakJson(sampleReport())["samples"][0].contains("thread_loads"));
  EXPECT_FALSE(mvm::live::soakJson(sampleReport())["totals"].contains("thread_loads"));
}

// The load per thread over a window is the time spent computing over the audio's time; a window
// with no audio has no figures.
TEST(ThreadLoads, MeanLoadOverEachWindowIsBusyTimeOverTheAudiosTime) {
  mvm::live::CallbackMetrics metrics(48000.0); // 480 frames = 10 ms
  mvm::live::ThreadLoads loads(metrics, nullptr, 48000.0);
  EXPECT_EQ(loads.threads(), 1);
  EXPECT_TRUE(loads.take().empty());
  const std::uint64_t ms = 1000000;
  for (int i = 0; i < 100; ++i) metrics.record(10 * ms * i, 10 * ms * i + 5 * ms, 480, false); // 50 %
  auto p = loads.take();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NEAR(p[0], 50.0, 1e-9);
  for (int i = 100; i < 300; ++i) metrics.record(10 * ms * i, 10 * ms * i + ms, 480, false); // 10 %
  p = loads.take();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NEAR(p[0], 10.0, 1e-9);
  EXPECT_TRUE(loads.take().empty());
  // A new meter over the whole run: (100 × 5 + 200 × 1) ms over 3 s.
  EXPECT_NEAR(mvm::live::ThreadLoads(metrics, nullptr, 48000.0).take().at(0), 700.0 / 3000.0 * 100.0, 1e-9);
  EXPECT_EQ(mvm::live::threadLoadsText({41.24, 7.0}), "41.2% 7.0%");
}

TEST(SoakReport, WritesTheJsonAndTheHtmlBesideIt) {
  mvm::test::TempDir dir;
  std::string why;
  ASSERT_TRUE(mvm::live::writeSoakReport(sampleReport(), dir / "soak.json", why)) << why;
  std::ifstream json(dir / "soak.json");
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["swaps"].size(), 10u);
  std::ifstream html(dir / "soak.html");
  std::stringstream s;
  s << html.rdbuf();
  EXPECT_NE(s.str().find("<svg "), std::string::npos);
  EXPECT_EQ(mvm::live::htmlPathFor("out/x.report.json"), "out/x.report.html");
  EXPECT_EQ(mvm::live::htmlPathFor("out.d/report"), "out.d/report.html");
  EXPECT_FALSE(mvm::live::writeSoakReport(sampleReport(), "/nonexistent/dir/soak.json", why));
  EXPECT_EQ(why, "/nonexistent/dir/soak.json: cannot write");
}

TEST(Meter, OneLineWithLevelLoadXrunsVoicesAndSwaps) {
  mvm::live::MeterReading m;
  m.peak = 0.5f;
  m.loadPercent = 12.345;
  m.xrunsOurs = 1;
  m.xrunsSystem = 7;
  m.voices = 3;
  m.swaps = 2;
  const std::string line = mvm::live::meterLine(m);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("out   -6.0 dBFS"), std::string::npos) << line;
  EXPECT_NE(line.find("load  12.3%"), std::string::npos) << line;
  EXPECT_NE(line.find("xruns 1 ours, 7 system's"), std::string::npos) << line;
  EXPECT_NE(line.find("voices 3 "), std::string::npos) << line;
  EXPECT_NE(line.find("swaps 2"), std::string::npos) << line;
  m.voiceLimit = 4;
  EXPECT_NE(mvm::live::meterLine(m).find("voices 3 (limit 4)"), std::string::npos);
  m.peak = 0;
  EXPECT_NE(mvm::live::meterLine(m).find("out   -inf dBFS"), std::string::npos);
  // Same width whatever the level: \r rewrites the line without leftovers.
  m.peak = 1.0f;
  const std::size_t a = mvm::live::meterLine(m).find("| load");
  m.peak = 0.001f;
  EXPECT_EQ(mvm::live::meterLine(m).find("| load"), a);
  // With --threads N: each thread's load, the audio thread first; one thread adds nothing.
  EXPECT_EQ(mvm::live::meterLine(m).find("threads"), std::string::npos);
  m.threadLoads = {42.4, 37.6};
  EXPECT_NE(mvm::live::meterLine(m).find("| threads 42% 38%"), std::string::npos) << mvm::live::meterLine(m);
  m.threadLoads = {42.4};
  EXPECT_EQ(mvm::live::meterLine(m).find("threads"), std::string::npos);
}

TEST(MemorySampler, ReadsThisProcessAndMeasuresGrowthFromTheFirstSample) {
  const auto rss = mvm::live::residentBytes();
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 1u << 20); // a test executable holds more than a megabyte
  mvm::live::MemorySampler m;
  m.add(100u << 20);
  m.add(103u << 20);
  m.add(101u << 20);
  EXPECT_DOUBLE_EQ(m.growthMb(), 1.0);
  EXPECT_EQ(m.max(), 103u << 20);
  EXPECT_EQ(m.count(), 3u);
}
