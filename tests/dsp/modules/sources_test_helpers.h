#pragma once
// Test-side rulers shared by the oscillator / noise / filter tests.
// Plain libm double precision: this measures the engine, it is not the engine.

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "module_harness.h"
#include "signal_analysis.h"

namespace mvm::test::sources {

// Power of frequency f over x[from, from+n) with a rectangular window (exact when n spans whole
// periods of every component), normalised so a full-scale sine gives 0.5.
inline double dftPower(const std::vector<float>& x, double f, double sampleRate, std::size_t from, std::size_t n) {
  double re = 0, im = 0;
  const double w = 2.0 * M_PI * f / sampleRate;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[from + i];
    re += v * std::cos(w * static_cast<double>(i));
    im -= v * std::sin(w * static_cast<double>(i));
  }
  const double amp = 2.0 * std::sqrt(re * re + im * im) / static_cast<double>(n);
  return amp * amp / 2.0;
}

// In-place radix-2 FFT (n a power of two).
inline void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double ang = -2.0 * M_PI / static_cast<double>(len);
    const std::complex<double> wl(std::cos(ang), std::sin(ang));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.0);
      for (std::size_t k = 0; k < len / 2; ++k) {
        const auto u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wl;
      }
    }
  }
}

// Welch power spectral density (Hann, 50% overlap), one value per bin of width sampleRate/seg.
inline std::vector<double> psd(const std::vector<float>& x, std::size_t seg = 4096, std::size_t from = 0) {
  std::vector<double> acc(seg / 2 + 1, 0.0);
  int count = 0;
  for (std::size_t start = from; start + seg <= x.size(); start += seg / 2, ++count) {
    std::vector<std::complex<double>> a(seg);
    for (std::size_t i = 0; i < seg; ++i)
      a[i] = x[start + i] * (0.5 - 0.5 * std::cos(2.0 * M_PI * static_cast<double>(i) / static_cast<double>(seg)));
    fft(a);
    for (std::size_t k = 0; k < acc.size(); ++k) acc[k] += std::norm(a[k]);
  }
  for (double& v : acc) v /= std::max(count, 1);
  return acc;
}

// Mean PSD over the bins in [lo, hi] Hz, in dB.
inline double bandDb(const std::vector<double>& p, double lo, double hi, double sampleRate, std::size_t seg = 4096) {
  double s = 0;
  int n = 0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double f = static_cast<double>(k) * sampleRate / static_cast<double>(seg);
    if (f >= lo && f <= hi) {
      s += p[k];
      ++n;
    }
  }
  return toDb(s / std::max(n, 1));
}

// Gain in dB of `output` of a filter module for a sine of frequency f and amplitude a at input `in`.
inline double sineGainDb(const std::string& type, const std::map<std::string, float>& params, const std::string& output, double f,
                         double a = 0.5, double sampleRate = 48000.0, std::size_t frames = 48000) {
  ModuleHarness h(builtinModules(), type, params, sampleRate);
  h.input("in", [f, a, sampleRate](int, std::uint64_t n) {
    return static_cast<float>(a * std::sin(2.0 * M_PI * f * static_cast<double>(n) / sampleRate));
  });
  const auto y = h.run(frames).output(h.outputIndex(output));
  const std::size_t from = frames / 2;
  return toDb(powerAt(y, f, sampleRate, from, frames) / (a * a / 2.0));
}

// Whether a hot swap carries all that a filter module remembers: an impulse at `in`, `split`
// frames on one instance, then the rest on a fresh one that took its state over (copyStateFrom),
// against one instance run straight through. The first of `total` frames where the two differ
// in any bit, or -1.
inline long firstFrameASwapChanges(const std::string& type, const std::map<std::string, float>& params, std::size_t split, std::size_t total) {
  const auto impulse = [](int, std::uint64_t n) { return n == 0 ? 1.0f : 0.0f; };
  ModuleHarness straight(builtinModules(), type, params);
  straight.input("in", impulse);
  const auto expected = straight.run(total).output(0);
  ModuleHarness before(builtinModules(), type, params);
  before.input("in", impulse);
  before.run(split);
  ModuleHarness after(builtinModules(), type, params);
  after.input("in", [](int, std::uint64_t) { return 0.0f; });
  after.module().copyStateFrom(before.module());
  const auto y = after.run(total - split).output(0);
  for (std::size_t n = 0; n < y.size(); ++n)
    if (std::memcmp(&y[n], &expected[split + n], sizeof(float)) != 0) return static_cast<long>(split + n);
  return -1;
}

} // namespace mvm::test::sources
