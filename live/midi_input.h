#pragma once
// mvm-live's MIDI input (--midi-in): RtMidi (JACK or ALSA) delivers each message on its own
// thread (with JACK, inside JACK's process callback), where it is only stamped with the steady
// clock and pushed into a lock-free queue; a MIDI thread of ours maps it through the patch's
// MidiMapper at the frame the AudioClock gives for its arrival and posts the events to the VM
// (lock-free). MIDI learn and patch changes are handled on that thread too.
//
// Thread contract: open/start/stop/armLearn/takeLearnReport on the control thread; the RtMidi
// callback is wait-free; the MIDI thread owns the mapper.

#include <RtMidi.h>

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
#include "mvm/rt/lock_free_queue.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

struct MidiInputCounters {
  std::atomic<std::uint64_t> received{0};  // channel messages from the port
  std::atomic<std::uint64_t> dropped{0};   // the arrival queue was full
  std::atomic<std::uint64_t> events{0};    // engine events posted
  std::atomic<std::uint64_t> rejected{0};  // the VM's queue was full
};

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
  // "virtual" (a port named mvm-live:midi_in that other programs connect to). Empty or the cause.
  std::string open(RtMidi::Api api, const std::string& port) {
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
      const bool number = !port.empty() && port.find_first_not_of("0123456789") == std::string::npos;
      for (unsigned i = 0; i < n && !found; ++i)
        if (number ? std::to_string(i) == port : in_->getPortName(i).find(port) != std::string::npos) found = i;
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
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
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

private:
  struct Arrival {
    std::uint64_t ns;
    MidiMessage message;
  };
  struct Learn {
    std::string module, param;
    float min, max;
  };
  struct Learned {
    int controller, channel;
    Learn target;
  };

  // RtMidi's thread (with JACK: its process callback), wait-free.
  static void onMessage(double, std::vector<unsigned char>* bytes, void* user) {
    auto* self = static_cast<MidiInput*>(user);
    const std::uint64_t ns = steadyNowNs();
    if (!bytes || bytes->empty() || (*bytes)[0] < 0x80 || (*bytes)[0] >= 0xF0) return;
    Arrival a{ns, {(*bytes)[0], bytes->size() > 1 ? (*bytes)[1] : std::uint8_t{0}, bytes->size() > 2 ? (*bytes)[2] : std::uint8_t{0}}};
    self->counters_.received.fetch_add(1, std::memory_order_relaxed);
    if (!self->arrivals_.tryPush(a)) self->counters_.dropped.fetch_add(1, std::memory_order_relaxed);
  }

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
        const std::uint64_t frame = clock_.running() ? clock_.frameAt(a.ns) : kFrameNow;
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
