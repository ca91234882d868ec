#pragma once
// The soak report of mvm-live --soak: per-second samples (RSS, callback load, xruns), one record
// per swap (request → compiled → first block → fade done), totals, the thresholds and the verdict;
// written as JSON (nlohmann-json) and as a self-contained HTML page of inline SVG plots next to it.
// A swap's times mark when the audio thread computed a block; it is heard the stream's output
// latency later, which the report gives beside them (the *_heard_ms fields).
//
// Thread contract: control thread.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "live_drops.h"

namespace mvm::live {

struct SoakSample {
  double t = 0;       // seconds since the first callback
  double rssMb = 0;
  double loadP50 = 0, loadP99 = 0, loadMax = 0; // this second's callbacks, % of the budget
  std::uint64_t callbacks = 0;                  // this second's
  std::uint64_t xrunsOurs = 0, xrunsSystem = 0; // cumulative
  std::int64_t serverXruns = -1;                // cumulative, JACK's own count; -1: not available
  int voices = 0;
  std::vector<double> threadLoads; // with --threads N: each thread's mean load this second, % (thread_loads.h)
};

struct SwapRecord {
  double t = 0; // when it was requested, seconds since the first callback
  std::string patch;
  std::uint64_t generation = 0;
  bool ok = true;
  std::string error;
  double compileMs = 0, firstBlockMs = 0, fadeDoneMs = 0; // after the request, when computed
};

struct SoakThresholds {
  std::uint64_t maxXrunsOurs = 0;
  double maxXrunsSystemPerMinute = 120; // generous: this kind of machine stalls on its own
  double maxRssGrowthMb = 16;
  double maxSwapMs = 250; // request → first block of the new patch, every swap (the fade is not counted)
};

struct SoakReport {
  // the run
  std::string patch, api, device;
  std::vector<std::string> swapPatches;
  double plannedSeconds = 0, swapEverySeconds = 0, playedSeconds = 0;
  unsigned rate = 0, frames = 0;
  int threads = 1;
  double outputLatencyMs = 0; // computed → heard, as the audio API reports it (0: not reported)
  // what happened
  std::vector<SoakSample> samples;
  std::vector<SwapRecord> swaps;
  std::uint64_t callbacks = 0, xrunsOurs = 0, xrunsSystem = 0, overloads = 0, overloadMutes = 0;
  std::int64_t serverXruns = -1;
  std::int64_t audioThreadAllocations = -1; // test builds only
  LiveDrops dropped;                         // lost to a full queue or a limit (live_drops.h)
  double loadP50 = 0, loadP99 = 0, loadMax = 0;
  std::vector<double> threadLoads; // with --threads N: each thread's mean load over the run
  double rssFirstMb = 0, rssLastMb = 0, rssMaxMb = 0;
  // Growth is measured from here: the first sample once every swap patch has played (their buffers
  // are allocated once, a step that is not a leak); the first sample when there are no swaps.
  double rssBaselineMb = 0, rssBaselineT = 0;
  SoakThresholds thresholds;
};

// Nearest-rank quantile of `v` (0 when empty).
inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank > 0 ? rank - 1 : 0)];
}

// One figure of every swap that succeeded, e.g. &SwapRecord::firstBlockMs.
inline std::vector<double> swapLatencies(const SoakReport& r, double SwapRecord::*figure) {
  std::vector<double> v;
  for (const SwapRecord& s : r.swaps)
    if (s.ok) v.push_back(s.*figure);
  return v;
}

inline double rssGrowthMb(const SoakReport& r) { return r.rssLastMb - r.rssBaselineMb; }

