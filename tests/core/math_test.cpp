#include "mvm/core/math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace mvm;

TEST(Math, Sin2PiWithinTwoMillionthsOverManyPeriods) {
  double worst = 0;
  for (int i = -200000; i <= 200000; ++i) {
    const float phase = static_cast<float>(i) / 40000.0f;
    worst = std::max(worst, std::fabs(static_cast<double>(math::sin2pi(phase)) - std::sin(2.0 * M_PI * static_cast<double>(phase))));
  }
  EXPECT_LT(worst, 2e-7 + 1e-7 * 5); // argument rounding of large phases included
}

TEST(Math, Sin2PiDoubleIsAccurateForCoefficients) {
  for (int i = 0; i <= 10000; ++i) {
    const double p = i / 10000.0;
    EXPECT_NEAR(math::sin2pi(p), std::sin(2.0 * M_PI * p), 1e-13);
  }
}

TEST(Math, Exp2RelativeError) {
  for (double x = -60; x <= 60; x += 0.0137) {
    EXPECT_NEAR(math::exp2(x) / std::exp2(x), 1.0, 1e-12) << x;
    EXPECT_NEAR(math::exp2(static_cast<float>(x)) / std::exp2(static_cast<float>(x)), 1.0, 3e-7) << x;
  }
  EXPECT_EQ(math::exp2(0.0), 1.0);
  EXPECT_EQ(math::exp2(3.0), 8.0);
}

TEST(Math, TanhAbsoluteError) {
  for (float x = -12; x <= 12; x += 0.001f) EXPECT_NEAR(math::tanh(x), std::tanh(x), 5e-7) << x;
}

TEST(Math, TanPiMatchesLibm) {
  for (double x = 0; x < 0.49; x += 0.001) {
    const double t = std::tan(M_PI * x);
    EXPECT_NEAR(math::tanPi(x), t, 1e-12 * (1.0 + t * t)) << x; // error grows with the slope near 0.5
  }
}

