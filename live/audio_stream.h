#pragma once
// The audio side of mvm-live: which RtAudio APIs it tries (JACK, ALSA, PulseAudio, in that
// order), opening an output stream on the first that works, closing it, and --list-devices.
//
// Thread contract: control thread.

#include <RtAudio.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#ifdef MVM_LIVE_HAVE_JACK
#include <jack/jack.h>
#endif
#ifdef MVM_LIVE_HAVE_ALSA
#include <alsa/asoundlib.h>
#endif

#include "audio_callback.h"
#include "live_exit.h"

#ifdef MVM_LIVE_HAVE_JACK
extern "C" inline void mvmLiveJackQuiet(const char*) {}
extern "C" inline void mvmLiveJackError(const char* msg) { std::fprintf(stderr, "mvm-live: jack: %s\n", msg); }
#endif
#ifdef MVM_LIVE_HAVE_ALSA
extern "C" inline void mvmLiveAlsaQuiet(const char*, int, const char*, int, const char*, ...) {}
#endif

namespace mvm::live {

struct ApiName {
  RtAudio::Api api;
  const char* name;
  const char* label;
};
constexpr ApiName kApis[] = {
    {RtAudio::UNIX_JACK, "jack", "JACK"},
    {RtAudio::LINUX_ALSA, "alsa", "ALSA"},
    {RtAudio::LINUX_PULSE, "pulse", "PulseAudio"},
};

inline bool compiled(RtAudio::Api api) {
  std::vector<RtAudio::Api> apis;
  RtAudio::getCompiledApi(apis);
  for (RtAudio::Api a : apis)
    if (a == api) return true;
  return false;
}

// While probing, the JACK and ALSA libraries would print several lines per missing server or
// card; the runner says in one line what it could not open instead.
inline void quietAudioLibraries(bool quiet) {
#ifdef MVM_LIVE_HAVE_JACK
  jack_set_error_function(quiet ? mvmLiveJackQuiet : mvmLiveJackError);
  jack_set_info_function(mvmLiveJackQuiet);
#endif
#ifdef MVM_LIVE_HAVE_ALSA
  snd_lib_error_set_handler(quiet ? mvmLiveAlsaQuiet : nullptr);
#endif
  (void)quiet;
}

constexpr int kJackAttempts = 3;
constexpr auto kJackRetryDelay = std::chrono::milliseconds(250);

static_assert(mvm::live::kOutputUnderflow == RTAUDIO_OUTPUT_UNDERFLOW);

struct StreamRequest {
  std::optional<unsigned> device, rate;
  unsigned frames = 256;
  int priority = 70;
};

struct OpenStream {
  std::unique_ptr<RtAudio> audio;
  const ApiName* api = nullptr;
  unsigned device = 0;
  std::string deviceName;
  unsigned rate = 0, frames = 0;
  long latencyFrames = 0; // computed → heard, as the API reports it (0: it does not)
  int channels = 0;