// The thresholds passed, one line each; empty when the run is within them.
inline std::vector<std::string> soakFailures(const SoakReport& r) {
  std::vector<std::string> f;
  char buf[200];
  const SoakThresholds& t = r.thresholds;
  if (r.xrunsOurs > t.maxXrunsOurs) {
    std::snprintf(buf, sizeof buf, "xruns of ours: %llu > %llu", static_cast<unsigned long long>(r.xrunsOurs),
                  static_cast<unsigned long long>(t.maxXrunsOurs));
    f.push_back(buf);
  }
  const double minutes = std::max(r.playedSeconds, 1.0) / 60.0;
  const double systemBudget = std::floor(t.maxXrunsSystemPerMinute * minutes);
  if (static_cast<double>(r.xrunsSystem) > systemBudget) {
    std::snprintf(buf, sizeof buf, "the system's xruns: %llu > %.0f (%.1f per minute)", static_cast<unsigned long long>(r.xrunsSystem),
                  systemBudget, t.maxXrunsSystemPerMinute);
    f.push_back(buf);
  }
  if (rssGrowthMb(r) > t.maxRssGrowthMb) {
    std::snprintf(buf, sizeof buf, "RSS growth: %.2f MB > %.2f MB", rssGrowthMb(r), t.maxRssGrowthMb);
    f.push_back(buf);
  }
  const auto lat = swapLatencies(r, &SwapRecord::firstBlockMs);
  if (!lat.empty() && *std::max_element(lat.begin(), lat.end()) > t.maxSwapMs) {
    std::snprintf(buf, sizeof buf, "swap latency (request to first block): max %.1f ms > %.1f ms", *std::max_element(lat.begin(), lat.end()),
                  t.maxSwapMs);
    f.push_back(buf);
  }
  std::size_t failed = 0;
  for (const SwapRecord& s : r.swaps) failed += s.ok ? 0 : 1;
  if (failed > 0) f.push_back("swaps failed: " + std::to_string(failed));
  return f;
}

