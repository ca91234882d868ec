#pragma once
// mvm-live's MIDI input (--midi-in). With ALSA, RtMidi delivers each message on its own thread,
// where it is only stamped with the steady clock and pushed into a lock-free queue. With JACK, a
// client of ours (mvm-live-midi, port midi_in) reads JACK's MIDI buffer in its process callback,
// where every event has its frame in the period (RtMidi's JACK backend hands a period's events
// over together, without it): when the audio plays through JACK too, a message then carries the
// JACK frame it was sent at, and the AudioClock maps it exactly (audio_clock.h). A MIDI thread of
// ours maps each message through the patch's MidiMapper at its frame and posts the events to the
// VM (lock-free). MIDI learn and patch changes are handled on that thread too.
//
// Thread contract: open/start/stop/armLearn/takeLearnReport on the control thread; the RtMidi
// callback is wait-free; the MIDI thread owns the mapper.

#include <RtMidi.h>

#ifdef MVM_LIVE_HAVE_JACK
#include <jack/jack.h>
#include <jack/midiport.h>
#endif

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio_clock.h"
#include "mvm/control/midi_mapper.h"
#include "mvm/core/rt_context.h"
#include "mvm/rt/lock_free_queue.h"
#include "mvm/rt/thread_scheduling.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

struct MidiInputCounters {
  std::atomic<std::uint64_t> received{0};  // channel messages from the port
  std::atomic<std::uint64_t> system{0};    // system messages (clock, SysEx, ...): not carried
  std::atomic<std::uint64_t> malformed{0}; // neither: a wrong length, a data byte >= 0x80, no status
  std::atomic<std::uint64_t> dropped{0};   // the arrival queue was full
  std::atomic<std::uint64_t> events{0};    // engine events posted
  std::atomic<std::uint64_t> rejected{0};  // the VM's queue was full
};

// One message as a port delivers it (RtMidi and JACK hand over whole messages: no running
// status): a channel message is its status byte and exactly the data bytes its kind has, each
// below 0x80. Anything else from a peer is counted and dropped, never read past its end.
enum class PortMessage { kChannel, kSystem, kMalformed };
inline PortMessage parsePortMessage(const std::uint8_t* bytes, std::size_t size, MidiMessage& out) noexcept {
  if (size == 0 || bytes[0] < 0x80) return PortMessage::kMalformed;
  if (bytes[0] >= 0xF0) return PortMessage::kSystem;
  const auto data = static_cast<std::size_t>(MidiMessage::dataBytes(bytes[0]));
  if (size != 1 + data) return PortMessage::kMalformed;
  for (std::size_t i = 1; i <= data; ++i)
    if (bytes[i] >= 0x80) return PortMessage::kMalformed;
  out = {bytes[0], bytes[1], data == 2 ? bytes[2] : std::uint8_t{0}};
  return PortMessage::kChannel;
}

// "jack" | "alsa" → the RtMidi API; nullopt otherwise.
inline std::optional<RtMidi::Api> midiApiByName(const std::string& name) {
  if (name == "jack") return RtMidi::UNIX_JACK;
  if (name == "alsa") return RtMidi::LINUX_ALSA;
  return std::nullopt;
}

// One line per source port of the API ("  N: name"), or why there are none.
inline std::string listMidiPorts(RtMidi::Api api) {
  try {
    RtMidiIn in(api, "mvm-live");
    const unsigned n = in.getPortCount();
    if (n == 0) return "  (no MIDI sources)\n";
    std::string out;
    for (unsigned i = 0; i < n; ++i) out += "  " + std::to_string(i) + ": " + in.getPortName(i) + "\n";
    return out;
  } catch (const RtMidiError& e) {
    return "  error: " + e.getMessage() + "\n";
  }
}

// Whether --midi-in's `port` names source number `index` (from --list-midi) or a part of `name`.
inline bool portMatches(const std::string& port, unsigned index, const std::string& name) {
  const bool number = !port.empty() && port.find_first_not_of("0123456789") == std::string::npos;
  return number ? std::to_string(index) == port : name.find(port) != std::string::npos;
}

class MidiInput {
public:
  // `patchMidi` returns the MIDI map of the patch now playing (called on the MIDI thread when
  // the VM's generation changes).
  MidiInput(VM& vm, const AudioClock& clock, double sampleRate, std::function<std::optional<MidiMap>()> patchMidi)
      : vm_(vm), clock_(clock), rate_(sampleRate), patchMidi_(std::move(patchMidi)) {}
  ~MidiInput() { stop(); }
  MidiInput(const MidiInput&) = delete;
  MidiInput& operator=(const MidiInput&) = delete;