  double outputLatencyMs() const noexcept { return rate ? 1000.0 * static_cast<double>(latencyFrames) / rate : 0.0; }
};

// control thread: opens (does not start) an output stream on `api`; nullopt and `why` when it cannot.
inline std::optional<OpenStream> tryOpen(const ApiName& api, const StreamRequest& req, AudioState& state, std::string& why) {
  if (!compiled(api.api)) {
    why = "not compiled into this RtAudio";
    return std::nullopt;
  }
  try {
    OpenStream o;
    o.audio = std::make_unique<RtAudio>(api.api);
    o.audio->showWarnings(false);
    const unsigned n = o.audio->getDeviceCount();
    if (n == 0) {
      why = api.api == RtAudio::UNIX_JACK ? "no server running" : "no devices";
      return std::nullopt;
    }
    o.device = req.device ? *req.device : o.audio->getDefaultOutputDevice();
    if (o.device >= n) {
      why = "no device " + std::to_string(o.device) + " (there " + (n == 1 ? "is 1" : "are " + std::to_string(n)) + "; see --list-devices)";
      return std::nullopt;
    }
    const RtAudio::DeviceInfo info = o.audio->getDeviceInfo(o.device);
    o.deviceName = info.name;
    if (!info.probed || info.outputChannels == 0) {
      why = "device " + std::to_string(o.device) + " '" + info.name + "' has no outputs";
      return std::nullopt;
    }
    o.rate = req.rate ? *req.rate : (info.preferredSampleRate ? info.preferredSampleRate : 48000);
    o.channels = static_cast<int>(std::min(2u, info.outputChannels));
    o.frames = req.frames;
    RtAudio::StreamParameters out;
    out.deviceId = o.device;
    out.nChannels = static_cast<unsigned>(o.channels);
    RtAudio::StreamOptions options;
    options.flags = RTAUDIO_NONINTERLEAVED | RTAUDIO_SCHEDULE_REALTIME;
    options.priority = req.priority;
    options.streamName = "mvm-live";
    state.channels = o.channels;
    o.audio->openStream(&out, nullptr, RTAUDIO_FLOAT32, o.rate, &o.frames, &audioCallback, &state, &options);
    if (!o.audio->isStreamOpen()) {
      why = "the stream did not open";
      return std::nullopt;
    }
    o.latencyFrames = o.audio->getStreamLatency();
    o.api = &api;
    return o;
  } catch (const RtAudioError& e) {
    why = e.getMessage();
  } catch (const std::exception& e) {
    why = e.what();
  }
  while (!why.empty() && (why.back() == '\n' || why.back() == '.')) why.pop_back();
  return std::nullopt;
}

// stdout: each API and its devices.
inline int listDevices(const std::vector<const ApiName*>& apis) {
  quietAudioLibraries(true);
  for (const ApiName* api : apis) {
    std::printf("%s (--api %s):", api->label, api->name);
    if (!compiled(api->api)) {
      std::printf(" not compiled into this RtAudio\n");
      continue;
    }
    try {
      RtAudio audio(api->api);
      audio.showWarnings(false);
      unsigned n = audio.getDeviceCount();
      for (int a = 1; n == 0 && api->api == RtAudio::UNIX_JACK && a < kJackAttempts; ++a) { // see openFirstStream()
        std::this_thread::sleep_for(kJackRetryDelay);
        n = audio.getDeviceCount();
      }
      if (n == 0) std::printf(" %s\n", api->api == RtAudio::UNIX_JACK ? "no server running" : "no devices");
      else std::printf("\n");
      for (unsigned d = 0; d < n; ++d) {
        const RtAudio::DeviceInfo info = audio.getDeviceInfo(d);
        if (!info.probed) {
          std::printf("  %u: %s (could not be probed)\n", d, info.name.c_str());
          continue;
        }
        std::string rates;
        for (unsigned r : info.sampleRates) rates += (rates.empty() ? "" : " ") + std::to_string(r);
        std::printf("  %u: %s — %u out, %u in, rates %s%s%s\n", d, info.name.c_str(), info.outputChannels, info.inputChannels,
                    rates.empty() ? "?" : rates.c_str(),
                    info.preferredSampleRate ? (", preferred " + std::to_string(info.preferredSampleRate)).c_str() : "",
                    info.isDefaultOutput ? " (default output)" : "");
      }
    } catch (const RtAudioError& e) {
      std::printf("  error: %s\n", e.getMessage().c_str());
    }
  }
  return kOk;
}

// control thread: the stream of the first API in `apis` that opens; nullopt with each API's reason in `failures`.
inline std::optional<OpenStream> openFirstStream(const std::vector<const ApiName*>& apis, const StreamRequest& req, AudioState& state,
                                                 std::string& failures) {
  std::optional<OpenStream> stream;
  quietAudioLibraries(true);
  for (const ApiName* api : apis) {
    std::string why;
    // A JACK client sometimes fails to open while another JACK server on the machine starts or
    // stops (seen with private servers in parallel tests); a retry a moment later works.
    const int attempts = api->api == RtAudio::UNIX_JACK ? kJackAttempts : 1;
    for (int a = 0; a < attempts && !stream; ++a) {
      if (a > 0) std::this_thread::sleep_for(kJackRetryDelay);
      stream = tryOpen(*api, req, state, why);
    }
    if (stream) break;
    failures += std::string(failures.empty() ? "" : "; ") + api->name + ": " + why;
  }
  quietAudioLibraries(false);
  return stream;
}

// control thread: stops (if running) and closes the stream; a failure is only a warning.
inline void closeStream(OpenStream& stream) {
  try {
    if (stream.audio->isStreamRunning()) {
#if defined(__SANITIZE_THREAD__)
      stream.audio->abortStream(); // RtAudio 5.2's JACK stopStream hangs under TSan
#else
      stream.audio->stopStream();
#endif
    }
    if (stream.audio->isStreamOpen()) stream.audio->closeStream();
  } catch (const RtAudioError& e) {
    std::fprintf(stderr, "mvm-live: warning: closing the stream: %s\n", e.getMessage().c_str());
  }
}

inline const char* policyName(int policy) {
  switch (policy) {
  case SCHED_FIFO: return "SCHED_FIFO";
  case SCHED_RR: return "SCHED_RR";
  case SCHED_OTHER: return "SCHED_OTHER";
#ifdef SCHED_BATCH
  case SCHED_BATCH: return "SCHED_BATCH";
#endif
#ifdef SCHED_IDLE
  case SCHED_IDLE: return "SCHED_IDLE";
#endif
  }
  return "unknown";
}

} // namespace mvm::live