TEST(Math, TanPiFloatRelativeError) {
  double worst = 0.0;
  for (float x = 0.0001f; x < 0.49f; x += 0.0001f) {
    const double t = std::tan(M_PI * static_cast<double>(x)); // the float argument taken as exact
    worst = std::max(worst, std::fabs(static_cast<double>(math::tanPi(x)) - t) / t);
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_EQ(math::tanPi(0.0f), 0.0f);
}

TEST(Math, IsFiniteByBits) {
  EXPECT_TRUE(math::isFinite(0.0f));
  EXPECT_TRUE(math::isFinite(-3.4e38f));
  EXPECT_FALSE(math::isFinite(INFINITY));
  EXPECT_FALSE(math::isFinite(-INFINITY));
  EXPECT_FALSE(math::isFinite(NAN));
}

TEST(Math, PitchToHzIsOneVoltPerOctaveFromC4) {
  EXPECT_NEAR(math::pitchToHz(0.0f), 261.6256, 1e-3);
  EXPECT_NEAR(math::pitchToHz(1.0f), 523.2511, 1e-3);
  EXPECT_NEAR(math::pitchToHz(0.75f), 440.0, 1e-3); // A4 is 9 semitones above C4
}

// floorSmall gives std::floor's value and bits (the sign of a zero too) for every float it is
// handed, inline below 2^31 and through libm beyond.
TEST(Math, FloorSmallIsFloorBitForBit) {
  const auto same = [](auto a, auto b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  std::vector<float> xs = {0.0f, -0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 1.5f, -1.5f, 2147483520.0f, -2147483648.0f, 3e9f, -3e9f,
                           std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), 1e-40f, -1e-40f};
  for (float x = -300.0f; x < 300.0f; x += 0.37f) xs.push_back(x);
  for (int k = -30; k <= 30; ++k) xs.push_back(std::nextafter(static_cast<float>(k), 1e9f)), xs.push_back(std::nextafter(static_cast<float>(k), -1e9f));
  for (float x : xs) {
    EXPECT_TRUE(same(math::floorSmall(x), std::floor(x))) << x;
    EXPECT_TRUE(same(math::floorSmall(static_cast<double>(x)), std::floor(static_cast<double>(x)))) << x;
  }
  EXPECT_TRUE(std::isnan(math::floorSmall(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(math::floorSmall(std::numeric_limits<double>::quiet_NaN())));
}

// Hostile floats: every function a signal passes through on its way to an index, a count or a
// state takes NaN, infinities and huge values without undefined behaviour (UBSan checks the
// conversions) and gives the documented result; for every other value, the same as before.
namespace {
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();
const float kHostile[] = {kNaN, -kNaN, kInf, -kInf, 1e38f, -1e38f, 3.4e38f, -3.4e38f, 1e30f, -1e30f, 2147483648.0f, -2147483904.0f};
} // namespace

TEST(Math, ClampSendsNaNToTheLowerBoundAndIsStdClampOtherwise) {
  EXPECT_EQ(math::clamp(kNaN, -1.0f, 1.0f), -1.0f);
  EXPECT_EQ(math::clamp(std::numeric_limits<double>::quiet_NaN(), 0.05, 500.0), 0.05);
  EXPECT_EQ(math::clamp(kInf, -1.0f, 1.0f), 1.0f);
  EXPECT_EQ(math::clamp(-kInf, -1.0f, 1.0f), -1.0f);
  for (float x = -3.0f; x <= 3.0f; x += 0.0625f) EXPECT_EQ(math::clamp(x, -1.0f, 2.0f), std::clamp(x, -1.0f, 2.0f)) << x;
  EXPECT_TRUE(std::signbit(math::clamp(-0.0f, -1.0f, 1.0f))); // a zero keeps its sign, as before
}

TEST(Math, ToIndexIsTruncateThenClampWhereThatIsDefinedAndInRangeEverywhere) {
  for (float x = -20.0f; x <= 20.0f; x += 0.03125f)
    for (auto [lo, hi] : {std::pair{0, 7}, std::pair{1, 16}, std::pair{-2, 2}})
      EXPECT_EQ(math::toIndex(x, lo, hi), std::clamp(static_cast<int>(x), lo, hi)) << x << " in [" << lo << ", " << hi << "]";
  for (float x : kHostile) {
    const int i = math::toIndex(x, 1, 64);
    EXPECT_TRUE(i >= 1 && i <= 64) << x;
    EXPECT_EQ(math::toIndex(static_cast<double>(x), 0, 11), std::isnan(x) ? 0 : (x > 0 ? 11 : 0)) << x;
  }
}

TEST(Math, LimitSendsNaNToSilenceAndIsClampOtherwise) {
  EXPECT_EQ(math::limit(kNaN, 100.0f), 0.0f);
  EXPECT_EQ(math::limit(kInf, 100.0f), 100.0f);
  EXPECT_EQ(math::limit(-kInf, 100.0f), -100.0f);
  for (float x = -300.0f; x <= 300.0f; x += 0.75f) EXPECT_EQ(math::limit(x, 100.0f), math::clamp(x, -100.0f, 100.0f)) << x;
  EXPECT_TRUE(std::signbit(math::limit(-0.0f, 1.0f)));
}

TEST(Math, Exp2AndTanhOfNaNAndInfinitiesAreDefined) {
  EXPECT_EQ(math::exp2(kNaN), 0.0f);
  EXPECT_EQ(math::exp2(std::numeric_limits<double>::quiet_NaN()), 0.0);
  EXPECT_EQ(math::exp2(-kInf), 0.0f);
  EXPECT_TRUE(std::isfinite(math::exp2(kInf)));
  EXPECT_TRUE(std::isfinite(math::exp2(std::numeric_limits<double>::infinity())));
  for (float x : kHostile) {
    EXPECT_TRUE(std::isfinite(math::tanh(x))) << x;
    EXPECT_TRUE(std::isfinite(math::exp(x))) << x;
    EXPECT_TRUE(std::isfinite(math::pitchedHz(x, x))) << x;
  }
}

TEST(Math, Wrap01NeverGivesAPhaseOutsideZeroToOne) {
  for (float x : kHostile) {
    const float f = math::wrap01(x);
    EXPECT_TRUE(f >= 0.0f && f < 1.0f) << x << " -> " << f;
    const double d = math::wrap01(static_cast<double>(x));
    EXPECT_TRUE(d >= 0.0 && d < 1.0) << x << " -> " << d;
    EXPECT_TRUE(std::isfinite(math::sin2pi(x))) << x;
  }
  EXPECT_EQ(math::wrap01(2.75f), 0.75f); // finite values as before
  EXPECT_EQ(math::wrap01(-0.25), 0.75);
}

TEST(Math, RoundFramesIsLroundWithinItsRange) {
  for (double x = 0.0; x < 5000.0; x += 0.37) EXPECT_EQ(math::roundFrames(x), std::lround(x)) << x;
  EXPECT_EQ(math::roundFrames(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(math::roundFrames(-5.0), 0);
  EXPECT_EQ(math::roundFrames(1e300), 2147483647);
  EXPECT_EQ(math::roundFrames(std::numeric_limits<double>::infinity()), 2147483647);
}

TEST(Math, FiniteOrZero) {
  for (float x : kHostile) EXPECT_EQ(math::finiteOrZero(x), std::isfinite(x) ? x : 0.0f) << x;
  EXPECT_EQ(math::finiteOrZero(0.5f), 0.5f);
  EXPECT_FALSE(math::isFinite(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(math::isFinite(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(math::isFinite(1e308));
}

// The four-lane exp2, tanh and limit give the scalar functions' bits lane by lane: a sweep over
// every range their branches split (tanh's |x| < 1/16 and > 9, exp2's -126 and 127), the
// boundaries themselves, signed zeros, infinities and NaN.
TEST(Math, LaneFunctionsAreTheScalarOnesBitForBit) {
  std::vector<float> xs = {0.0f, -0.0f, 0.0625f, -0.0625f, 9.0f, -9.0f, -126.0f, 127.0f, 127.5f, -126.5f, 0.5f, -0.5f, 1e-30f, -1e-30f,
                           std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min(), 1e30f, -1e30f};
  for (int i = -300000; i <= 300000; ++i) xs.push_back(static_cast<float>(i) * 0.000499f); // -150 .. 150
  for (float x : {0.0625f, 9.0f, -126.0f, 127.0f})
    for (float d : {x, -x}) xs.push_back(std::nextafter(d, 0.0f)), xs.push_back(std::nextafter(d, 2.0f * d));
  const auto bits = [](float v) {
    std::uint32_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
  };
  while (xs.size() % simd::kLanes != 0) xs.push_back(0.25f);
  for (std::size_t i = 0; i < xs.size(); i += simd::kLanes) {
    const simd::f32x4 v = simd::load(&xs[i]);
    const simd::f32x4 e = math::exp2(v), t = math::tanh(v), l = math::limitLanes(v, 100.0f);
    for (int j = 0; j < simd::kLanes; ++j) {
      const float x = xs[i + static_cast<std::size_t>(j)];
      ASSERT_EQ(bits(e[j]), bits(math::exp2(x))) << "exp2(" << x << ")";
      ASSERT_EQ(bits(t[j]), bits(math::tanh(x))) << "tanh(" << x << ")";
      ASSERT_EQ(bits(l[j]), bits(math::limit(x, 100.0f))) << "limit(" << x << ")";
      ASSERT_EQ(bits(math::limitLanes(x, 100.0f)), bits(math::limit(x, 100.0f))) << "limit(" << x << ")";
    }
  }
}
