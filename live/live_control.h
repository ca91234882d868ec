#pragma once
// What plays a live session from outside the audio callback: the console on stdin, MIDI in and
// OSC. The MIDI and OSC threads stamp arrivals against the audio clock and post events; this holds
// them and counts what each has lost.
//
// Thread contract: control thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "console.h"
#include "live_drops.h"
#include "live_osc_target.h"
#include "midi_input.h"
#include "mvm/mvm.h"
#include "osc_event_quota.h"
#include "osc_server.h"

namespace mvm::live {

struct LiveControl {
  StdinLines console;
  OscEventQuota oscQuota;
  std::atomic<std::uint64_t> consoleDropped{0}; // as the control loop last read it: status and OSC read it from other threads
  std::unique_ptr<MidiInput> midiIn;
  std::unique_ptr<LiveOscTarget> oscTarget;
  std::unique_ptr<OscDispatcher> oscDispatcher;
  std::unique_ptr<OscServer> oscServer;

  // Everything lost so far to a full queue or a limit; read by the summary, status, /mvm/status, the soak report.
  LiveDrops drops(const VM& vm) const {
    LiveDrops d;
    d.eventsRejected = vm.counters().rejectedEvents.load(std::memory_order_relaxed);
    d.eventsDropped = vm.counters().droppedEvents.load(std::memory_order_relaxed);
    if (oscServer) {
      d.oscKernel = oscServer->counters().kernelDropped.load(std::memory_order_relaxed);
      d.oscHorizon = oscServer->counters().beyondHorizon.load(std::memory_order_relaxed);
    }
    d.oscQuota = oscQuota.refused();
    if (midiIn) d.midi = midiIn->counters().dropped.load(std::memory_order_relaxed);
    d.console = consoleDropped.load(std::memory_order_relaxed);
    return d;
  }

  // Before the PatchManager goes: the OSC thread uses it.
  void stop() {
    if (midiIn) midiIn->stop();
    if (oscServer) oscServer->stop();
  }

  // The summary's account of MIDI and OSC ("MIDI N messages -> M events (L lost), K malformed, S
  // system, OSC …"); empty when neither is on.
  std::string summary() const {
    std::string control;
    if (midiIn)
      control += "MIDI " + std::to_string(midiIn->counters().received.load()) + " messages -> " + std::to_string(midiIn->counters().events.load()) +
                 " events (" + std::to_string(midiIn->counters().rejected.load() + midiIn->counters().dropped.load()) + " lost), " +
                 std::to_string(midiIn->counters().malformed.load()) + " malformed, " + std::to_string(midiIn->counters().system.load()) + " system";
    if (oscServer) {
      const OscCounters& c = oscDispatcher->counters();
      control += std::string(control.empty() ? "" : ", ") + "OSC " + std::to_string(oscServer->counters().packets.load()) + " packets, " +
                 std::to_string(c.received.load()) + " messages (" + std::to_string(c.handled.load()) + " handled, " +
                 std::to_string(c.malformed.load()) + " malformed, " + std::to_string(c.unknown.load()) + " unknown, " +
                 std::to_string(oscServer->counters().badPackets.load()) + " bad packets, " + std::to_string(oscServer->counters().scheduled.load()) +
                 " scheduled)";
    }
    return control;
  }
};

} // namespace mvm::live
