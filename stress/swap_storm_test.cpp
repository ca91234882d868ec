// Hot swap under load: the audio thread runs while control threads request swaps (good and bad
// patches), set parameters, send events and read status, all at once. Every request must end in a
// final state (faded, unchanged, failed with its error, or superseded with the reason), the audio
// must keep running, and the suite's listener checks the audio thread never allocated or locked.

#include "mvm/control/patch_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "audio_driver.h"
#include "stress_support.h"

using namespace mvm;
using namespace std::chrono_literals;

namespace {

// Request i: every fifth patch is broken (an out-of-range frequency, or unparseable JSON).
std::string requestPatch(int i) {
  if (i % 10 == 4) return R"({"modules": [{"id": "osc", "type": "SineGen", "params": {"freq": -1}}]})";
  if (i % 10 == 9) return R"({"modules": [)";
  return stress::sinePatch(200.0 + (i % 37), 0.3 + 0.01 * (i % 5));
}
bool isBroken(int i) { return i % 10 == 4 || i % 10 == 9; }

struct Outcomes {
  int faded = 0, unchanged = 0, failed = 0, superseded = 0, notFinal = 0, wrong = 0;
  void add(const SwapHandle& h, bool broken) {
    const SwapState s = h.state();
    switch (s) {
    case SwapState::Faded: ++faded; wrong += broken; break;
    case SwapState::Unchanged: ++unchanged; wrong += broken; break;
    case SwapState::Failed: ++failed; wrong += !broken || h.error().empty(); break;
    case SwapState::Superseded: ++superseded; wrong += h.error().empty(); break;
    default: ++notFinal;
    }
  }
  int total() const { return faded + unchanged + failed + superseded + notFinal; }
};

int swapCount() { return static_cast<int>(stress::envNumber("MVM_STRESS_SWAPS", 2000)); }

} // namespace

TEST(SwapStorm, EveryRequestEndsInASwapOrAReportedError) {
  VM vm;
  vm.setCrossfade(1.0, FadeCurve::EqualPower);
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  test::AudioDriver audio(vm, 64, 480000.0); // ten times real-time pace: more swaps per second
  ASSERT_EQ(pm.loadPatchFromString(stress::sinePatch(100)).wait(), SwapState::Faded);

  const int n = swapCount();
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> paramsSent{0}, paramsRejected{0}, eventsSent{0}, eventsRejected{0}, statusReads{0};
  std::vector<SwapHandle> handles(static_cast<std::size_t>(n));
  std::thread swapper([&] {
    // Most requests wait for their outcome (so that thousands swap); every tenth is followed at once
    // by the next, which supersedes it or queues behind it.
    for (int i = 0; i < n; ++i) {
      handles[static_cast<std::size_t>(i)] = pm.loadPatchFromString(requestPatch(i), "storm" + std::to_string(i) + ".json");
      if (i % 10 != 0) handles[static_cast<std::size_t>(i)].wait(5s);
    }
  });
  std::thread params([&] {
    for (int i = 0; !stop.load(); ++i) {
      (pm.setParam(i % 2 ? "g" : "osc", i % 2 ? "gain" : "freq", i % 2 ? 0.2f : 300.0f + static_cast<float>(i % 100)) ? paramsSent : paramsRejected)++;
      if (i % 16 == 0) std::this_thread::sleep_for(100us);
    }
  });
  std::thread events([&] {
    for (int i = 0; !stop.load(); ++i) {
      Event e;
      e.type = i % 2 ? EventType::NoteOff : EventType::NoteOn;
      e.frame = kFrameNow;
      e.key = static_cast<std::uint8_t>(40 + i % 40);
      e.value = 0.5f;
      (vm.postEvent(e) ? eventsSent : eventsRejected)++;
      if (i % 16 == 0) std::this_thread::sleep_for(100us);
    }
  });
  std::thread status([&] {
    while (!stop.load()) {
      const PatchManagerStats s = pm.stats();
      const auto current = pm.currentPatch();
      (void)pm.inFlight();
      (void)vm.counters().generation.load();
      (void)vm.isFading();
      EXPECT_LE(s.swapped + s.failed + s.superseded + s.unchanged, s.requests);
      EXPECT_TRUE(current.has_value());
      statusReads++;
      std::this_thread::sleep_for(200us);
    }
  });
  swapper.join();
  Outcomes o;
  for (int i = 0; i < n; ++i) {
    handles[static_cast<std::size_t>(i)].wait(10s);
    o.add(handles[static_cast<std::size_t>(i)], isBroken(i));
  }
  stop.store(true);
  params.join();
  events.join();
  status.join();
  const std::uint64_t callbacksBefore = audio.callbacks();
  std::this_thread::sleep_for(50ms);
  const std::uint64_t callbacksAfter = audio.callbacks();
  audio.stop();

  const PatchManagerStats s = pm.stats();
  std::printf("swap storm: %d requests: %d faded, %d unchanged, %d failed, %d superseded; %llu swaps on the audio thread; "
              "%llu params (%llu rejected), %llu events (%llu rejected), %llu status reads, %llu callbacks\n",
              n, o.faded, o.unchanged, o.failed, o.superseded, static_cast<unsigned long long>(vm.counters().swaps.load()),
              static_cast<unsigned long long>(paramsSent.load()), static_cast<unsigned long long>(paramsRejected.load()),
              static_cast<unsigned long long>(eventsSent.load()), static_cast<unsigned long long>(eventsRejected.load()),
              static_cast<unsigned long long>(statusReads.load()), static_cast<unsigned long long>(callbacksAfter));
  EXPECT_EQ(o.notFinal, 0);
  EXPECT_EQ(o.wrong, 0) << "a broken patch swapped in, a good one failed, or an error without a message";
  EXPECT_EQ(o.total(), n);
  EXPECT_GT(o.faded, n / 2) << "most good requests should swap";
  EXPECT_GT(o.failed, 0);
  EXPECT_EQ(s.requests, static_cast<std::uint64_t>(n) + 1);
  EXPECT_EQ(s.swapped + s.failed + s.superseded + s.unchanged, s.requests);
  EXPECT_GT(callbacksAfter, callbacksBefore) << "the audio stopped";
  EXPECT_GT(paramsSent.load(), 0u);
  EXPECT_GT(eventsSent.load(), 0u);
  EXPECT_EQ(vm.program()->generation, vm.counters().generation.load());
}

