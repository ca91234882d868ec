#pragma once
// The audio callback of mvm-live, in RtAudio's shape (non-interleaved float32 output): it runs the
// VM for exactly the frames asked — no ring buffer — and records its own metrics. Kept free of
// RtAudio's header so that tests can drive it directly (tests/live/audio_callback_test.cpp).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "audio_clock.h"
#include "callback_metrics.h"
#include "mvm/core/block.h"
#include "mvm/core/rt_context.h"
#include "overload_policy.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

// RtAudio's RTAUDIO_OUTPUT_UNDERFLOW status bit (main.cpp checks that they agree).
inline constexpr unsigned int kOutputUnderflow = 0x2;

struct AudioState {
  VM* vm = nullptr; // set before the stream starts, never changed while it runs
  CallbackMetrics* metrics = nullptr;
  int channels = 0; // output channels, at most kMaxHostChannels
  bool scheduleRecorded = false; // audio thread only
  OverloadPolicy* overload = nullptr; // optional: fed every callback's load, sets the VM's voice limit and mute
  std::uint64_t (*clock)() noexcept = &steadyNowNs; // the callback's clock (tests drive their own)
  AudioClock* audioClock = nullptr; // optional: where MIDI and OSC arrivals are stamped against (audio_clock.h)
  // optional, with JACK: the JACK frame this period starts at (jack_last_frame_time of `jackClient`)
  std::uint32_t (*jackPeriodStart)(void* jackClient) noexcept = nullptr;
  void* jackClient = nullptr;
};

// How deep the first callback touches the audio thread's stack, deeper than any block goes: memory
// is locked as it is first touched (live_rig.h), so no later callback faults a stack page in.
inline constexpr std::size_t kAudioStackTouchBytes = 256 * 1024;

[[gnu::noinline]] inline void touchAudioStack() noexcept MVM_NONBLOCKING {
  volatile unsigned char pages[kAudioStackTouchBytes];
  for (std::size_t i = 0; i < kAudioStackTouchBytes; i += 4096) pages[i] = 0;
  (void)pages[0]; // volatile: the stores are kept, this read keeps the compiler from calling them unused
}

// audio thread, wait-free: RtAudioCallback's signature. `outputBuffer` holds `channels` blocks of
// nFrames floats, one per channel. Never asks the API to stop (returns 0).
inline int audioCallback(void* outputBuffer, void*, unsigned int nFrames, double, unsigned int status, void* user) noexcept MVM_NONBLOCKING {
  AudioThreadScope audioThread; // the whole callback, for the allocation probe of test builds
  AudioState& s = *static_cast<AudioState*>(user);
  const std::uint64_t start = s.clock();
  float* const base = static_cast<float*>(outputBuffer);
  const int frames = static_cast<int>(nFrames);
  float* channels[kMaxHostChannels];
  for (int c = 0; c < s.channels; ++c) channels[c] = base + static_cast<std::size_t>(c) * nFrames;
  if (s.audioClock)
    s.audioClock->publish(start, s.vm->framesOutput(), nFrames, s.jackPeriodStart ? s.jackPeriodStart(s.jackClient) : 0u);
  s.vm->process(nullptr, channels, frames);
  float peak = 0.0f;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < frames; ++i) peak = std::max(peak, std::fabs(channels[c][i]));
  s.metrics->recordPeak(peak);
  if (!s.scheduleRecorded) {
    touchAudioStack();
    s.metrics->recordScheduling();
    s.scheduleRecorded = true;
  }
  const double load = s.metrics->record(start, s.clock(), frames, (status & kOutputUnderflow) != 0);
  if (s.overload) {
    const OverloadLevers levers = s.overload->update(load, s.vm->counters().generation.load(std::memory_order_relaxed));
    if (levers.voiceLimit != s.vm->voiceLimit()) s.vm->setVoiceLimit(levers.voiceLimit);
    if (levers.mute != s.vm->muted()) s.vm->setMuted(levers.mute);
  }
  return 0;
}

} // namespace mvm::live
