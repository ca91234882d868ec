#pragma once
// Waveshaper: memoryless distortion, antialiased. mode tanh: tanh(drive * x); mode fold: a
// triangle wavefolder, identity for |fold * x| <= 1 and reflected back into [-1, 1] beyond. The
// shaped signal is bounded by kShapedBound (2.08, the decimation filter's ringing; the curve
// itself is within +-1); mix blends it with the dry input.
//
// Antialiasing: 2x oversampling with first-order antiderivative antialiasing (ADAA) at the
// doubled rate (Parker, Zavalishin, Le Bivic, DAFx 2016; Bilbao, Esqueda, Parker, Valimaki,
// IEEE SPL 2017). u = gain * x is upsampled by a 23-tap half-band FIR (Kaiser, beta 6), shaped
// by ADAA-1, y[m] = (F(u[m]) - F(u[m-1])) / (u[m] - u[m-1]) with F the shape's antiderivative
// (log cosh u; the fold's periodic piecewise quadratic), and brought back to the base rate by a
// 54-tap lowpass FIR (cut at 21 kHz for 48 kHz; it also undoes ADAA's droop). Both stages are needed: at
// 48 kHz a 5 kHz sine's 5th harmonic (25 kHz) folds to 23 kHz, which only a decimation filter
// with its stop band from 25 kHz removes, and the harmonics far above 96 kHz fold into the audio
// band unless ADAA (a one-sample box filter at 96 kHz) has taken them down first. Measured on a
// 5 kHz sine at 48 kHz (tests/dsp/modules/waveshaper_test.cpp), the largest non-harmonic
// component: tanh at drive 10 -46.7 dBc (-14.8 dBc without), fold x5 -33.3 dBc
// (+1.8 dBc without).
// Pass band at 48 kHz: flat within 0.1 dB to 15 kHz, -0.4 dB at 18 kHz, -3.6 dB at 20 kHz (the
// filters are fixed in samples, so at 44.1 kHz every frequency here scales by 0.92).
// Cost: about 620 instructions per frame and channel in tanh mode, 460 in fold mode (82 and 43
// without antialiasing): the two antiderivatives and the two FIRs.
//
// Ill-conditioning: where consecutive u differ by less than kAdaaEpsilon, the quotient above is
// all rounding, so the shape of their midpoint is taken instead (it differs from the exact mean
// by at most f'' * du^2 / 24, or du / 4 on a fold's corner). The antiderivatives are worked out
// in double precision, so the quotient's rounding error stays below 1e-7 for |u| up to 1000.
//
// Latency: kLatency = 19 frames, the same at every sample rate: 11 (upsampler) + 0.5 (ADAA-1
// delays by half a sample) + 26.5 (decimator) samples at the doubled rate. The dry signal is
// delayed by as much, so that mix blends aligned signals and a low, slow input comes out as
// the static curve of the input 19 frames earlier.
//
// State per channel (carried over a hot swap): the filters' histories, the dry delay and the
// ADAA's previous input and antiderivative. The input is limited to kMaxSignal (NaN gives 0)
// before it enters any of them, and a non-finite state is reset at the end of the block
// (dsp/recovery.h).

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

struct WaveshaperState {
  static constexpr int kUpHistory = 11, kDownHistory = 53, kDryHistory = 19;
  float up[kUpHistory];     // the last gain * x at the base rate, oldest first
  float down[kDownHistory]; // the last shaped samples at the doubled rate, oldest first
  float dry[kDryHistory];   // the last inputs, oldest first
  double u;                 // the shaper's previous input (doubled rate)
  double F;                 // its antiderivative under `mode`
  int mode;
};

