#pragma once
// A parameter's ramp: linear or exponential, landing exactly on its target on the ramp's last
// frame (madronalib's glide rule), and started at the frame of the event that set it. An
// exponential ramp multiplies by a constant ratio per frame (equal musical steps for frequencies
// and gains); it needs both ends non-zero and of the same sign, and is linear otherwise.

#include <cmath>
#include <cstdint>

#include "mvm/core/event.h"

namespace mvm {

class ParamSmoother {
public:
  // control thread: jump to a value with no ramp
  void reset(float value, std::uint32_t defaultRampFrames) noexcept {
    current_ = target_ = value;
    step_ = 0.0f;
    remaining_ = 0;
    defaultRamp_ = defaultRampFrames;
  }

  // audio thread, wait-free. rampFrames: kDefaultRamp = the parameter's smoothing time, 0 = jump.
  void setTarget(float value, std::int32_t rampFrames, RampCurve curve = RampCurve::Linear) noexcept {
    const std::uint32_t n = rampFrames < 0 ? defaultRamp_ : static_cast<std::uint32_t>(rampFrames);
    target_ = value;
    if (n == 0 || value == current_) {
      current_ = value;
      remaining_ = 0;
      return;
    }
    remaining_ = n;
    exponential_ = curve == RampCurve::Exponential && current_ != 0.0f && (current_ > 0.0f) == (value > 0.0f);
    if (exponential_) {
      // In double: a long ramp's per-frame ratio is close to 1 and float would lose the slope.
      ratio_ = std::pow(static_cast<double>(value) / static_cast<double>(current_), 1.0 / static_cast<double>(n));
      exact_ = current_;
    } else {
      step_ = (value - current_) / static_cast<float>(n);
    }
  }

  // audio thread, wait-free: writes frames [from, to) of the ramp
  void fill(float* out, int from, int to) noexcept {
    for (int i = from; i < to; ++i) {
      if (remaining_ > 0) {
        if (--remaining_ == 0) current_ = target_;
        else if (exponential_) current_ = static_cast<float>(exact_ *= ratio_);
        else current_ += step_;
      }
      out[i] = current_;
    }
  }

  // control or audio thread: the smoothing time used for kDefaultRamp
  void setDefaultRampFrames(std::uint32_t frames) noexcept { defaultRamp_ = frames; }

  bool settled() const noexcept { return remaining_ == 0; }
  float current() const noexcept { return current_; }
  float target() const noexcept { return target_; }
  std::uint32_t defaultRampFrames() const noexcept { return defaultRamp_; }

private:
  float current_ = 0.0f;
  float target_ = 0.0f;
  float step_ = 0.0f;
  double ratio_ = 1.0, exact_ = 0.0; // exponential ramps
  bool exponential_ = false;
  std::uint32_t remaining_ = 0;
  std::uint32_t defaultRamp_ = 0;
};

} // namespace mvm
