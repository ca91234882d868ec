#pragma once
// Measurements for tests: level, frequency, spectral power, reverberation time. Plain
// double-precision libm here: this is the test's ruler, not the engine.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstddef>
#include <vector>

namespace mvm::test {

inline double peak(const std::vector<float>& x, std::size_t from = 0, std::size_t to = SIZE_MAX) {
  double p = 0;
  for (std::size_t i = from; i < std::min(to, x.size()); ++i) p = std::max(p, std::fabs(static_cast<double>(x[i])));
  return p;
}

inline double rms(const std::vector<float>& x, std::size_t from = 0, std::size_t to = SIZE_MAX) {
  double s = 0;
  std::size_t n = 0;
  for (std::size_t i = from; i < std::min(to, x.size()); ++i, ++n) s += static_cast<double>(x[i]) * x[i];
  return n ? std::sqrt(s / static_cast<double>(n)) : 0.0;
}

inline double mean(const std::vector<float>& x, std::size_t from = 0, std::size_t to = SIZE_MAX) {
  double s = 0;
  std::size_t n = 0;
  for (std::size_t i = from; i < std::min(to, x.size()); ++i, ++n) s += x[i];
  return n ? s / static_cast<double>(n) : 0.0;
}

// Frequency from rising zero crossings, interpolated to a fraction of a sample.
inline double estimateFrequency(const std::vector<float>& x, double sampleRate, std::size_t from = 0, std::size_t to = SIZE_MAX) {
  to = std::min(to, x.size());
  double first = -1, last = -1;
  int crossings = 0;
  const double offset = mean(x, from, to);
  for (std::size_t i = from + 1; i < to; ++i) {
    const double a = x[i - 1] - offset, b = x[i] - offset;
    if (a < 0 && b >= 0) {
      const double t = static_cast<double>(i - 1) + a / (a - b);
      if (first < 0) first = t;
      else ++crossings;
      last = t;
    }
  }
  return crossings > 0 ? sampleRate * crossings / (last - first) : 0.0;
}

// Power of one frequency (Goertzel), normalised so a full-scale sine gives 0.5 (its mean square).
inline double powerAt(const std::vector<float>& x, double freq, double sampleRate, std::size_t from = 0, std::size_t to = SIZE_MAX) {
  to = std::min(to, x.size());
  const double w = 2.0 * M_PI * freq / sampleRate;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0, s2 = 0;
  const std::size_t n = to - from;
  for (std::size_t i = from; i < to; ++i) {
    // Hann window, so bins between harmonics do not leak
    const double win = 0.5 - 0.5 * std::cos(2.0 * M_PI * static_cast<double>(i - from) / static_cast<double>(n - 1));
    const double s0 = x[i] * win + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double re = s1 - s2 * std::cos(w), im = s2 * std::sin(w);
  const double amp = 2.0 * std::sqrt(re * re + im * im) / (0.5 * static_cast<double>(n)); // Hann gain 0.5
  return amp * amp / 2.0;
}

inline double toDb(double power) { return 10.0 * std::log10(std::max(power, 1e-30)); }
inline double ampToDb(double amp) { return 20.0 * std::log10(std::max(amp, 1e-15)); }

// Frames below `to` where a gate signal rises through 0.5.
inline std::vector<std::uint64_t> risingEdges(const std::vector<float>& x, std::size_t to = SIZE_MAX) {
  std::vector<std::uint64_t> r;
  for (std::size_t i = 0; i < std::min(to, x.size()); ++i)
    if (x[i] >= 0.5f && (i == 0 || x[i - 1] < 0.5f)) r.push_back(i);
  return r;
}

// Largest |x[i] - x[i-1]|.
inline double maxStep(const std::vector<float>& x, std::size_t from = 1, std::size_t to = SIZE_MAX) {
  double m = 0;
  for (std::size_t i = std::max<std::size_t>(from, 1); i < std::min(to, x.size()); ++i)
    m = std::max(m, std::fabs(static_cast<double>(x[i]) - x[i - 1]));
  return m;
}

// RT60 (s) of an impulse response: Schroeder's backward-integrated energy, a least-squares line
// through the stretch where it lies between `fromDb` and `untilDb` (-5..-35: T30; -5..-25: T20),
// extrapolated to -60 dB. The response must run well past the untilDb point.
inline double rt60(const std::vector<float>& x, double sampleRate, double fromDb = -5.0, double untilDb = -35.0) {
  std::vector<double> tail(x.size() + 1, 0.0);
  for (std::size_t i = x.size(); i-- > 0;) tail[i] = tail[i + 1] + static_cast<double>(x[i]) * x[i];
  double n = 0, st = 0, sd = 0, stt = 0, std_ = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double db = toDb(tail[i] / tail[0]);
    if (db > fromDb || db < untilDb) continue;
    const double t = static_cast<double>(i) / sampleRate;
    n += 1, st += t, sd += db, stt += t * t, std_ += t * db;
  }
  const double slope = (n * std_ - st * sd) / (n * stt - st * st); // dB a second
  return -60.0 / slope;
}

} // namespace mvm::test
