// The band-limiting of polyblep.h, measured on the oscillators that use it: a flat spectrum up to
// 15 kHz and little aliasing (the figures beside the kernel in polyblep.h).
#include "mvm/dsp/modules/polyblep.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "module_harness.h"
#include "signal_analysis.h"
#include "sources_test_helpers.h"

using namespace mvm;
using test::ModuleHarness;

namespace {

constexpr double kRate = 48000.0;

// One second of `port` of `type` at `hz`, from 0.1 s on (1 Hz bins: every component on a bin).
std::vector<float> second(const std::string& type, const std::string& port, double hz) {
  ModuleHarness h(builtinModules(), type, {{"freq", static_cast<float>(hz)}});
  const auto out = h.run(4800 + 48000);
  return out.output(h.outputIndex(port));
}

double power(const std::vector<float>& x, double hz) { return test::sources::dftPower(x, hz, kRate, 4800, 48000); }

} // namespace

TEST(Blep, HarmonicsWithinOneDecibelOfTheIdealUpTo15kHz) {
  // saw: 2/(pi k) for every k; triangle: 8/(pi^2 k^2) for odd k; square: 4/(pi k) for odd k
  struct Wave { const char *type, *port; double (*amplitude)(int); bool odd; };
  const Wave waves[] = {{"SawOsc", "out", [](int k) { return 2.0 / (M_PI * k); }, false},
                        {"TriangleOsc", "out", [](int k) { return 8.0 / (M_PI * M_PI * k * k); }, true},
                        {"PulseOsc", "out", [](int k) { return 4.0 / (M_PI * k); }, true}};
  for (const Wave& w : waves)
    for (double f0 : {1000.0, 1500.0}) {
      const auto y = second(w.type, w.port, f0);
      double worst = 0.0, at = 0.0;
      for (int k = 1; k * f0 <= 15000.0; ++k) {
        if (w.odd && k % 2 == 0) continue;
        const double ideal = 0.5 * w.amplitude(k) * w.amplitude(k);
        const double db = test::toDb(power(y, k * f0) / ideal);
        if (std::fabs(db) > std::fabs(worst)) worst = db, at = k * f0;
      }
      std::printf("[ figures ] %s at %.0f Hz: harmonics up to 15 kHz within %+.2f dB of the ideal (worst at %.0f Hz)\n", w.type, f0, worst, at);
      EXPECT_LT(std::fabs(worst), 1.0) << w.type << " at " << f0;
    }
}

TEST(Blep, AliasingBelow20kHzIsFarUnderTheBSplineKernels) {
  // A saw at f0 has its harmonics and their aliases on multiples of gcd(f0, 48 kHz); those not on
  // multiples of f0 are aliases. Their power below 20 kHz over the fundamental's: the 4-point
  // B-spline BLEP this kernel replaced gave -46.6 dBc at 2.5 kHz and -33.2 dBc at 10 kHz.
  const struct { double f0, grid, before; } cases[] = {{2500.0, 500.0, -46.6}, {10000.0, 2000.0, -33.2}};
  for (const auto& c : cases) {
    for (const char* type : {"SawOsc", "VCO"}) {
      const auto y = second(type, std::string(type) == "VCO" ? "saw" : "out", c.f0);
      double alias = 0.0;
      for (double f = c.grid; f < 20000.0; f += c.grid)
        if (std::fmod(f, c.f0) != 0.0) alias += power(y, f);
      const double dbc = test::toDb(alias / power(y, c.f0));
      std::printf("[ figures ] %s saw at %.0f Hz: aliasing below 20 kHz %.1f dBc (B-spline BLEP: %.1f dBc)\n", type, c.f0, dbc, c.before);
      EXPECT_LT(dbc, c.before - 6.0) << type << " at " << c.f0;
    }
  }
}

TEST(Blep, ResidualsVanishAtTheKernelsEnds) {
  // A discontinuity's correction starts and ends at 0: no step where the kernel's span begins or ends.
  const auto& r = modules::blep::kResiduals;
  constexpr int last = modules::blep::kTaps - 1;
  EXPECT_EQ(r.step[0][0], 0.0f);
  EXPECT_NEAR(r.step[modules::blep::kPhases][last], 0.0f, 1e-6f);
  EXPECT_EQ(r.ramp[0][0], 0.0f);
  EXPECT_NEAR(r.ramp[modules::blep::kPhases][last], 0.0f, 1e-6f);
  // a discontinuity at d = 1 before sample n is one at d = 0 before sample n - 1: the rows agree, shifted
  for (int t = 0; t < last; ++t) {
    const float jump = t + 1 == modules::blep::kLatency ? 1.0f : 0.0f;
    EXPECT_NEAR(r.step[modules::blep::kPhases][t], r.step[0][t + 1] + jump, 1e-6f) << t;
  }
}