inline nlohmann::json soakJson(const SoakReport& r) {
  using nlohmann::json;
  json samples = json::array();
  for (const SoakSample& s : r.samples) {
    samples.push_back({{"t", s.t}, {"rss_mb", s.rssMb}, {"load_p50", s.loadP50}, {"load_p99", s.loadP99}, {"load_max", s.loadMax},
                       {"callbacks", s.callbacks}, {"xruns_ours", s.xrunsOurs}, {"xruns_system", s.xrunsSystem},
                       {"server_xruns", s.serverXruns}, {"voices", s.voices}});
    if (!s.threadLoads.empty()) samples.back()["thread_loads"] = s.threadLoads;
  }
  json swaps = json::array();
  for (const SwapRecord& s : r.swaps) {
    json j = {{"t", s.t}, {"patch", s.patch}, {"ok", s.ok}};
    if (s.ok) {
      j["generation"] = s.generation;
      j["compiled_ms"] = s.compileMs;
      j["first_block_ms"] = s.firstBlockMs;
      j["fade_done_ms"] = s.fadeDoneMs;
      j["first_block_heard_ms"] = s.firstBlockMs + r.outputLatencyMs;
      j["fade_done_heard_ms"] = s.fadeDoneMs + r.outputLatencyMs;
    } else {
      j["error"] = s.error;
    }
    swaps.push_back(j);
  }
  const auto lat = swapLatencies(r, &SwapRecord::fadeDoneMs), first = swapLatencies(r, &SwapRecord::firstBlockMs);
  const auto compiled = swapLatencies(r, &SwapRecord::compileMs);
  const auto failures = soakFailures(r);
  json j;
  j["format"] = "mvm-soak-report";
  j["version"] = 1;
  j["run"] = {{"patch", r.patch}, {"swap_patches", r.swapPatches}, {"api", r.api}, {"device", r.device}, {"rate", r.rate},
              {"frames", r.frames}, {"threads", r.threads}, {"budget_ms", r.rate ? 1000.0 * r.frames / r.rate : 0.0}, {"output_latency_ms", r.outputLatencyMs},
              {"planned_seconds", r.plannedSeconds},
              {"swap_every_seconds", r.swapEverySeconds}, {"played_seconds", r.playedSeconds}};
  j["totals"] = {{"callbacks", r.callbacks},
                 {"callbacks_expected", r.frames ? r.playedSeconds * r.rate / r.frames : 0.0},
                 {"xruns_ours", r.xrunsOurs},
                 {"xruns_system", r.xrunsSystem},
                 {"server_xruns", r.serverXruns},
                 {"overloads", r.overloads},
                 {"overload_mutes", r.overloadMutes},
                 {"load_p50", r.loadP50},
                 {"load_p99", r.loadP99},
                 {"load_max", r.loadMax},
                 {"rss_first_mb", r.rssFirstMb},
                 {"rss_last_mb", r.rssLastMb},
                 {"rss_max_mb", r.rssMaxMb},
                 {"rss_baseline_mb", r.rssBaselineMb},
                 {"rss_baseline_t", r.rssBaselineT},
                 {"rss_growth_mb", rssGrowthMb(r)},
                 {"swaps", r.swaps.size()},
                 {"swaps_failed", r.swaps.size() - lat.size()},
                 {"swap_compiled_ms_p50", quantile(compiled, 0.5)},
                 {"swap_first_block_ms_p50", quantile(first, 0.5)},
                 {"swap_first_block_ms_p99", quantile(first, 0.99)},
                 {"swap_first_block_ms_max", first.empty() ? 0.0 : *std::max_element(first.begin(), first.end())},
                 {"swap_ms_p50", quantile(lat, 0.5)},
                 {"swap_ms_p99", quantile(lat, 0.99)},
                 {"swap_ms_max", lat.empty() ? 0.0 : *std::max_element(lat.begin(), lat.end())}};
  if (r.audioThreadAllocations >= 0) j["totals"]["audio_thread_allocations"] = r.audioThreadAllocations;
  if (!r.threadLoads.empty()) j["totals"]["thread_loads"] = r.threadLoads;
  j["totals"]["dropped"] = r.dropped.total();
  j["dropped"] = {{"events_queue_full", r.dropped.eventsRejected}, {"events_over_buffer", r.dropped.eventsDropped},
                  {"osc_packets_kernel", r.dropped.oscKernel},   {"osc_events_over_quota", r.dropped.oscQuota},
                  {"osc_beyond_horizon", r.dropped.oscHorizon},  {"midi_messages", r.dropped.midi},
                  {"console_lines", r.dropped.console}};
  j["thresholds"] = {{"max_xruns_ours", r.thresholds.maxXrunsOurs},
                     {"max_xruns_system_per_minute", r.thresholds.maxXrunsSystemPerMinute},
                     {"max_rss_growth_mb", r.thresholds.maxRssGrowthMb},
                     {"max_swap_ms", r.thresholds.maxSwapMs}};
  j["verdict"] = {{"pass", failures.empty()}, {"failures", failures}};
  j["samples"] = samples;
  j["swaps"] = swaps;
  return j;
}

// ---- the plot ----

struct PlotSeries {
  std::string name, color;
  std::vector<std::pair<double, double>> points; // (seconds, value)
  bool dots = false;                             // scattered events rather than a line
};

inline std::string htmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

