#include "mvm/dsp/modules/random.h"

#include <gtest/gtest.h>

#include <cmath>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

TEST(Random, SteppedChangesExactlyEveryPeriodAtRate) {
  ModuleHarness h(builtinModules(), "Random", {{"rate", 100.0f}}); // 480 frames per step
  const auto out = h.run(48000);
  const auto& s = out.output(0);
  int changes = 0;
  for (std::size_t n = 1; n < s.size(); ++n)
    if (s[n] != s[n - 1]) {
      ++changes;
      EXPECT_EQ((n - 1) % 480, 479u) << n; // first new value at frame 480, then every 480
    }
  EXPECT_GE(changes, 98);
  EXPECT_LE(test::peak(s), 1.0);
}

TEST(Random, SmoothGlidesToEachValueAsTheNextArrives) {
  for (float shape : {0.0f, 1.0f}) {
    ModuleHarness h(builtinModules(), "Random", {{"rate", 100.0f}, {"shape", shape}});
    const auto out = h.run(48000);
    const auto& s = out.output(0);
    const auto& m = out.output(1);
    // at the frame before each step the smooth output has (nearly) reached the stepped value
    for (std::size_t n = 480 * 2; n < s.size(); n += 480) EXPECT_NEAR(m[n - 1], s[n - 1], 0.01) << n;
    // and it starts each step from the previous value (continuous)
    EXPECT_LT(test::maxStep(m), 2.0 / 480.0 * (shape > 0.5f ? M_PI / 2.0 : 1.0) + 1e-3) << shape;
    if (shape > 0.5f) {
      // cosine: flat at the step boundaries, linear: constant slope
      for (std::size_t n = 480 * 2; n + 1 < s.size(); n += 480) EXPECT_LT(std::fabs(m[n + 1] - m[n]), 2.0 * 2.2e-4) << n;
    } else {
      for (std::size_t n = 480 * 2; n + 2 < s.size(); n += 480)
        EXPECT_NEAR(m[n + 2] - m[n + 1], m[n + 200] - m[n + 199], 1e-5) << n;
    }
  }
}

TEST(Random, TriggerClocksNewValuesAndSetsTheGlideTime) {
  ModuleHarness h(builtinModules(), "Random", {{"rate", 1.0f}, {"shape", 0.0f}});
  h.input("trig", [](int, std::uint64_t n) { return (n % 300) < 5 ? 1.0f : 0.0f; });
  const auto out = h.run(9600);
  const auto& s = out.output(0);
  for (std::size_t n = 1; n < s.size(); ++n)
    if (s[n] != s[n - 1]) {
      EXPECT_EQ(n % 300, 0u) << n;
    }
  const auto& m = out.output(1);
  // glide over the measured 300-frame interval: linear from the previous to the new value
  for (std::size_t n = 1200; n < 9000; n += 300) EXPECT_NEAR(m[n + 150], 0.5f * (s[n - 1] + s[n]), 1e-4) << n;
}

TEST(Random, SeededAndPolyphonic) {
  auto run = [](std::uint64_t seed) {
    ModuleHarness h(builtinModules(), "Random", {{"rate", 1000.0f}}, 48000.0, seed);
    h.modulate("amp", [](int, std::uint64_t) { return 0.0f; }, 2);
    return h.run(4800);
  };
  const auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a.output(0, 0), b.output(0, 0));
  EXPECT_NE(a.output(0, 0), c.output(0, 0));
  EXPECT_NE(a.output(0, 0), a.output(0, 1));
}

TEST(Random, CopyStateFromContinues) {
  ModuleHarness a(builtinModules(), "Random", {{"rate", 300.0f}});
  a.run(640);
  ModuleHarness b(builtinModules(), "Random", {{"rate", 300.0f}}, 48000.0, 77);
  b.module().copyStateFrom(a.module());
  const auto next = b.run(640);
  ModuleHarness whole(builtinModules(), "Random", {{"rate", 300.0f}});
  const auto all = whole.run(1280);
  for (std::size_t i = 0; i < 640; ++i) {
    EXPECT_EQ(next.output(0)[i], all.output(0)[640 + i]);
    EXPECT_EQ(next.output(1)[i], all.output(1)[640 + i]);
  }
}
