#pragma once
// Compressor and Limiter.
//
// Compressor: feed-forward. The detector (the `sidechain` input when connected, else the input)
// measures the level in dB, as a peak follower (instant attack, 10 ms release) or as RMS over a
// 10 ms one-pole; above threshold the static curve gives gain reduction (level - threshold) *
// (1 - 1/ratio) dB, which is smoothed by attack/release one-poles in the dB domain.
//
// Limiter: peak limiter. The signal is delayed by `lookahead` while the gain envelope (held
// minimum of the gain each sample needs, attack over the lookahead, exponential release) is
// computed; the gain applied to each delayed sample is never above ceiling / |sample|, so the
// output never exceeds the ceiling.

#include <cmath>

#include "mvm/core/math.h"
#include "mvm/dsp/delay_lines.h"
#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/recovery.h"

namespace mvm::modules {

namespace dynamics_detail {

// log2(x) for x > 0, deterministic: exact frexp split + atanh series (abs error < 1e-7).
inline double log2(double x) noexcept {
  if (!(x > 1e-30)) return -99.66; // log2(1e-30)
  int e = 0;
  double m = std::frexp(x, &e); // m in [0.5, 1)
  if (m < 0.70710678118654752) {
    m *= 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0); // |s| <= 0.1716
  const double s2 = s * s;
  const double ln = 2.0 * s * (1.0 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 * (1.0 / 11 + s2 / 13))))));
  return static_cast<double>(e) + ln * math::kLog2e;
}
inline double gainToDb(double g) noexcept { return 6.020599913279624 * log2(g); }

// One-pole coefficient reaching 1 - 1/e in `seconds`.
inline float timeCoefficient(float seconds, double sampleRate) noexcept {
  const double n = static_cast<double>(seconds) * sampleRate;
  if (n < 1.0) return 1.0f;
  return static_cast<float>(1.0 - math::exp(-1.0 / n));
}

struct CachedCoefficient {
  float last = -1.0f;
  float value = 1.0f;
  float get(float seconds, double sr) noexcept {
    if (moved(last, seconds)) value = timeCoefficient(seconds, sr);
    return value;
  }
};

} // namespace dynamics_detail

struct CompressorState {
  float ms = 0.0f;   // the RMS detector's mean square
  float peak = 0.0f; // the peak detector's level
  float gr = 0.0f;   // gain reduction, dB
};

class Compressor final : public ChannelModule<Compressor, CompressorState> {
public:
  enum Inputs { kIn, kSidechain };
  enum Params { kThreshold, kRatio, kAttack, kRelease, kMakeup, kDetector };
  enum Outputs { kOut, kGainReduction };
  enum Detector { kPeak, kRms };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Compressor", "Effects", "Feed-forward peak/RMS compressor with optional sidechain.",
        {{"in", true, "signal"}, {"sidechain", true, "detector input (the signal itself when unconnected)"}},
        {{"out", true, "compressed signal"}, {"gr", true, "gain reduction, dB (>= 0)"}},
        {{"threshold", "dB", -60.0f, 0.0f, -20.0f, "level above which gain is reduced"},
         {"ratio", "", 1.0f, 20.0f, 4.0f, "input dB over threshold per output dB over threshold"},
         {"attack", "s", 0.0001f, 1.0f, 0.01f, "gain reduction time constant, rising"},
         {"release", "s", 0.001f, 5.0f, 0.1f, "gain reduction time constant, falling"},
         {"makeup", "dB", 0.0f, 40.0f, 0.0f, "gain after compression"},
         {"detector", "", 0.0f, 1.0f, 1.0f, "level detector: peak or rms (10 ms)", 0.0f, {"peak", "rms"}, false}}};
    return d;
  }

  // The detector's 10 ms depends on the sample rate alone: worked out once, not per channel and block.
  void prepare() override { detectorCoef_ = dynamics_detail::timeCoefficient(0.01f, sampleRate()); }

  void processChannel(const Channel& ch, CompressorState& s) noexcept {
    const double sr = sampleRate();
    const bool sidechain = isInputConnected(kSidechain);
    const float detectorCoef = detectorCoef_;
    const float *x = ch.in(kIn), *sc = ch.in(sidechain ? kSidechain : kIn), *threshold = ch.param(kThreshold), *ratio = ch.param(kRatio),
                *attack = ch.param(kAttack), *release = ch.param(kRelease), *makeup = ch.param(kMakeup), *detectorP = ch.sharedParam(kDetector);
    float *y = ch.out(kOut), *gr = ch.out(kGainReduction);
    for (int i = 0; i < kBlockFrames; ++i) {
      const float v = math::limit(sc[i], math::kMaxSignal);
      const int mode = math::toIndex(detectorP[i] + 0.5f, 0, 1);
      double levelDb;
      if (mode == kRms) {
        s.ms += detectorCoef * (v * v - s.ms);
        levelDb = 0.5 * dynamics_detail::gainToDb(static_cast<double>(s.ms));
      } else {
        const float a = std::fabs(v);
        s.peak = a > s.peak ? a : s.peak + detectorCoef * (a - s.peak);
        levelDb = dynamics_detail::gainToDb(static_cast<double>(s.peak));
      }
      const double over = levelDb - static_cast<double>(threshold[i]);
      const double r = math::clamp(static_cast<double>(ratio[i]), 1.0, 20.0);
      const float target = over > 0.0 ? static_cast<float>(over * (1.0 - 1.0 / r)) : 0.0f;
      const float k = target > s.gr ? attackCoef_.get(attack[i], sr) : releaseCoef_.get(release[i], sr);
      s.gr += k * (target - s.gr);
      const float gainDb = math::clamp(makeup[i], 0.0f, 40.0f) - s.gr;
      y[i] = x[i] * static_cast<float>(math::dbToGain(static_cast<double>(gainDb)));
      gr[i] = s.gr;
    }
    recoverState(s.ms, s.peak, s.gr);
  }

