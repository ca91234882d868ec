#pragma once
// The option checks mvm-render and mvm-live share, with the same wording in both: a value out of
// range is a UsageError (exit 2 in both drivers), whose text names the option and what it takes.

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cli_text.h"
#include "mvm/patch/limits.h"
#include "mvm/vm/crossfade.h"

namespace mvm::cli {

// A command line that cannot be run as given (exit 2).
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Throws "OPTION VALUE: expected LO..HI[ UNIT]" unless lo <= value <= hi (a NaN is outside).
template <class Number>
void requireRange(const std::string& option, Number value, Number lo, Number hi, const std::string& unit = "") {
  if (!(value >= lo && value <= hi))
    throw UsageError(option + " " + numberText(value) + ": expected " + numberText(lo) + ".." + numberText(hi) + (unit.empty() ? "" : " " + unit));
}

// --rate: a whole number of Hz the engine accepts.
template <class Number>
void requireSampleRate(Number rate) {
  if (!(rate >= limits::kMinSampleRate && rate <= limits::kMaxSampleRate) || static_cast<double>(rate) != std::floor(static_cast<double>(rate)))
    throw UsageError("--rate " + numberText(rate) + ": expected a whole number of Hz within [8000, 384000]");
}

// --crossfade-ms
inline void requireCrossfadeMs(double ms) { requireRange("--crossfade-ms", ms, 0.0, 60000.0); }

// --crossfade-curve
inline FadeCurve parseCrossfadeCurve(const std::string& name) {
  FadeCurve curve;
  if (!parseFadeCurve(name, curve)) throw UsageError("--crossfade-curve " + name + ": expected equal-power or linear");
  return curve;
}

// --seed: a whole number in [0, 2^64 - 1]; Boost alone would take "-1" as 2^64 - 1.
inline std::uint64_t parseSeed(const std::string& text) {
  const bool digits = !text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string::npos;
  errno = 0;
  const unsigned long long v = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE)
    throw UsageError("--seed " + text.substr(0, 40) + ": expected a whole number within [0, 18446744073709551615]");
  return v;
}

} // namespace mvm::cli