  // control thread: opens `port` — a source's number from --list-midi, a part of its name, or
  // "virtual" (a port named mvm-live-midi:midi_in that other programs connect to). `audioOnJack`:
  // the audio plays through the same JACK server, so JACK's frames are the audio's. Empty or the
  // cause.
  std::string open(RtMidi::Api api, const std::string& port, bool audioOnJack = false) {
#ifdef MVM_LIVE_HAVE_JACK
    if (api == RtMidi::UNIX_JACK) return openJack(port, audioOnJack);
#endif
    try {
      in_ = std::make_unique<RtMidiIn>(api, "mvm-live-midi", 1024); // JACK: client mvm-live-midi, port midi_in
      in_->ignoreTypes(true, true, true); // sysex, clock, active sensing: never mapped
      in_->setCallback(&MidiInput::onMessage, this);
      if (port == "virtual") {
        in_->openVirtualPort("midi_in");
        portName_ = "virtual port midi_in";
        return {};
      }
      const unsigned n = in_->getPortCount();
      std::optional<unsigned> found;
      for (unsigned i = 0; i < n && !found; ++i)
        if (portMatches(port, i, in_->getPortName(i))) found = i;
      if (!found) return "no MIDI source '" + port + "' (" + std::to_string(n) + " found; see --list-midi)";
      portName_ = in_->getPortName(*found);
      in_->openPort(*found, "midi_in");
      return {};
    } catch (const RtMidiError& e) {
      std::string why = e.getMessage();
      while (!why.empty() && (why.back() == '\n' || why.back() == '.')) why.pop_back();
      return why;
    }
  }
  const std::string& portName() const noexcept { return portName_; }

  void start() {
    running_ = true;
    thread_ = std::thread([this] { run(); });
  }
  // control thread, after start(): the thread that maps each arrival to its frame gets real-time
  // scheduling (mvm/rt/thread_scheduling.h). 0, or the error.
  int setScheduling(int policy, int priority) noexcept { return thread_.joinable() ? setThreadScheduling(thread_, policy, priority) : 0; }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
#ifdef MVM_LIVE_HAVE_JACK
    if (jack_) {
      jack_deactivate(jack_);
      jack_client_close(jack_);
      jack_ = nullptr;
    }
#endif
    if (in_) {
      try {
        in_->cancelCallback();
        in_->closePort();
      } catch (const RtMidiError&) {
      }
      in_.reset();
    }
  }

  // control thread: the next controller moved (0..119) is mapped to MODULE.PARAM over [min, max].
  void armLearn(const std::string& module, const std::string& param, float min, float max) {
    std::lock_guard<std::mutex> lock(mutex_);
    learn_ = Learn{module, param, min, max};
  }
  // control thread: what the last learn did, once ("" when nothing new).
  std::string takeLearnReport() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(learnReport_, {});
  }

  const MidiInputCounters& counters() const noexcept { return counters_; }

#ifdef MVM_LIVE_HAVE_JACK
  // For the audio callback (AudioState::jackPeriodStart): the JACK client whose frames messages
  // carry, or null.
  void* jackClient() const noexcept { return exactFrames_ ? jack_ : nullptr; }
  static std::uint32_t jackPeriodStart(void* client) noexcept { return jack_last_frame_time(static_cast<jack_client_t*>(client)); }
#endif

private:
  struct Arrival {
    std::uint64_t ns; // steady clock, when it arrived
    MidiMessage message;
    bool atJackFrame = false; // sent at jackFrame, the audio's clock: exact
    std::uint32_t jackFrame = 0;
  };
  struct Learn {
    std::string module, param;
    float min, max;
  };
  struct Learned {
    int controller, channel;
    Learn target;
  };

  // RtMidi's thread (ALSA; JACK goes through onJackProcess), wait-free.
  static void onMessage(double, std::vector<unsigned char>* bytes, void* user) {
    auto* self = static_cast<MidiInput*>(user);
    Arrival a{steadyNowNs(), {}};
    if (bytes && self->accept(bytes->data(), bytes->size(), a.message)) self->push(a);
  }

  // Any thread delivering messages, wait-free: counts what the bytes are; true for a channel message.
  bool accept(const std::uint8_t* bytes, std::size_t size, MidiMessage& out) noexcept {
    switch (parsePortMessage(bytes, size, out)) {
    case PortMessage::kChannel: counters_.received.fetch_add(1, std::memory_order_relaxed); return true;
    case PortMessage::kSystem: counters_.system.fetch_add(1, std::memory_order_relaxed); return false;
    case PortMessage::kMalformed: counters_.malformed.fetch_add(1, std::memory_order_relaxed); return false;
    }
    return false;
  }
  void push(const Arrival& a) noexcept {
    if (!arrivals_.tryPush(a)) counters_.dropped.fetch_add(1, std::memory_order_relaxed);
  }

