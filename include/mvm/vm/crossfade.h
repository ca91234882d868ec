#pragma once
// Crossfade gains for a hot swap: old → new over a fade, per sample.

#include <cstdint>
#include <string>

#include "mvm/core/math.h"

namespace mvm {

enum class FadeCurve : std::uint8_t { EqualPower, Linear };

struct FadeGains {
  float oldGain, newGain;
};

// t in [0, 1]: equal-power has g_old² + g_new² = 1 (constant power for uncorrelated signals — a
// different patch); linear has g_old + g_new = 1 (constant amplitude for correlated signals — the
// same patch with a parameter changed, where equal-power would swell by up to 3 dB mid-fade).
inline FadeGains crossfadeGains(FadeCurve curve, float t) noexcept {
  if (t <= 0.0f) return {1.0f, 0.0f};
  if (t >= 1.0f) return {0.0f, 1.0f}; // the fade lands exactly on the new program
  if (curve == FadeCurve::Linear) return {1.0f - t, t};
  // sin/cos of a quarter turn: g_new = sin(pi/2 t), g_old = cos(pi/2 t)
  return {math::cos2pi(0.25f * t), math::sin2pi(0.25f * t)};
}

inline const char* curveName(FadeCurve c) { return c == FadeCurve::Linear ? "linear" : "equal-power"; }
inline bool parseFadeCurve(const std::string& s, FadeCurve& out) {
  if (s == "equal-power") { out = FadeCurve::EqualPower; return true; }
  if (s == "linear") { out = FadeCurve::Linear; return true; }
  return false;
}

} // namespace mvm
