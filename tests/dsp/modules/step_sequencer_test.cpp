#include "mvm/dsp/modules/step_sequencer.h"

#include <gtest/gtest.h>

#include "module_harness.h"

using mvm::builtinModules;
using mvm::test::ModuleHarness;
using mvm::test::pulseTrain;

namespace {

std::map<std::string, float> pattern() {
  std::map<std::string, float> p{{"steps", 4.0f}};
  const float pitches[4] = {0.0f, 0.25f, -1.0f, 7.0f / 12.0f};
  for (int s = 0; s < 4; ++s) p["step" + std::to_string(s + 1)] = pitches[s];
  p["gate3"] = 0.0f;
  return p;
}

} // namespace

TEST(StepSequencer, StepsAdvanceOnClockAndWrapAtLength) {
  ModuleHarness h(builtinModules(), "StepSequencer", pattern());
  h.input("clock", pulseTrain(1000, 400, 100));
  const auto out = h.run(9000);
  const auto& pitch = out.output(0);
  const auto& gate = out.output(1);
  const auto& trig = out.output(2);
  // before the first clock: step 1's pitch, no gate
  EXPECT_EQ(pitch[50], 0.0f);
  EXPECT_EQ(gate[50], 0.0f);
  const float expected[8] = {0.0f, 0.25f, -1.0f, 7.0f / 12.0f, 0.0f, 0.25f, -1.0f, 7.0f / 12.0f};
  for (int k = 0; k < 8; ++k) {
    const std::size_t edge = 100 + static_cast<std::size_t>(k) * 1000;
    EXPECT_EQ(pitch[edge], expected[k]) << k;
    EXPECT_EQ(pitch[edge + 999], expected[k]) << k;
    const bool on = (k % 4) != 2;
    EXPECT_EQ(trig[edge], on ? 1.0f : 0.0f) << k;
    EXPECT_EQ(trig[edge + 1], 0.0f) << k;
    EXPECT_EQ(gate[edge], on ? 1.0f : 0.0f) << k;
    EXPECT_EQ(gate[edge + 399], on ? 1.0f : 0.0f) << k; // the gate follows the clock
    EXPECT_EQ(gate[edge + 400], 0.0f) << k;
    EXPECT_EQ(gate[edge - 1], 0.0f) << k;
  }
}

TEST(StepSequencer, ResetReturnsToStepOne) {
  ModuleHarness h(builtinModules(), "StepSequencer", pattern());
  h.input("clock", pulseTrain(1000, 400, 100));
  h.input("reset", [](int, std::uint64_t n) { return n >= 1600 && n < 1700 ? 1.0f : 0.0f; });
  const auto out = h.run(4000);
  const auto& pitch = out.output(0);
  EXPECT_EQ(pitch[1100], 0.25f);    // step 2
  EXPECT_EQ(pitch[2100], 0.0f);     // after reset: step 1
  EXPECT_EQ(pitch[3100], 0.25f);    // step 2
}

TEST(StepSequencer, SixteenStepsAndLiveLengthChange) {
  std::map<std::string, float> p;
  for (int s = 1; s <= 16; ++s) p["step" + std::to_string(s)] = static_cast<float>(s) / 12.0f;
  ModuleHarness h(builtinModules(), "StepSequencer", p);
  h.input("clock", pulseTrain(100, 10));
  h.set("steps", 2.0f, 1650);
  const auto out = h.run(2200);
  const auto& pitch = out.output(0);
  for (int k = 0; k < 16; ++k) EXPECT_EQ(pitch[static_cast<std::size_t>(k) * 100 + 5], static_cast<float>(k + 1) / 12.0f);
  EXPECT_EQ(pitch[1605], 1.0f / 12.0f);         // wrapped after 16
  EXPECT_EQ(pitch[1705], 2.0f / 12.0f);         // step 2
  EXPECT_EQ(pitch[1805], 1.0f / 12.0f);         // length 2 now: back to step 1
}

TEST(StepSequencer, StateCarriesOverAHotSwap) {
  ModuleHarness a(builtinModules(), "StepSequencer", pattern());
  a.input("clock", pulseTrain(1000, 400, 100));
  a.run(2560); // steps 1..3 played
  ModuleHarness b(builtinModules(), "StepSequencer", pattern());
  b.input("clock", pulseTrain(1000, 400, 540)); // the same clock, seen from frame 2560
  b.module().copyStateFrom(a.module());
  const auto out = b.run(1024);
  EXPECT_EQ(out.output(0)[0], -1.0f);          // still step 3
  EXPECT_EQ(out.output(0)[540], 7.0f / 12.0f); // then step 4
}
