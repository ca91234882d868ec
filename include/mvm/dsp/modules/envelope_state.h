#pragma once
// The per-channel state of the linear envelopes (AD, AR, ADSR): the stage, the level, and where
// and when the stage started.

#include <cstdint>

#include "mvm/core/math.h"

namespace mvm::modules {

template <class Stage>
struct EnvelopeState {
  Stage stage = Stage::Idle;
  bool gateHigh = false; // the gate (AD: the trigger) at the last frame
  float level = 0.0f;
  float from = 0.0f;               // the level the stage started at
  std::uint32_t n = 0, length = 0; // frames into the stage, and its length

  // Starts `next` from the current level, `frames` long and at least one frame (AD and AR).
  void start(Stage next, float frames) noexcept {
    stage = next;
    from = level;
    n = 0;
    const long f = math::roundFrames(frames);
    length = f < 1 ? 1u : static_cast<std::uint32_t>(f);
  }
};

} // namespace mvm::modules
