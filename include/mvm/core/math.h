#pragma once
// The engine's own transcendental functions. DSP code uses these rather than libm so that
// output is bit-identical across compilers, libm versions and constant folding (DESIGN.md
// decision 9). Accuracy is stated per function and checked in tests/core/math_test.cpp.

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>

#include "mvm/core/simd.h"

namespace mvm::math {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kTwoPi = 6.28318530717958647692;
inline constexpr double kLn2 = 0.69314718055994530942;
inline constexpr double kLog2e = 1.44269504088896340736;
// C4, the pitch of 0 V on a 1 V/octave input.
inline constexpr double kC4Hz = 261.6255653005986;

// x limited to [lo, hi]; NaN gives lo, so that no NaN reaches an index or a table position
// (for every other value, the same as std::clamp).
template <class T>
constexpr T clamp(T x, T lo, T hi) noexcept { return !(x >= lo) ? lo : (x > hi ? hi : x); }

// A duration in frames rounded to the nearest integer (as std::lround), limited to [0, 2^31 - 1]:
// a time parameter times the rate, whatever the parameter's signal (NaN gives 0).
inline long roundFrames(double frames) noexcept { return std::lround(clamp(frames, 0.0, 2147483647.0)); }

// A level no signal reaches on purpose (full scale is 1, control voltages +-10 V): what a module
// limits a signal to before it enters state that lives for many samples (a delay line, a held
// value), so that neither NaN nor a huge value can stay there or overflow when read back.
inline constexpr float kMaxSignal = 1e4f;

// A signal limited to [-bound, bound]; NaN gives 0 (silence, not a full-scale click). For every
// other value, the same as clamp(x, -bound, bound).
template <class T>
constexpr T limit(T x, T bound) noexcept { return x >= -bound ? (x > bound ? bound : x) : (x < -bound ? -bound : T{}); }

// x truncated toward zero into the integers [lo, hi]: the one safe way from a signal to an index
// or a count (a float-to-int conversion of NaN, an infinity or a value beyond int is undefined).
// Clamping first gives the same integer as truncating first, for every x where that is defined.
template <std::floating_point T>
constexpr int toIndex(T x, int lo, int hi) noexcept {
  return static_cast<int>(clamp(x, static_cast<T>(lo), static_cast<T>(hi)));
}

// floor(x), inline for |x| < 2^31 (SSE2 has no rounding instruction, so std::floor is a libm
// call): truncation, one step down for negative non-integers, the sign of a zero kept. The same
// value as std::floor; larger values, infinities and NaN go to std::floor.
template <std::floating_point T>
inline T floorSmall(T x) noexcept {
  if (!(std::fabs(x) < T(2147483648.0))) [[unlikely]] return std::floor(x);
  const T t = static_cast<T>(static_cast<std::int32_t>(x));
  return t > x ? t - T(1) : std::copysign(t, x);
}

// Fractional part in [0, 1). floor is exact in IEEE arithmetic, so this is deterministic.
// The two common cases (a phase in [0, 2)) skip the libm floor call and give the same bits:
// x + 0 turns -0 into +0 as x - floor(x) does.
inline float wrap01(float x) noexcept {
  if (x >= 0.0f && x < 1.0f) return x + 0.0f;
  if (x >= 1.0f && x < 2.0f) return x - 1.0f;
  float f = x - std::floor(x);
  return f < 1.0f ? f : 0.0f; // NaN (from NaN or an infinity) restarts at 0: a phase never stays NaN
}
inline double wrap01(double x) noexcept {
  if (x >= 0.0 && x < 1.0) return x + 0.0;
  if (x >= 1.0 && x < 2.0) return x - 1.0;
  double f = x - std::floor(x);
  return f < 1.0 ? f : 0.0;
}

// sin(2*pi*p) for a wrapped phase p in [0, 1], without branches, for a float or four lanes of
// simd::f32x4 (the same bits lane by lane); the same bits as sin2pi. Quarter-wave symmetry + odd
// Taylor polynomial.
template <class T>
inline T sin2piWrapped(T p) noexcept {
  p = simd::select(p < 1.0f, p + 0.0f, T{}); // as wrap01: a phase rounded up to 1 is 0, and -0 is +0
  const T x = simd::select(p < 0.25f, p, simd::select(p < 0.75f, 0.5f - p, p - 1.0f)); // x in [-0.25, 0.25]
  const T y = x * static_cast<float>(kTwoPi);
  const T y2 = y * y;
  return y * (1.0f + y2 * (-1.6666667e-1f + y2 * (8.3333333e-3f + y2 * (-1.9841270e-4f +
             y2 * (2.7557319e-6f + y2 * (-2.5052108e-8f))))));
}
// sin(2*pi*phase) for any phase; max abs error 2e-7.
inline float sin2pi(float phase) noexcept { return sin2piWrapped(wrap01(phase)); }
inline float cos2pi(float phase) noexcept { return sin2pi(phase + 0.25f); }

// sin(2*pi*phase) in double precision; max abs error 1e-13. For coefficient design.
inline double sin2pi(double phase) noexcept {
  double p = wrap01(phase);
  double x = p < 0.25 ? p : (p < 0.75 ? 0.5 - p : p - 1.0);
  double y = x * kTwoPi;
  double y2 = y * y;
  double s = 1.0 / 355687428096000.0; // 1/17!
  s = -1.0 / 1307674368000.0 + y2 * s;
  s = 1.0 / 6227020800.0 + y2 * s;
  s = -1.0 / 39916800.0 + y2 * s;
  s = 1.0 / 362880.0 + y2 * s;
  s = -1.0 / 5040.0 + y2 * s;
  s = 1.0 / 120.0 + y2 * s;
  s = -1.0 / 6.0 + y2 * s;
  return y * (1.0 + y2 * s);
}
inline double cos2pi(double phase) noexcept { return sin2pi(phase + 0.25); }

// tan(pi * x) for x in [0, 0.5): the bilinear-transform prewarp of a normalised frequency.
inline double tanPi(double x) noexcept { return sin2pi(0.5 * x) / cos2pi(0.5 * x); }

// tan(pi * x) for x in [0, 0.5) in float, for coefficients recomputed every sample (audio-rate
// cutoff modulation); relative error < 1e-6. Octant reduction: past x = 1/4, tan(pi x) =
// 1 / tan(pi (1/2 - x)), so sin and cos are only needed on [0, pi/4], where short Taylor
// polynomials suffice (remainders 3e-7 and 3e-8).
// tanPiFraction gives it as num / den, for coefficient formulas that fold the division into their
// own; for a float or four lanes of simd::f32x4 (the same bits lane by lane).
template <class T>
struct FractionOf {
  T num, den;
};
using Fraction = FractionOf<float>;
template <class T>
inline FractionOf<T> tanPiFraction(T x) noexcept {
  const auto upper = x > 0.25f;
  const T t = simd::select(upper, 0.5f - x, x) * static_cast<float>(kPi);
  const T t2 = t * t;
  const T s = t * (1.0f + t2 * (-1.6666667e-1f + t2 * (8.3333333e-3f + t2 * (-1.9841270e-4f + t2 * 2.7557319e-6f))));
  const T c = 1.0f + t2 * (-0.5f + t2 * (4.1666668e-2f + t2 * (-1.3888889e-3f + t2 * (2.4801587e-5f + t2 * -2.7557319e-7f))));
  return {simd::select(upper, c, s), simd::select(upper, s, c)};
}
inline float tanPi(float x) noexcept {
  const Fraction t = tanPiFraction(x);
  return t.num / t.den;
}

// 2^x in double precision; relative error < 1e-12 for x in [-1022, 1023]. NaN gives 0 (the
// conversion of n to an integer below must never see NaN).
inline double exp2(double x) noexcept {
  if (!(x >= -1022.0)) return 0.0;
  if (x > 1023.0) x = 1023.0;
  double n = floorSmall(x + 0.5);
  double t = (x - n) * kLn2; // |t| <= ln2/2
  double p = 1.0 / 479001600.0;  // 1/12!
  p = 1.0 / 39916800.0 + t * p;
  p = 1.0 / 3628800.0 + t * p;
  p = 1.0 / 362880.0 + t * p;
  p = 1.0 / 40320.0 + t * p;
  p = 1.0 / 5040.0 + t * p;
  p = 1.0 / 720.0 + t * p;
  p = 1.0 / 120.0 + t * p;
  p = 1.0 / 24.0 + t * p;
  p = 1.0 / 6.0 + t * p;
  p = 0.5 + t * p;
  p = 1.0 + t * p;
  p = 1.0 + t * p;
  // Exact scaling by 2^n built from its bits (n is within the normal range here): the same
  // single rounding as std::ldexp, without a libm call per sample.
  return p * std::bit_cast<double>(static_cast<std::uint64_t>(static_cast<std::int64_t>(n) + 1023) << 52);
}

// 2^x in single precision; relative error < 3e-7 for x in [-126, 127]. NaN gives 0.
inline float exp2(float x) noexcept {
  if (!(x >= -126.0f)) return 0.0f;
  if (x > 127.0f) x = 127.0f;
  float n = floorSmall(x + 0.5f);
  float t = (x - n) * static_cast<float>(kLn2);
  float p = 1.0f + t * (1.0f + t * (0.5f + t * (1.6666667e-1f + t * (4.1666668e-2f +
            t * (8.3333338e-3f + t * (1.3888889e-3f + t * 1.9841270e-4f))))));
  return p * std::bit_cast<float>(static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23);
}

inline double exp(double x) noexcept { return exp2(x * kLog2e); }
inline float exp(float x) noexcept { return exp2(x * static_cast<float>(kLog2e)); }

// Hyperbolic tangent; max abs error 5e-7.
inline float tanh(float x) noexcept {
  float ax = std::fabs(x);
  if (ax < 0.0625f) {
    float x2 = x * x;
    return x * (1.0f + x2 * (-0.33333334f + x2 * (0.13333334f + x2 * -0.053968254f)));
  }
  if (ax > 9.0f) return x > 0.0f ? 1.0f : -1.0f;
  float e = exp2(2.0f * x * static_cast<float>(kLog2e));
  return (e - 1.0f) / (e + 1.0f);
}

// 2^x and tanh for four lanes: the scalar functions' very operations lane by lane (the same bits,
// checked in tests/core/math_test.cpp), branches taken as selects.
inline simd::f32x4 exp2(simd::f32x4 x) noexcept {
  using simd::f32x4;
  const simd::i32x4 inRange = x >= -126.0f; // NaN is not
  const f32x4 c = simd::select(inRange, simd::select(x > 127.0f, simd::splat(127.0f), x), f32x4{}); // every lane converts safely
  const f32x4 h = c + 0.5f;
  const f32x4 truncated = __builtin_convertvector(__builtin_convertvector(h, simd::i32x4), f32x4);
  const f32x4 n = simd::select(truncated > h, truncated - 1.0f, truncated); // floorSmall (a zero's sign changes nothing below)
  const f32x4 t = (c - n) * static_cast<float>(kLn2);
  const f32x4 p = 1.0f + t * (1.0f + t * (0.5f + t * (1.6666667e-1f + t * (4.1666668e-2f +
                  t * (8.3333338e-3f + t * (1.3888889e-3f + t * 1.9841270e-4f))))));
  const f32x4 scale = std::bit_cast<f32x4>((__builtin_convertvector(n, simd::i32x4) + 127) << 23);
  return simd::select(inRange, p * scale, f32x4{});
}

inline simd::f32x4 tanh(simd::f32x4 x) noexcept {
  using simd::f32x4;
  const f32x4 ax = std::bit_cast<f32x4>(std::bit_cast<simd::i32x4>(x) & 0x7fffffff);
  const f32x4 x2 = x * x;
  const f32x4 small = x * (1.0f + x2 * (-0.33333334f + x2 * (0.13333334f + x2 * -0.053968254f)));
  const f32x4 e = exp2(2.0f * x * static_cast<float>(kLog2e));
  const f32x4 mid = (e - 1.0f) / (e + 1.0f);
  const f32x4 saturated = simd::select(x > 0.0f, simd::splat(1.0f), simd::splat(-1.0f));
  return simd::select(ax < 0.0625f, small, simd::select(ax > 9.0f, saturated, mid));
}

// A base frequency (clamped to [lo, hi] Hz) moved by a 1 V/octave pitch (clamped to +-10 octaves):
// how every pitched module turns its freq/cutoff parameter and pitch input into Hz.
inline double pitchedHz(float hz, float pitch, double lo = 0.01, double hi = 20000.0) noexcept {
  if (pitch == 0.0f) return clamp(static_cast<double>(hz), lo, hi); // exp2(0) is exactly 1: same bits, no polynomial
  return clamp(static_cast<double>(hz), lo, hi) * exp2(clamp(static_cast<double>(pitch), -10.0, 10.0));
}

// clamp for a float or four lanes of simd::f32x4 (the same bits lane by lane), NaN giving lo as
// clamp does: what a lane-generic body (mapFrames) limits a parameter with.
template <class V>
inline V clampLanes(V x, float lo, float hi) noexcept { return simd::select(x >= lo, simd::clamp(x, lo, hi), V{} + lo); }
// limit for a float or four lanes (the same bits lane by lane): NaN gives 0.
template <class V>
inline V limitLanes(V x, float bound) noexcept { return simd::select(x == x, simd::clamp(x, -bound, bound), V{}); }

// The equal-power pan law (Panner, Chorus): the gain of one side for a pan in [-1, 1], with
// theta = (pan + 1) / 8 of a turn (0..90 degrees): sin(theta + side), side kPanLeft (a quarter
// turn: cos theta) or kPanRight (sin theta). left^2 + right^2 = 1 at every pan; the centre gives
// each side 1/sqrt(2), the same bits on both. For a float or four lanes of simd::f32x4.
inline constexpr float kPanLeft = 0.25f;
inline constexpr float kPanRight = 0.0f;
template <class V>
inline V panGain(V pan, float side) noexcept { return sin2piWrapped((pan + 1.0f) * 0.125f + side); }

// Frequency in Hz of a 1 V/octave pitch (0 V = C4).
inline float pitchToHz(float volts) noexcept { return static_cast<float>(kC4Hz) * exp2(volts); }

// Decibels to a gain factor, for coefficient design and params given in dB.
inline double dbToGain(double db) noexcept { return exp2(db * (1.0 / 6.020599913279624)); }

// Whether a float is neither NaN nor infinite, by its bits (immune to -ffinite-math assumptions).
inline bool isFinite(float x) noexcept { return simd::finite(x); }
inline bool isFinite(double x) noexcept { return (std::bit_cast<std::uint64_t>(x) & 0x7ff0000000000000u) != 0x7ff0000000000000u; }

// x, or 0 when x is NaN or infinite: what a module writes into a delay line or a state that
// outlives the block, so that one bad sample cannot poison it.
inline float finiteOrZero(float x) noexcept { return isFinite(x) ? x : 0.0f; }

} // namespace mvm::math
