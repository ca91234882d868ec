#pragma once
// Everything mvm-live lost because a queue was full or a limit said no: events the VM could not
// queue or fit in a block, OSC packets the kernel dropped and messages over OSC's quota or beyond
// its horizon, MIDI messages the arrival queue could not hold, console lines over the length cap.
// Nothing is lost in silence: the summary, `status`, /mvm/status and the soak report show it.
//
// Thread contract: any thread reads the counters (relaxed atomics); the line is built by the caller.

#include <cstdint>
#include <string>

namespace mvm::live {

struct LiveDrops {
  std::uint64_t eventsRejected = 0; // VM::postEvent found the queue full (from any source)
  std::uint64_t eventsDropped = 0;  // no room in the VM's pending buffer or the block
  std::uint64_t oscKernel = 0;      // OSC packets dropped by the kernel (socket buffer full)
  std::uint64_t oscQuota = 0;       // OSC events over OSC's share of pending events
  std::uint64_t oscHorizon = 0;     // OSC messages time-tagged beyond the horizon
  std::uint64_t midi = 0;           // MIDI messages the arrival queue could not hold
  std::uint64_t console = 0;        // console lines over the length cap

  std::uint64_t total() const noexcept { return eventsRejected + eventsDropped + oscKernel + oscQuota + oscHorizon + midi + console; }

  // "dropped 0", or "dropped N (events: ...; OSC: ...; MIDI: M; console: C)" naming only what lost something.
  std::string line() const {
    std::string s = "dropped " + std::to_string(total());
    if (total() == 0) return s;
    std::string parts;
    auto part = [&](const std::string& p) { parts += (parts.empty() ? "" : "; ") + p; };
    if (eventsRejected + eventsDropped)
      part("events: " + std::to_string(eventsRejected) + " queue full, " + std::to_string(eventsDropped) + " over the pending buffer or a block");
    if (oscKernel + oscQuota + oscHorizon)
      part("OSC: " + std::to_string(oscKernel) + " packets by the kernel, " + std::to_string(oscQuota) + " events over quota, " +
           std::to_string(oscHorizon) + " beyond the horizon");
    if (midi) part("MIDI: " + std::to_string(midi) + " messages");
    if (console) part("console: " + std::to_string(console) + " over-long lines");
    return s + " (" + parts + ")";
  }
};

} // namespace mvm::live
