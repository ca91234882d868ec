#pragma once
// Four floats (or two doubles) at once, for modules that run four channels together: the GCC and
// clang vector extensions, which compile to SSE on x86-64 and NEON on ARM. A lane-wise add,
// multiply, divide or compare is the very IEEE operation the scalar code does, and the engine is
// built without FMA contraction or reassociation (DESIGN.md decision 9), so four channels computed
// at once give the same bits as one channel at a time.
//
// Signals are stored channel by channel ([channel][frame]); transpose4 turns four channels' runs of
// four frames into four frames of four channels and back.

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace mvm::simd {

using f32x4 = float __attribute__((vector_size(16)));
using i32x4 = std::int32_t __attribute__((vector_size(16)));
using f64x2 = double __attribute__((vector_size(16)));
using i64x2 = std::int64_t __attribute__((vector_size(16)));
using f32x2 = float __attribute__((vector_size(8)));
// Four doubles and their masks: two SSE2 registers each (one AVX register where the build has it),
// for the lanes whose state is kept in double (an oscillator's phase) beside four float lanes.
using f64x4 = double __attribute__((vector_size(32)));
using i64x4 = std::int64_t __attribute__((vector_size(32)));

inline constexpr int kLanes = 4;

inline f32x4 splat(float x) noexcept { return f32x4{x, x, x, x}; }
inline f32x4 load(const float* p) noexcept {
  f32x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, f32x4 v) noexcept { std::memcpy(p, &v, sizeof v); }

// {first, first + 1, first + 2, first + 3} as floats (exact below 2^24).
inline f32x4 iota(std::uint32_t first) noexcept {
  const auto f = static_cast<std::int32_t>(first);
  return __builtin_convertvector((i32x4{f, f, f, f} + i32x4{0, 1, 2, 3}), f32x4);
}
// Frame numbers as the values of a lane-generic body: `first` for one frame, first .. first + 3
// for four (exact below 2^24).
template <class V>
inline V countFrom(std::uint32_t first) noexcept {
  if constexpr (std::is_same_v<V, float>) return static_cast<float>(first);
  else return iota(first);
}
// A mask of four lanes all `c`.
inline i32x4 maskOf(bool c) noexcept { return c ? i32x4{-1, -1, -1, -1} : i32x4{0, 0, 0, 0}; }

// mask ? a : b, lane by lane (a mask lane is all ones or all zeros, as comparisons give).
inline f32x4 select(i32x4 mask, f32x4 a, f32x4 b) noexcept {
  return std::bit_cast<f32x4>((mask & std::bit_cast<i32x4>(a)) | (~mask & std::bit_cast<i32x4>(b)));
}
inline f64x2 select(i64x2 mask, f64x2 a, f64x2 b) noexcept {
  return std::bit_cast<f64x2>((mask & std::bit_cast<i64x2>(a)) | (~mask & std::bit_cast<i64x2>(b)));
}
// Two pairs of doubles rounded to four floats (as static_cast<float> lane by lane).
inline f32x4 toFloats(f64x2 lo, f64x2 hi) noexcept {
  return __builtin_shufflevector(__builtin_convertvector(lo, f32x2), __builtin_convertvector(hi, f32x2), 0, 1, 2, 3);
}

// math::clamp lane by lane for every x but NaN, which passes through here (math::clamp gives lo;
// a module using this one recovers its state instead): SSE's max(lo, x) is exactly
// x < lo ? lo : x, and min(hi, x) is x > hi ? hi : x.
inline f32x4 clamp(f32x4 x, float lo, float hi) noexcept {
#if defined(__SSE__)
  return __builtin_ia32_minps(splat(hi), __builtin_ia32_maxps(splat(lo), x));
#else
  return select(x < lo, splat(lo), select(x > hi, splat(hi), x));
#endif
}
// Lanes whose value is neither NaN nor infinite: x * 0 is 0 exactly then (NaN for Inf and NaN).
inline i32x4 finite(f32x4 x) noexcept { return x * 0.0f == 0.0f; }
// The scalar forms of the above, so that one template serves a channel and four lanes.
inline float select(bool c, float a, float b) noexcept { return c ? a : b; }
inline float clamp(float x, float lo, float hi) noexcept { return x < lo ? lo : (x > hi ? hi : x); }
// Both conditions, for a channel (bool) or four lanes (masks).
inline bool both(bool a, bool b) noexcept { return a && b; }
inline i32x4 both(i32x4 a, i32x4 b) noexcept { return a & b; }
inline bool either(bool a, bool b) noexcept { return a || b; }
inline i32x4 either(i32x4 a, i32x4 b) noexcept { return a | b; }
inline bool finite(float x) noexcept { return (std::bit_cast<std::uint32_t>(x) & 0x7f800000u) != 0x7f800000u; }

// One channel (float, double, bool) or four lanes (f32x4, f64x4 and their masks): what a
// lane-generic body (dsp/module_kernel.h's LaneModule) needs beyond the operators.
template <class V>
inline constexpr int kWidth = 1;
template <>
inline constexpr int kWidth<f32x4> = kLanes;
template <class V>
struct LaneTypes {
  using Double = double;
};
template <>
struct LaneTypes<f32x4> {
  using Double = f64x4;
};
// The double-precision companion of a float lane type: double or f64x4.
template <class V>
using DoubleOf = typename LaneTypes<V>::Double;

inline float lane(float v, int) noexcept { return v; }
inline double lane(double v, int) noexcept { return v; }
inline bool lane(bool v, int) noexcept { return v; }
template <class V>
  requires(sizeof(V) >= 16)
inline auto lane(const V& v, int j) noexcept { return v[j]; }
inline void setLane(float& v, int, float x) noexcept { v = x; }
inline void setLane(double& v, int, double x) noexcept { v = x; }
template <class V, class S>
  requires(sizeof(V) >= 16)
inline void setLane(V& v, int j, S x) noexcept { v[j] = x; }

// Rounded to float lane by lane, as static_cast<float>.
inline float toFloat(double x) noexcept { return static_cast<float>(x); }
inline f32x4 toFloat(f64x4 x) noexcept { return __builtin_convertvector(x, f32x4); }

inline f64x4 select(i64x4 mask, f64x4 a, f64x4 b) noexcept {
  return std::bit_cast<f64x4>((mask & std::bit_cast<i64x4>(a)) | (~mask & std::bit_cast<i64x4>(b)));
}
inline double select(bool c, double a, double b) noexcept { return c ? a : b; }
// f of each lane's values, for the scalar functions a lane-generic body calls (f gives float or
// double): once for a channel, once per lane for four.
template <class F, class... A>
inline auto perLane(F&& f, A... a) noexcept {
  if constexpr ((std::is_arithmetic_v<A> && ...)) {
    return f(a...);
  } else {
    using R = decltype(f(a[0]...));
    std::conditional_t<std::is_same_v<R, double>, f64x4, f32x4> r;
    for (int j = 0; j < kLanes; ++j) r[j] = f(a[j]...);
    return r;
  }
}
// Whether any lane of a mask (or the one channel's condition) holds.
inline bool any(bool c) noexcept { return c; }
inline bool any(i64x4 mask) noexcept { return ((mask[0] | mask[1]) | (mask[2] | mask[3])) != 0; }

// Reductions of a mask, through its two 64-bit halves (fewer lane extractions than four ints).
inline bool any(i64x2 mask) noexcept { return (mask[0] | mask[1]) != 0; }
inline bool any(i32x4 mask) noexcept { return any(std::bit_cast<i64x2>(mask)); }
inline bool all(bool c) noexcept { return c; }
inline bool all(i32x4 mask) noexcept {
  const i64x2 m = std::bit_cast<i64x2>(mask);
  return (m[0] & m[1]) == -1;
}

// Rows a, b, c, d become columns.
inline void transpose4(f32x4& a, f32x4& b, f32x4& c, f32x4& d) noexcept {
  const f32x4 ab0 = __builtin_shufflevector(a, b, 0, 4, 1, 5), ab1 = __builtin_shufflevector(a, b, 2, 6, 3, 7);
  const f32x4 cd0 = __builtin_shufflevector(c, d, 0, 4, 1, 5), cd1 = __builtin_shufflevector(c, d, 2, 6, 3, 7);
  a = __builtin_shufflevector(ab0, cd0, 0, 1, 4, 5);
  b = __builtin_shufflevector(ab0, cd0, 2, 3, 6, 7);
  c = __builtin_shufflevector(ab1, cd1, 0, 1, 4, 5);
  d = __builtin_shufflevector(ab1, cd1, 2, 3, 6, 7);
}

// n frames (a multiple of 4) of four channels → n vectors, frame by frame.
inline void interleave(const float* const ch[4], f32x4* out, int n) noexcept {
  for (int i = 0; i < n; i += 4) {
    f32x4 a = load(ch[0] + i), b = load(ch[1] + i), c = load(ch[2] + i), d = load(ch[3] + i);
    transpose4(a, b, c, d);
    out[i] = a, out[i + 1] = b, out[i + 2] = c, out[i + 3] = d;
  }
}
// The way back: n vectors → four channels.
inline void deinterleave(const f32x4* in, float* const ch[4], int n) noexcept {
  for (int i = 0; i < n; i += 4) {
    f32x4 a = in[i], b = in[i + 1], c = in[i + 2], d = in[i + 3];
    transpose4(a, b, c, d);
    store(ch[0] + i, a), store(ch[1] + i, b), store(ch[2] + i, c), store(ch[3] + i, d);
  }
}

} // namespace mvm::simd