TEST(SwapStorm, PatchManagerIsSafeFromSeveralControlThreads) {
  VM vm;
  vm.setCrossfade(0.5, FadeCurve::Linear);
  PatchManager pm(vm, CompileOptions{}, builtinModules());
  test::AudioDriver audio(vm, 64);
  constexpr int kThreads = 4;
  const int perThread = std::max(50, swapCount() / 8);
  std::vector<std::vector<std::pair<SwapHandle, bool>>> handles(kThreads); // (handle, broken)
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto& mine = handles[static_cast<std::size_t>(t)];
      for (int i = 0; i < perThread; ++i) {
        const int k = t * perThread + i;
        if (k % 7 == 3) {
          mine.emplace_back(pm.rollback(), false); // may fail when there is nothing to roll back to
        } else {
          mine.emplace_back(pm.loadPatchFromString(requestPatch(k), "t" + std::to_string(t) + ".json"), isBroken(k));
        }
        pm.setParam("g", "gain", 0.25f);
        (void)pm.currentPatch();
        (void)pm.previousPatch();
        (void)pm.stats();
        if (i % 4 == 3) mine.back().first.wait(5s);
      }
    });
  for (auto& t : threads) t.join();
  Outcomes o;
  int rollbackErrors = 0;
  for (auto& mine : handles)
    for (auto& [h, broken] : mine) {
      h.wait(10s);
      if (h.state() == SwapState::Failed && h.error().find("roll back") != std::string::npos) {
        ++rollbackErrors; // the one error a rollback may report
        continue;
      }
      o.add(h, broken);
    }
  audio.stop();
  const PatchManagerStats s = pm.stats();
  std::printf("concurrent PatchManager: %d threads x %d requests: %d faded, %d unchanged, %d failed (+%d rollbacks with nothing "
              "to roll back to), %d superseded\n",
              kThreads, perThread, o.faded, o.unchanged, o.failed, rollbackErrors, o.superseded);
  EXPECT_EQ(o.notFinal, 0);
  EXPECT_EQ(o.wrong, 0);
  EXPECT_EQ(s.requests, static_cast<std::uint64_t>(kThreads * perThread));
  EXPECT_EQ(s.swapped + s.failed + s.superseded + s.unchanged, s.requests);
  EXPECT_GT(o.faded, 0);
}