// A round step (1, 2 or 5 times a power of ten) that cuts `range` into at most about `parts`.
inline double niceStep(double range, int parts) {
  const double raw = range / parts;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

// One inline SVG chart: time on x (0..tMax seconds), value on y from yFloor (rounded down) to
// the largest value (at least yMinTop, so that a flat line near 0 does not fill the chart), a
// dashed limit when > 0.
inline std::string svgChart(const std::string& title, const std::string& unit, const std::vector<PlotSeries>& series, double tMax,
                            double yMinTop, double limit = 0, double yFloor = 0) {
  const double W = 900, H = 240, L = 60, R = 20, T = 44, B = 30;
  double yMax = std::max(yMinTop, limit * 1.1);
  for (const PlotSeries& s : series)
    for (const auto& p : s.points) yMax = std::max(yMax, p.second * 1.05);
  yMinTop = std::max(yMinTop, yFloor + 1e-9);
  yMax = std::max(yMax, yMinTop);
  const double yStep = niceStep(yMax - yFloor, 4);
  const double yMin = std::floor(yFloor / yStep) * yStep;
  yMax = std::ceil(yMax / yStep) * yStep;
  tMax = std::max(tMax, 1.0);
  const double tStep = niceStep(tMax, 8);
  auto X = [&](double t) { return L + (W - L - R) * t / tMax; };
  auto Y = [&](double v) { return T + (H - T - B) * (1.0 - (v - yMin) / (yMax - yMin)); };
  char buf[512];
  std::string svg;
  std::snprintf(buf, sizeof buf, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
  svg += buf;
  std::snprintf(buf, sizeof buf, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#999\"/>\n", L, T, W - L - R, H - T - B);
  svg += buf;
  svg += "<text x=\"" + std::to_string(static_cast<int>(L)) + "\" y=\"16\" font-weight=\"bold\">" + htmlEscape(title) + " (" + htmlEscape(unit) + ")</text>\n";
  for (double v = yMin; v <= yMax + yStep / 2; v += yStep) { // y grid
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                  L, Y(v), W - R, Y(v), L - 4, Y(v) + 4, v);
    svg += buf;
  }
  for (double t = 0; t <= tMax + tStep / 1000; t += tStep) { // x labels
    std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g s</text>\n", X(t), H - 10, t);
    svg += buf;
  }
  if (limit > 0) {
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#c00\" text-anchor=\"end\">limit %.3g</text>\n",
                  L, Y(limit), W - R, Y(limit), W - R - 4, Y(limit) - 4, limit);
    svg += buf;
  }
  double legendX = L;
  for (const PlotSeries& s : series) {
    if (s.dots) {
      for (const auto& p : s.points) {
        std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", X(p.first), Y(p.second), s.color.c_str());
        svg += buf;
      }
    } else if (!s.points.empty()) {
      svg += "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + s.color + "\" points=\"";
      for (const auto& p : s.points) {
        std::snprintf(buf, sizeof buf, "%.1f,%.1f ", X(p.first), Y(p.second));
        svg += buf;
      }
      svg += "\"/>\n";
    }
    std::snprintf(buf, sizeof buf, "<rect x=\"%.1f\" y=\"24\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"33\">%s</text>\n", legendX,
                  s.color.c_str(), legendX + 14, htmlEscape(s.name).c_str());
    svg += buf;
    legendX += 20 + 7.0 * static_cast<double>(s.name.size());
  }
  svg += "</svg>\n";
  return svg;
}

// A page with no external resource: the verdict, the totals, and four charts (five with --threads N).
inline std::string soakHtml(const SoakReport& r) {
  const nlohmann::json j = soakJson(r);
  PlotSeries rss{"RSS", "#1f77b4", {}}, p50{"p50", "#2ca02c", {}}, p99{"p99", "#ff7f0e", {}}, mx{"max", "#d62728", {}};
  PlotSeries ours{"ours", "#d62728", {}}, system{"system's", "#7f7f7f", {}}, server{"server's (JACK)", "#9467bd", {}};
  PlotSeries swap{"request to fade done", "#1f77b4", {}, true}, firstBlock{"request to first block (the limit's)", "#2ca02c", {}, true};
  for (const SoakSample& s : r.samples) {
    rss.points.emplace_back(s.t, s.rssMb);
    p50.points.emplace_back(s.t, s.loadP50);
    p99.points.emplace_back(s.t, s.loadP99);
    mx.points.emplace_back(s.t, s.loadMax);
    ours.points.emplace_back(s.t, static_cast<double>(s.xrunsOurs));
    system.points.emplace_back(s.t, static_cast<double>(s.xrunsSystem));
    if (s.serverXruns >= 0) server.points.emplace_back(s.t, static_cast<double>(s.serverXruns));
  }
  for (const SwapRecord& s : r.swaps)
    if (s.ok) {
      swap.points.emplace_back(s.t, s.fadeDoneMs);
      firstBlock.points.emplace_back(s.t, s.firstBlockMs);
    }
  // With --threads N, one line per thread: the audio thread, then each worker.
  static const char* const kThreadColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
  std::vector<PlotSeries> threads;
  for (const SoakSample& s : r.samples)
    for (std::size_t t = 0; t < s.threadLoads.size(); ++t) {
      while (threads.size() <= t)
        threads.push_back({threads.empty() ? "audio thread" : "worker " + std::to_string(threads.size()), kThreadColors[threads.size() % 8], {}});
      threads[t].points.emplace_back(s.t, s.threadLoads[t]);
    }
  const double tMax = std::max(r.playedSeconds, r.samples.empty() ? 0.0 : r.samples.back().t);
  const bool pass = j["verdict"]["pass"].get<bool>();
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mvm-live soak: " + htmlEscape(r.patch) +
                     "</title>\n<style>body{font-family:sans-serif;margin:20px}pre{background:#f4f4f4;padding:8px}"
                     ".pass{color:#070}.fail{color:#c00}</style></head><body>\n";
  html += "<h1>mvm-live soak: " + htmlEscape(r.patch) + "</h1>\n";
  html += std::string("<h2 class=\"") + (pass ? "pass\">PASS" : "fail\">FAIL") + "</h2>\n<ul>";
  for (const auto& f : j["verdict"]["failures"]) html += "<li>" + htmlEscape(f.get<std::string>()) + "</li>";
  html += "</ul>\n<pre>" + htmlEscape(j["run"].dump(1)) + "\n" + htmlEscape(j["totals"].dump(1)) + "\ndropped " + htmlEscape(j["dropped"].dump(1)) + "\n" + htmlEscape(j["thresholds"].dump(1)) + "</pre>\n";
  double rssLow = r.rssFirstMb;
  for (const SoakSample& s : r.samples) rssLow = std::min(rssLow, s.rssMb);
  html += svgChart("Resident set size", "MB", {rss}, tMax, rssLow + 1.0, r.rssBaselineMb + r.thresholds.maxRssGrowthMb, std::max(0.0, rssLow - 1.0));
  html += svgChart("DSP load per second", "% of the buffer's time budget", {p50, p99, mx}, tMax, 10.0, 100.0);
  if (!threads.empty()) html += svgChart("Mean load per thread per second", "% of the audio's time", threads, tMax, 10.0, 100.0);
  html += svgChart("xruns, cumulative", "count", {ours, system, server}, tMax, 1.0);
  html += svgChart("Swap latency", "ms", {swap, firstBlock}, tMax, 1.0, r.thresholds.maxSwapMs);
  html += "</body></html>\n";
  return html;
}

// `path` with its extension replaced by .html (or .html appended).
inline std::string htmlPathFor(const std::string& jsonPath) {
  const std::size_t slash = jsonPath.find_last_of('/');
  const std::size_t dot = jsonPath.find_last_of('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) return jsonPath.substr(0, dot) + ".html";
  return jsonPath + ".html";
}

// Writes the JSON report and the HTML plot beside it; false (and `why`) when a file cannot be written.
inline bool writeSoakReport(const SoakReport& r, const std::string& jsonPath, std::string& why) {
  {
    std::ofstream out(jsonPath);
    out << soakJson(r).dump(2) << "\n";
    if (!out) {
      why = jsonPath + ": cannot write";
      return false;
    }
  }
  const std::string html = htmlPathFor(jsonPath);
  std::ofstream out(html);
  out << soakHtml(r);
  if (!out) {
    why = html + ": cannot write";
    return false;
  }
  return true;
}

} // namespace mvm::live
