// mvm-bench-driver: fixed work for the regression gate (ci/bench-compare). Each workload does the
// same work on every run, so callgrind's instruction count for it is repeatable; only the
// workload itself is counted (CALLGRIND_TOGGLE_COLLECT around it, run with --collect-atstart=no).
//   mvm-bench-driver --list        the workloads, one a line
//   mvm-bench-driver --build-info  the compiler and build type (a baseline is only valid for one)
//   mvm-bench-driver --check-patches  exit 1 unless bench_patches.h's score of (b) equals the
//                                     committed subtractive16.score.json (the two must not drift)
//   mvm-bench-driver NAME          run one (natively it prints its wall time)

#include <valgrind/callgrind.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench_patches.h"
#include "module_fixture.h"
#include "mvm/mvm.h"
#include "offline_renderer.h"

using namespace mvm;

namespace {

volatile float gSink = 0; // keeps results observable

void render(const PatchGraph& patch, const Score* score, double seconds) {
  render::RenderOptions o;
  o.seconds = seconds;
  render::renderPatch(patch, score, o, [](const float* const* ch, int frames) { gSink = gSink + ch[0][frames - 1]; });
}

struct Workload {
  const char* name;
  const char* what;
  std::function<void()> prepare; // not counted
  std::function<void()> run;     // counted
};

std::vector<Workload> workloads() {
  static PatchGraph compileGraphs[4];
  static PatchGraph sines, subtractive16, subtractive64, subtractive16x4, subtractive4, ladder16;
  static Score score16, score64, score4;
  static std::string dispatchJson;
  std::vector<Workload> w;
  const int sizes[] = {10, 100, 1000, 10000};
  const int repeats[] = {100, 20, 4, 1};
  for (int i = 0; i < 4; ++i)
    w.push_back({nullptr, nullptr, [i, n = sizes[i]] { compileGraphs[i] = PatchParser(builtinModules()).parseFromJson(bench::compilePatchJson(n)); },
                 [i, r = repeats[i]] {
                   for (int k = 0; k < r; ++k) gSink = gSink + static_cast<float>(Compiler(builtinModules()).compile(compileGraphs[i])->code.size());
                 }});
  static const char* compileNames[] = {"compile-10", "compile-100", "compile-1000", "compile-10000"};
  static const char* compileWhat[] = {"compile a 10-module patch, 100 times", "compile a 100-module patch, 20 times",
                                      "compile a 1,000-module patch, 4 times", "compile a 10,000-module patch once"};
  for (int i = 0; i < 4; ++i) {
    w[static_cast<std::size_t>(i)].name = compileNames[i];
    w[static_cast<std::size_t>(i)].what = compileWhat[i];
  }
  w.push_back({"parse-1000", "parse a 1,000-module patch's JSON, 4 times", [] { dispatchJson = bench::compilePatchJson(1000); },
               [] {
                 for (int k = 0; k < 4; ++k) gSink = gSink + static_cast<float>(PatchParser(builtinModules()).parseFromJson(dispatchJson).modules.size());
               }});
  w.push_back({"sines64", "render 1 s of patch (a), 64 summed sines", [] { sines = bench::sinesPatch(); },
               [] { render(sines, nullptr, 1.0); }});
  w.push_back({"subtractive16", "render 1 s of patch (b), 16 voices, with its score",
               [] {
                 subtractive16 = bench::subtractivePatch(16);
                 score16 = bench::subtractiveScore(16, 1.0);
               },
               [] { render(subtractive16, &score16, 1.0); }});
  w.push_back({"ladder16", "render 1 s of patch (c), (b) through the 4-pole Ladder, with (b)'s score",
               [] {
                 ladder16 = PatchParser(builtinModules()).parseFromFile(bench::benchPatchPath("ladder16.json"));
                 score16 = bench::subtractiveScore(16, 1.0);
               },
               [] { render(ladder16, &score16, 1.0); }});
  // Silent voices are free (compiler/voice_gates.h): the same four notes through patch (b) built
  // with 16 voices and built with 4; the ratio of the two is the cost of twelve silent voices.
  w.push_back({"silent12of16", "render 1 s of patch (b) with 16 voices, 4 of them played",
               [] {
                 subtractive16x4 = bench::subtractivePatch(16);
                 score4 = bench::subtractiveScore(4, 1.0);
               },
               [] { render(subtractive16x4, &score4, 1.0); }});
  w.push_back({"voices4", "render 1 s of patch (b) with 4 voices, all played", [] {
                 subtractive4 = bench::subtractivePatch(4);
                 score4 = bench::subtractiveScore(4, 1.0);
               },
               [] { render(subtractive4, &score4, 1.0); }});
  w.push_back({"subtractive64", "render 0.5 s of patch (b) widened to 64 voices",
               [] {
                 subtractive64 = bench::subtractivePatch(64);
                 score64 = bench::subtractiveScore(64, 0.5);
               },
               [] { render(subtractive64, &score64, 0.5); }});
  w.push_back({"dispatch", "1,000 Constant modules (3,004 instructions), 100 blocks",
               [] { dispatchJson = bench::dispatchPatchJson(1000); },
               [] {
                 VM vm;
                 vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(dispatchJson)));
                 float l[kBlockFrames], r[kBlockFrames];
                 float* out[] = {l, r};
                 for (int b = 0; b < 100; ++b) vm.process(nullptr, out, kBlockFrames);
                 gSink = gSink + l[0];
               }});
  w.push_back({"queue", "100,000 events through the VM's MPMC queue (push, pop)", [] {},
               [] {
                 static MpmcLockFreeQueue<Event, 4096> q;
                 Event e, out;
                 for (int i = 0; i < 100000 / 64; ++i) {
                   for (int k = 0; k < 64; ++k) {
                     e.frame = static_cast<std::uint64_t>(k);
                     q.tryPush(e);
                   }
                   for (int k = 0; k < 64; ++k) q.tryPop(out);
                 }
                 gSink = gSink + static_cast<float>(out.frame);
               }});
  w.push_back({"swap", "10 hot swaps between two 100-module patches, 20 blocks each (crossfade 5 ms)",
               [] { dispatchJson = bench::compilePatchJson(100); },
               [] {
                 const PatchGraph a = PatchParser(builtinModules()).parseFromJson(dispatchJson);
                 const PatchGraph b = PatchParser(builtinModules()).parseFromJson(bench::compilePatchJson(100, 200));
                 VM vm;
                 vm.setCrossfade(5.0, FadeCurve::EqualPower);
                 vm.loadProgram(Compiler(builtinModules()).compile(a));
                 float l[kBlockFrames], r[kBlockFrames];
                 float* out[] = {l, r};
                 for (int s = 0; s < 10; ++s) {
                   vm.scheduleNewProgram(Compiler(builtinModules()).compile(s % 2 ? a : b));
                   for (int k = 0; k < 20; ++k) vm.process(nullptr, out, kBlockFrames);
                   vm.collectRetired();
                 }
                 gSink = gSink + l[0];
               }});
  w.push_back({"modules", "every module type, 20 blocks at 1 channel and 20 at 16 channels", [] {},
               [] {
                 for (const auto& e : builtinModules().entries())
                   for (int channels : {1, 16}) {
                     bench::ModuleFixture m(e, channels);
                     for (int b = 0; b < 20; ++b) m.process();
                     if (m.firstOutput()) gSink = gSink + m.firstOutput()[0];
                   }
               }});
  return w;
}

