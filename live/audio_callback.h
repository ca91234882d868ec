#pragma once
// The audio callback of mvm-live, in RtAudio's shape (non-interleaved float32 output): it runs the
// VM for exactly the frames asked — no ring buffer — and records its own metrics. Kept free of
// RtAudio's header so that tests can drive it directly (tests/live/audio_callback_test.cpp).

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "callback_metrics.h"
#include "mvm/core/block.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

// RtAudio's RTAUDIO_OUTPUT_UNDERFLOW status bit (main.cpp checks that they agree).
inline constexpr unsigned int kOutputUnderflow = 0x2;

struct AudioState {
  VM* vm = nullptr; // set before the stream starts, never changed while it runs
  CallbackMetrics* metrics = nullptr;
  int channels = 0; // output channels, at most kMaxHostChannels
  bool scheduleRecorded = false; // audio thread only
};

// audio thread, wait-free: RtAudioCallback's signature. `outputBuffer` holds `channels` blocks of
// nFrames floats, one per channel. Never asks the API to stop (returns 0).
inline int audioCallback(void* outputBuffer, void*, unsigned int nFrames, double, unsigned int status, void* user) noexcept {
  const std::uint64_t start = steadyNowNs();
  AudioState& s = *static_cast<AudioState*>(user);
  float* const base = static_cast<float*>(outputBuffer);
  const int frames = static_cast<int>(nFrames);
  float* channels[kMaxHostChannels];
  for (int c = 0; c < s.channels; ++c) channels[c] = base + static_cast<std::size_t>(c) * nFrames;
  s.vm->process(nullptr, channels, frames);
  float peak = 0.0f;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < frames; ++i) peak = std::max(peak, std::fabs(channels[c][i]));
  s.metrics->recordPeak(peak);
  if (!s.scheduleRecorded) {
    s.metrics->recordScheduling();
    s.scheduleRecorded = true;
  }
  s.metrics->record(start, steadyNowNs(), frames, (status & kOutputUnderflow) != 0);
  return 0;
}

} // namespace mvm::live