class Waveshaper final : public ChannelModule<Waveshaper, WaveshaperState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kIn };
  enum Params { kMode, kDrive, kFold, kMix };
  enum Outputs { kOut };
  enum Mode { kTanh, kWavefold };

  // The decimator's taps, one half of a symmetric 54: a lowpass to 21 kHz at 96 kHz (stop band
  // from 25 kHz, -60 dB) whose pass band rises as 1 / cos(pi f / 96 kHz), undoing ADAA-1's droop
  // (on a linear curve ADAA-1 is the mean of two neighbours); the windowed (Kaiser, beta 6)
  // inverse transform of that response, scaled to unit gain at DC.
  static constexpr int kDecimatorHalf = 27;
  static constexpr float kDecimatorTaps[kDecimatorHalf] = {
      -0.000219752333f, -0.000207917568f, 0.000533016409f, 0.000829910891f, -0.000693493261f, -0.0020315268f,
      0.000222179473f,  0.00371335527f,   0.0015029302f,   -0.00533984242f, -0.00502236312f,  0.00584890333f,
      0.0104671129f,    -0.0037238009f,   -0.0172117885f,  -0.0027646595f,  0.0236000951f,    0.0152389709f,
      -0.0267445129f,   -0.0350510016f,   0.0220823648f,   0.0637815213f,   -0.00108117286f,  -0.106062953f,
      -0.0634507868f,   0.185092727f,     0.436692484f};

  // Frames from an input to its shaped (and dry) output.
  static constexpr int kLatency = WaveshaperState::kDryHistory;
  // The most the shaped signal can reach: the decimator's gain to the worst signal (the sum of
  // its taps' magnitudes), since ADAA's output is a mean of the curve and so within +-1. A
  // band-limited square overshoots, as every band-limited square does: tanh at drive 50 on a
  // 76 Hz sine peaks at 1.19.
  static constexpr double kShapedBound = [] {
    double sum = 0.0;
    for (float t : kDecimatorTaps) sum += t < 0.0f ? -2.0 * t : 2.0 * t;
    return sum;
  }();
  // Below this difference between consecutive shaper inputs, ADAA takes the shape of their midpoint.
  static constexpr double kAdaaEpsilon = 1e-4;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Waveshaper", "Effects",
        "tanh saturation or triangle wavefolding, antialiased (2x oversampling with first-order antiderivative "
        "antialiasing): a 5 kHz sine at 48 kHz aliases at -47 dBc (tanh x10) and -33 dBc (fold x5); at 48 kHz flat to 15 kHz, "
        "-3.6 dB at 20 kHz. Latency 19 frames, dry included. The shaped signal overshoots 1 as a band-limited square "
        "does (1.19 at drive 50, 2.08 at most).",
        {{"in", true, "signal"}},
        {{"out", true, "dry * (1 - mix) + shaped * mix, both 19 frames late"}},
        {{"mode", "", 0.0f, 1.0f, 0.0f, "tanh or fold", 0.0f, {"tanh", "fold"}, false},
         {"drive", "x", 0.1f, 50.0f, 1.0f, "input gain before tanh (tanh mode)"},
         {"fold", "x", 0.1f, 20.0f, 1.0f, "input gain before the folder (fold mode); > 1 folds a unit signal"},
         {"mix", "", 0.0f, 1.0f, 1.0f, "wet proportion"}}};
    return d;
  }

  // Triangle fold: u for |u| <= 1, reflected at +-1 beyond.
  static float fold(float u) noexcept {
    const float t = math::wrap01((u + 1.0f) * 0.25f);
    return 1.0f - 4.0f * std::fabs(t - 0.5f);
  }

  // The shape, and its antiderivative F (F(0) = 0), in double precision.
  static double shape(double u, int mode) noexcept {
    return mode == kTanh ? math::tanh(static_cast<float>(u)) : fold(static_cast<float>(u));
  }
  static double antiderivative(double u, int mode) noexcept {
    if (mode == kTanh) {
      // log cosh u = |u| + log(1 + e^(-2|u|)) - log 2
      const double a = std::fabs(u);
      return a + log1pUnit(math::exp(-2.0 * a)) - math::kLn2;
    }
    // The fold has period 4; on v = u mod 4 in [-1, 3): v^2 / 2 rising, then 2v - v^2 / 2 - 1 falling.
    const double t = u + 1.0;
    const double v = t - 4.0 * math::floorSmall(t * 0.25) - 1.0;
    return v < 1.0 ? 0.5 * v * v : 2.0 * v - 0.5 * v * v - 1.0;
  }

  void processChannel(const Channel& ch, WaveshaperState& s) noexcept {
    constexpr int kUpH = WaveshaperState::kUpHistory, kDownH = WaveshaperState::kDownHistory, kDryH = WaveshaperState::kDryHistory;
    const float *modeP = ch.sharedParam(kMode), *x = ch.in(kIn), *drive = ch.param(kDrive), *foldP = ch.param(kFold), *mix = ch.param(kMix);
    float* y = ch.out(kOut);

    // The block behind its histories: gain * x and the dry input at the base rate, the shaped
    // signal at the doubled rate.
    float v[kUpH + kBlockFrames], dry[kDryH + kBlockFrames], shaped[kDownH + 2 * kBlockFrames];
    int modes[kBlockFrames];
    for (int k = 0; k < kUpH; ++k) v[k] = s.up[k];
    for (int k = 0; k < kDryH; ++k) dry[k] = s.dry[k];
    for (int k = 0; k < kDownH; ++k) shaped[k] = s.down[k];
    for (int i = 0; i < kBlockFrames; ++i) {
      const int mode = math::toIndex(modeP[i] + 0.5f, 0, 1);
      const float in = math::limit(x[i], math::kMaxSignal);
      modes[i] = mode;
      dry[kDryH + i] = in;
      v[kUpH + i] = in * (mode == kTanh ? math::clamp(drive[i], 0.1f, 50.0f) : math::clamp(foldP[i], 0.1f, 20.0f));
    }

    for (int i = 0; i < kBlockFrames; ++i) {
      // Upsampled: the even phase interpolates halfway between v[n-6] and v[n-5], the odd phase is v[n-5].
      const float* w = v + i; // w[kUpH] is this frame's
      float interp = 0.0f;
      for (int j = 0; j < 6; ++j) interp += kHalfBand[j] * (w[kUpH - j] + w[j]);
      shaped[kDownH + 2 * i] = adaa(interp, modes[i], s);
      shaped[kDownH + 2 * i + 1] = adaa(w[kUpH - 5], modes[i], s);
    }

    for (int i = 0; i < kBlockFrames; ++i) {
      // Decimated: the lowpass at the doubled rate, evaluated at this frame's even sample.
      const float* z = shaped + 2 * i; // z[kDownH] is this frame's even sample
      float wet = 0.0f;
      for (int k = 0; k < kDecimatorHalf; ++k) wet += kDecimatorTaps[k] * (z[kDownH - k] + z[k]);
      const float m = math::clamp(mix[i], 0.0f, 1.0f);
      y[i] = dry[i] * (1.0f - m) + wet * m;
    }

    for (int k = 0; k < kUpH; ++k) s.up[k] = v[kBlockFrames + k];
    for (int k = 0; k < kDryH; ++k) s.dry[k] = dry[kBlockFrames + k];
    for (int k = 0; k < kDownH; ++k) s.down[k] = shaped[2 * kBlockFrames + k];
    recoverStates(s.up, kUpH);
    recoverStates(s.down, kDownH);
    recoverStates(s.dry, kDryH);
    recoverState(s.u, s.F);
  }