int checkPatches() {
  const PatchGraph g = bench::subtractivePatch(16);
  const Score file = ScoreParser(builtinModules()).parseFromFile(bench::benchPatchPath("subtractive16.score.json"), g, 48000.0);
  const Score rule = bench::subtractiveScore(16, file.durationSeconds);
  if (file.events.size() != rule.events.size()) {
    std::fprintf(stderr, "check-patches: %zu events in the score file, %zu by the rule\n", file.events.size(), rule.events.size());
    return 1;
  }
  for (std::size_t i = 0; i < file.events.size(); ++i) {
    const Event &a = file.events[i], &b = rule.events[i];
    if (a.frame != b.frame || a.type != b.type || a.key != b.key || a.channel != b.channel || a.value != b.value) {
      std::fprintf(stderr, "check-patches: event %zu differs (frame %llu note %d vs frame %llu note %d)\n", i,
                   static_cast<unsigned long long>(a.frame), a.key, static_cast<unsigned long long>(b.frame), b.key);
      return 1;
    }
  }
  std::printf("check-patches: %zu events agree\n", file.events.size());
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  const std::vector<Workload> all = workloads();
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "usage: mvm-bench-driver --list | --build-info | WORKLOAD\n");
    return 2;
  }
  if (std::strcmp(argv[1], "--build-info") == 0) {
#if defined(__clang__)
    std::printf("clang %d.%d.%d %s\n", __clang_major__, __clang_minor__, __clang_patchlevel__, MVM_BUILD_TYPE);
#else
    std::printf("gcc %d.%d.%d %s\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__, MVM_BUILD_TYPE);
#endif
    return 0;
  }
  if (std::strcmp(argv[1], "--check-patches") == 0) return checkPatches();
  if (std::strcmp(argv[1], "--list") == 0) {
    for (const Workload& w : all) std::printf("%s\t%s\n", w.name, w.what);
    return 0;
  }
  for (const Workload& w : all)
    if (w.name == std::string(argv[1])) {
      (void)builtinModules(); // the registry is built once per process: not part of any workload
      w.prepare();
      const auto t0 = std::chrono::steady_clock::now();
      CALLGRIND_TOGGLE_COLLECT;
      w.run();
      CALLGRIND_TOGGLE_COLLECT;
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::printf("%s: %.3f ms\n", w.name, ms);
      return 0;
    }
  std::fprintf(stderr, "mvm-bench-driver: unknown workload \"%s\" (--list shows them)\n", argv[1]);
  return 2;
}