private:
  dynamics_detail::CachedCoefficient attackCoef_, releaseCoef_;
  float detectorCoef_ = 1.0f;
};

struct LimiterState {
  float env = 1.0f;  // the gain envelope
  float hold = 1.0f; // the held minimum of the gain the coming samples need
  int holdCount = 0; // frames it is still held
};

class Limiter final : public DelayLineModule<Limiter, LimiterState> {
public:
  enum Inputs { kIn };
  enum Params { kCeiling, kRelease, kLookahead };
  enum Outputs { kOut, kGain };
  static constexpr float kMaxLookahead = 0.01f;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Limiter", "Effects", "Peak limiter with lookahead: the output never exceeds the ceiling.",
        {{"in", true, "signal"}},
        {{"out", true, "limited signal, delayed by lookahead"}, {"gain", true, "applied gain, 0..1"}},
        {{"ceiling", "dB", -40.0f, 0.0f, -0.3f, "maximum output peak"},
         {"release", "s", 0.001f, 5.0f, 0.1f, "gain recovery time constant"},
         {"lookahead", "s", 0.0f, kMaxLookahead, 0.002f, "latency used to ramp the gain down before a peak",
          5.0f, {}, false}}};
    return d;
  }

  void processChannel(const Channel& ch, LimiterState& s) noexcept {
    const double sr = sampleRate();
    const float *x = ch.in(kIn), *ceilingP = ch.param(kCeiling), *release = ch.param(kRelease), *lookP = ch.sharedParam(kLookahead);
    float *y = ch.out(kOut), *gOut = ch.out(kGain);
    const int c = ch.index(), length = lines_.length();
    for (int i = 0; i < kBlockFrames; ++i) {
      const int look = static_cast<int>(math::roundFrames(math::clamp(static_cast<double>(lookP[i]) * sr, 0.0, static_cast<double>(length - 2))));
      if (moved(lastCeiling_, ceilingP[i]))
        ceiling_ = static_cast<float>(math::dbToGain(static_cast<double>(math::clamp(ceilingP[i], -40.0f, 0.0f))));
      const float xin = math::limit(x[i], math::kMaxSignal);
      lines_.write(c, xin);
      // the gain this sample will need when it reaches the output
      const float a = std::fabs(xin);
      const float need = a > ceiling_ ? ceiling_ / a : 1.0f;
      if (need <= s.hold || s.holdCount <= 0) {
        s.hold = need;
        s.holdCount = look + 1;
      } else {
        --s.holdCount;
      }
      if (s.hold < s.env) s.env += attackCoef(look) * (s.hold - s.env);
      else s.env += releaseCoef_.get(release[i], sr) * (s.hold - s.env);
      const float delayed = lines_.at(c, look + 1);
      const float ad = std::fabs(delayed);
      float g = s.env;
      if (ad * g > ceiling_) g = ceiling_ / ad;
      float o = delayed * g;
      if (std::fabs(o) > ceiling_) o = o > 0.0f ? ceiling_ : -ceiling_; // rounding guard
      y[i] = o;
      gOut[i] = g;
    }
  }

  int lineLength() const noexcept { return static_cast<int>(std::ceil(static_cast<double>(kMaxLookahead) * sampleRate())) + 2; }

private:
  // Attack: within the lookahead the envelope covers ~99% of a step (exact reach is ensured by
  // the per-sample clamp).
  float attackCoef(int look) noexcept {
    if (look != lastLook_) {
      lastLook_ = look;
      attack_ = look <= 0 ? 1.0f : static_cast<float>(1.0 - math::exp(-4.6 / static_cast<double>(look + 1)));
    }
    return attack_;
  }

  dynamics_detail::CachedCoefficient releaseCoef_;
  float lastCeiling_ = 1.0f;
  float ceiling_ = 1.0f;
  int lastLook_ = -1;
  float attack_ = 1.0f;
};

} // namespace mvm::modules