private:
  // The half-band upsampler's taps on the even phase (23 taps, Kaiser beta 6, cut at a quarter of
  // the doubled rate; the odd phase is the centre tap alone), one half of a symmetric 12, summing to 1.
  static constexpr float kHalfBand[6] = {-0.000860439273f, 0.00743869982f, -0.026469994f, 0.0702291823f, -0.172440379f, 0.62210293f};

  // log(1 + e) for e in [0, 1]: 2 atanh(z) with z = e / (2 + e) <= 1/3, its series to z^27
  // (remainder below 1e-14), summed pairwise (Estrin) so that the products do not wait on each other.
  static double log1pUnit(double e) noexcept {
    const double z = e / (2.0 + e), z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    const double p01 = 1.0 + z2 * (1.0 / 3.0), p23 = 1.0 / 5.0 + z2 * (1.0 / 7.0), p45 = 1.0 / 9.0 + z2 * (1.0 / 11.0),
                 p67 = 1.0 / 13.0 + z2 * (1.0 / 15.0), p89 = 1.0 / 17.0 + z2 * (1.0 / 19.0), p1011 = 1.0 / 21.0 + z2 * (1.0 / 23.0),
                 p1213 = 1.0 / 25.0 + z2 * (1.0 / 27.0);
    const double low = (p01 + z4 * p23) + z8 * (p45 + z4 * p67), high = (p89 + z4 * p1011) + z8 * p1213;
    return 2.0 * z * (low + z8 * z8 * high);
  }

  // One sample of ADAA-1 at the doubled rate; F of the previous input is worked out again when
  // the mode changes.
  static float adaa(float in, int mode, WaveshaperState& s) noexcept {
    const double u = in;
    if (mode != s.mode) {
      s.mode = mode;
      s.F = antiderivative(s.u, mode);
    }
    const double F = antiderivative(u, mode), du = u - s.u;
    const double out = std::fabs(du) < kAdaaEpsilon ? shape(0.5 * (u + s.u), mode) : (F - s.F) / du;
    s.u = u;
    s.F = F;
    return static_cast<float>(out);
  }
};

} // namespace mvm::modules