#ifdef MVM_LIVE_HAVE_JACK
  std::string openJack(const std::string& port, bool audioOnJack) {
    jack_status_t status{};
    jack_ = jack_client_open("mvm-live-midi", JackNoStartServer, &status);
    if (!jack_) return "cannot connect to the JACK server";
    exactFrames_ = audioOnJack;
    jackPort_ = jack_port_register(jack_, "midi_in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
    if (!jackPort_ || jack_set_process_callback(jack_, &MidiInput::onJackProcess, this) != 0) return "cannot register the port midi_in";
    std::string source;
    if (port != "virtual") {
      const char** ports = jack_get_ports(jack_, nullptr, JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput);
      unsigned n = 0;
      for (; ports && ports[n]; ++n)
        if (source.empty() && portMatches(port, n, ports[n])) source = ports[n];
      if (ports) jack_free(ports);
      if (source.empty()) return "no MIDI source '" + port + "' (" + std::to_string(n) + " found; see --list-midi)";
    }
    if (jack_activate(jack_) != 0) return "cannot activate the JACK client mvm-live-midi";
    if (!source.empty() && jack_connect(jack_, source.c_str(), jack_port_name(jackPort_)) != 0) return "cannot connect " + source;
    portName_ = source.empty() ? "virtual port midi_in" : source;
    return {};
  }

  // JACK's process thread, wait-free: each channel message with the JACK frame it was sent at.
  // A real-time thread of JACK's: under the allocation probe of test builds, as the audio callback.
  static int onJackProcess(jack_nframes_t frames, void* user) noexcept {
    AudioThreadScope realtime;
    auto* self = static_cast<MidiInput*>(user);
    void* buffer = jack_port_get_buffer(self->jackPort_, frames);
    const std::uint64_t ns = steadyNowNs();
    const jack_nframes_t periodStart = jack_last_frame_time(self->jack_);
    const std::uint32_t count = jack_midi_get_event_count(buffer);
    for (std::uint32_t i = 0; i < count; ++i) {
      jack_midi_event_t e;
      if (jack_midi_event_get(&e, buffer, i) != 0) continue;
      Arrival a{ns, {}, self->exactFrames_, periodStart + e.time};
      if (self->accept(e.buffer, e.size, a.message)) self->push(a);
    }
    return 0;
  }
#endif

  // False while the PatchManager has not yet recorded the patch of the new generation.
  bool refreshMap() {
    const std::optional<MidiMap> map = patchMidi_();
    if (!map) return false;
    mapper_.setMap(*map, rate_);
    for (const Learned& l : learned_) mapper_.learn(l.controller, l.channel, l.target.module, l.target.param, l.target.min, l.target.max);
    return true;
  }

  void run() {
    std::uint64_t generation = ~std::uint64_t{0};
    std::optional<std::chrono::steady_clock::time_point> confirmAt;
    while (running_) {
      const std::uint64_t g = vm_.counters().generation.load(std::memory_order_relaxed);
      // The PatchManager records the new patch shortly after the VM swaps: read it again 100 ms
      // later, so a map read just before that moment is not kept.
      const auto now = std::chrono::steady_clock::now();
      if (g != generation && refreshMap()) {
        generation = g;
        confirmAt = now + std::chrono::milliseconds(100);
      } else if (confirmAt && now >= *confirmAt) {
        refreshMap();
        confirmAt.reset();
      }
      Arrival a;
      bool any = false;
      while (arrivals_.tryPop(a)) {
        any = true;
        if (a.message.kind() == MidiMessage::kControlChange && a.message.data1 < 120) maybeLearn(a.message);
        const std::uint64_t frame = !clock_.running() ? kFrameNow : a.atJackFrame ? clock_.frameAtJackFrame(a.jackFrame) : clock_.frameAt(a.ns);
        mapper_.map(a.message, frame, [&](const Event& e) {
          if (vm_.postEvent(e)) counters_.events.fetch_add(1, std::memory_order_relaxed);
          else counters_.rejected.fetch_add(1, std::memory_order_relaxed);
        });
      }
      // Arrivals carry their own time stamps: polling adds no timing error, only has to be well
      // within one period (the latency budget of AudioClock).
      if (!any) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }

  void maybeLearn(const MidiMessage& m) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!learn_) return;
    const Learned l{m.data1, m.channel() + 1, *learn_};
    learn_.reset();
    mapper_.learn(l.controller, l.channel, l.target.module, l.target.param, l.target.min, l.target.max);
    std::erase_if(learned_, [&](const Learned& o) { return o.controller == l.controller && o.channel == l.channel; });
    learned_.push_back(l);
    learnReport_ = "learned: CC " + std::to_string(l.controller) + " on channel " + std::to_string(l.channel) + " -> " + l.target.module +
                   "." + l.target.param;
  }

  VM& vm_;
  const AudioClock& clock_;
  double rate_;
  std::function<std::optional<MidiMap>()> patchMidi_;
  std::unique_ptr<RtMidiIn> in_;
#ifdef MVM_LIVE_HAVE_JACK
  jack_client_t* jack_ = nullptr;
  jack_port_t* jackPort_ = nullptr;
  bool exactFrames_ = false;
#endif
  std::string portName_;
  LockFreeQueue<Arrival, 4096> arrivals_;
  MidiMapper mapper_;
  std::vector<Learned> learned_;
  std::mutex mutex_;
  std::optional<Learn> learn_;
  std::string learnReport_;
  MidiInputCounters counters_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

} // namespace mvm::live
