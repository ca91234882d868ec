#include "mvm/dsp/modules/sine_gen.h"

#include <gtest/gtest.h>

#include "module_harness.h"
#include "signal_analysis.h"

using namespace mvm;
using test::ModuleHarness;

TEST(SineGen, FrequencyAndAmplitudeAreExact) {
  for (float f : {55.0f, 440.0f, 1234.5f, 9000.0f}) {
    ModuleHarness h(builtinModules(), "SineGen", {{"freq", f}, {"amp", 0.7f}});
    const auto y = h.run(48000).output(0);
    EXPECT_NEAR(test::estimateFrequency(y, 48000) / f, 1.0, 2e-6) << f; // < 0.004 cents
    EXPECT_NEAR(test::peak(y), 0.7, f < 5000 ? 1e-4 : 2e-3) << f;
    EXPECT_NEAR(test::rms(y), 0.7 / std::sqrt(2.0), 1e-3) << f;
  }
}

TEST(SineGen, PitchInputIsOneVoltPerOctave) {
  ModuleHarness h(builtinModules(), "SineGen", {{"freq", 220.0f}});
  h.input("pitch", [](int, std::uint64_t) { return 1.5f; });
  EXPECT_NEAR(test::estimateFrequency(h.run(48000).output(0), 48000), 220.0 * std::pow(2.0, 1.5), 0.01);
}

TEST(SineGen, DefaultIsC4AtZeroVoltsAsEveryOscillator) {
  // 0 V = C4 (VoiceController's note 60): the default freq plays the note the pitch says
  ModuleHarness h(builtinModules(), "SineGen");
  h.input("pitch", [](int, std::uint64_t) { return 0.0f; });
  EXPECT_NEAR(test::estimateFrequency(h.run(48000).output(0), 48000), 261.6256, 0.001);
  ModuleHarness a4(builtinModules(), "SineGen");
  a4.input("pitch", [](int, std::uint64_t) { return 0.75f; }); // A4 = C4 + 9 semitones
  EXPECT_NEAR(test::estimateFrequency(a4.run(48000).output(0), 48000), 440.0, 0.001);
  ModuleHarness unpatched(builtinModules(), "SineGen");
  EXPECT_NEAR(test::estimateFrequency(unpatched.run(48000).output(0), 48000), 261.6256, 0.001);
  for (const char* osc : {"SawOsc", "TriangleOsc", "Supersaw", "VCO"}) // the same default as the others
    EXPECT_EQ(builtinModules().find(osc)->descriptor->params[0].defaultValue,
              builtinModules().find("SineGen")->descriptor->params[0].defaultValue) << osc;
}

TEST(SineGen, PolyphonicPitchGivesOneChannelPerVoice) {
  ModuleHarness h(builtinModules(), "SineGen", {{"freq", 100.0f}});
  h.input("pitch", [](int c, std::uint64_t) { return static_cast<float>(c); }, 3);
  const auto out = h.run(48000);
  ASSERT_EQ(out.ports[0].size(), 3u);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(test::estimateFrequency(out.output(0, c), 48000), 100.0 * (1 << c), 0.01);
}

TEST(SineGen, CopyStateFromContinuesThePhase) {
  ModuleHarness a(builtinModules(), "SineGen", {{"freq", 441.0f}});
  const auto first = a.run(6400).output(0);
  ModuleHarness b(builtinModules(), "SineGen", {{"freq", 441.0f}});
  b.module().copyStateFrom(a.module());
  const auto next = b.run(64).output(0);
  ModuleHarness whole(builtinModules(), "SineGen", {{"freq", 441.0f}});
  const auto all = whole.run(6464).output(0);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(next[static_cast<std::size_t>(i)], all[6400 + static_cast<std::size_t>(i)]);
  (void)first;
}
