#include "mvm/dsp/modules/gain.h"

#include <gtest/gtest.h>

#include "module_harness.h"

using namespace mvm;
using test::ModuleHarness;

TEST(Gain, MultipliesExactly) {
  ModuleHarness h(builtinModules(), "Gain", {{"gain", -0.375f}});
  h.input("in", [](int c, std::uint64_t n) { return static_cast<float>(n % 97) * 0.01f - 0.3f + static_cast<float>(c); }, 2);
  const auto out = h.run(640);
  for (int c = 0; c < 2; ++c)
    for (std::size_t n = 0; n < 640; ++n)
      ASSERT_EQ(out.output(0, c)[n], (static_cast<float>(n % 97) * 0.01f - 0.3f + static_cast<float>(c)) * -0.375f);
}

TEST(Gain, GainModulationIsPerSample) {
  ModuleHarness h(builtinModules(), "Gain", {{"gain", 0.0f}});
  h.input("in", [](int, std::uint64_t) { return 2.0f; });
  h.modulate("gain", [](int, std::uint64_t n) { return static_cast<float>(n) * 0.001f; });
  const auto y = h.run(128).output(0);
  for (std::size_t n = 0; n < 128; ++n) ASSERT_EQ(y[n], 2.0f * (static_cast<float>(n) * 0.001f));
}
