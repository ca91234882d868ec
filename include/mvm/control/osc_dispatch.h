#pragma once
// The OSC address space of Madrona VM (docs/midi-osc.md), independent of any OSC library so that
// a server (liblo in mvm-live), a score and a fuzzer all drive the same code: one message, as an
// address and typed arguments, becomes engine events or a command on an OscTarget, and an
// optional reply. Malformed and unknown messages are counted and answered with /mvm/error; no
// input makes it throw or crash. Control threads only (it allocates for replies).
// Replies go to the sender's address and port only (a reply port argument would let a peer aim
// replies at another program); a load's outcome comes later, once compiled (OscReply::later).
//
//   /mvm/param/<module>/<param> f [f ramp-seconds [s curve]]   set or ramp a parameter
//   /mvm/note/on i note i velocity(0..127) [i channel]         velocity as f: 0..1
//   /mvm/note/off i note [i channel]
//   /mvm/patch/load s path                                      → /mvm/patch/loaded s path, or /mvm/error s addr s status
//   /mvm/patch/rollback                                         → /mvm/patch/rolledback, or /mvm/error
//   /mvm/status                                                 → /mvm/status i gen f load% i xruns i voices i dropped
//   /mvm/meter                                                  → /mvm/meter (s id f peak f rms f held-peak)...

#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mvm/control/meter_levels.h"
#include "mvm/core/event.h"
#include "mvm/core/hash.h"
#include "mvm/core/message_text.h"
#include "mvm/dsp/module_descriptor.h"

namespace mvm {

// One OSC argument. Numbers of types i, h, f, d are all accepted where a number is expected;
// T/F as 1/0.
struct OscArg {
  char type = 'i';
  std::int64_t i = 0;
  double f = 0.0;
  std::string s;

  static OscArg integer(std::int64_t v) { OscArg a; a.type = 'i'; a.i = v; a.f = static_cast<double>(v); return a; }
  static OscArg real(double v) {
    OscArg a;
    a.type = 'f';
    a.f = v;
    a.i = std::isfinite(v) && std::fabs(v) < 9e18 ? static_cast<std::int64_t>(v) : 0; // never UB
    return a;
  }
  static OscArg string(std::string v) { OscArg a; a.type = 's'; a.s = std::move(v); return a; }
  bool isNumber() const noexcept { return type == 'i' || type == 'h' || type == 'f' || type == 'd' || type == 'T' || type == 'F'; }
  bool isInteger() const noexcept { return type == 'i' || type == 'h'; }
  bool isString() const noexcept { return type == 's' || type == 'S'; }
};

struct OscReply;

// A reply that is not known yet (a load being compiled): the server asks poll() now and then,
// never waiting, until it gives the reply.
class OscPendingReply {
public:
  virtual ~OscPendingReply() = default;
  // True once final; `out` is then the reply (its address may be empty: none).
  virtual bool poll(OscReply& out) = 0;
};

struct OscReply {
  std::string address; // empty: no reply (now)
  std::vector<OscArg> args;
  std::shared_ptr<OscPendingReply> later; // set: the reply comes later, from this
};

struct OscStatus {
  std::uint64_t generation = 0;
  float loadPercent = 0.0f; // callback load (p99 of the recent window, or the latest)
  std::uint64_t xruns = 0;
  int voices = 0;           // voices held by VoiceControllers
  std::uint64_t dropped = 0; // events, OSC packets and messages, MIDI messages, console lines lost to a full queue or a quota
};

// What a target says to a patch load or rollback: refused now (a short status, never a file's
// content), done now, or under way (`outcome` is polled until it gives the final status: empty
// for done, else a short status).
struct OscLoad {
  std::string refusal;
  std::function<std::optional<std::string>()> outcome;
};

// What the address space acts on: mvm-live (live/), a score (events only), a test.
class OscTarget {
public:
  virtual ~OscTarget() = default;
  // Queue an event; false when it could not be queued (reported as an error).
  virtual bool post(const Event& e) = 0;
  // The parameter's descriptor when the playing patch has it, else nullptr.
  virtual const ParamDescriptor* findParam(std::string_view module, std::string_view param) = 0;
  // Targets without patches refuse, saying so.
  virtual OscLoad loadPatch(const std::string& path) = 0;
  virtual OscLoad rollback() = 0;
  virtual std::optional<OscStatus> status() = 0;
  // The playing patch's Meter levels; targets without meters have none.
  virtual std::vector<MeterLevel> meters() { return {}; }
};

struct OscCounters {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> handled{0};
  std::atomic<std::uint64_t> malformed{0}; // known address, wrong arguments or values
  std::atomic<std::uint64_t> unknown{0};   // no such address
};

class OscDispatcher {
public:
  OscDispatcher(OscTarget& target, double sampleRate) : target_(target), rate_(sampleRate) {}

  // One message; `frame` is when its events apply (kFrameNow: the next block).
  OscReply handle(std::string_view address, std::span<const OscArg> args, std::uint64_t frame = kFrameNow) {
    counters_.received.fetch_add(1, std::memory_order_relaxed);
    std::string error;
    bool known = true;
    OscReply reply = dispatch(address, args, frame, error, known);
    if (error.empty()) {
      counters_.handled.fetch_add(1, std::memory_order_relaxed);
      return reply;
    }
    (known ? counters_.malformed : counters_.unknown).fetch_add(1, std::memory_order_relaxed);
    return errorReply(address, error);
  }

  // /mvm/error s ADDRESS s CAUSE (the address as far as 256 bytes).
  static OscReply errorReply(std::string_view address, const std::string& cause) {
    OscReply e;
    e.address = "/mvm/error";
    e.args.push_back(OscArg::string(std::string(address.substr(0, 256))));
    e.args.push_back(OscArg::string(cause));
    return e;
  }

  const OscCounters& counters() const noexcept { return counters_; }
  double sampleRate() const noexcept { return rate_; }

private:
  static bool consume(std::string_view& s, std::string_view prefix) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    return true;
  }
  // A load or rollback under way: polled by the server until the target knows the outcome.
  class PendingLoad final : public OscPendingReply {
  public:
    PendingLoad(std::string address, OscReply done, std::function<std::optional<std::string>()> outcome)
        : address_(std::move(address)), done_(std::move(done)), outcome_(std::move(outcome)) {}
    bool poll(OscReply& out) override {
      const std::optional<std::string> status = outcome_();
      if (!status) return false;
      out = status->empty() ? done_ : errorReply(address_, *status);
      return true;
    }

  private:
    std::string address_;
    OscReply done_;
    std::function<std::optional<std::string>()> outcome_;
  };

  static OscReply loadReply(std::string_view address, OscLoad load, OscReply done, std::string& error) {
    if (!load.refusal.empty()) {
      error = std::move(load.refusal);
      return {};
    }
    if (!load.outcome) return done;
    OscReply r;
    r.later = std::make_shared<PendingLoad>(std::string(address), std::move(done), std::move(load.outcome));
    return r;
  }

  static std::string num(double x) {
    std::string s = std::to_string(x);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  OscReply dispatch(std::string_view address, std::span<const OscArg> args, std::uint64_t frame, std::string& error, bool& known) {
    std::string_view rest = address;
    OscReply none;
    if (consume(rest, "/mvm/param/")) {
      const auto slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size() || rest.find('/', slash + 1) != std::string_view::npos) {
        error = "expected /mvm/param/<module>/<param>";
        return none;
      }
      param(rest.substr(0, slash), rest.substr(slash + 1), args, frame, error);
      return none;
    }
    if (address == "/mvm/note/on" || address == "/mvm/note/off") {
      note(address == "/mvm/note/on", args, frame, error);
      return none;
    }
    if (address == "/mvm/patch/load") {
      if (args.size() != 1 || !args[0].isString()) {
        error = "expected one string argument: the patch file";
        return none;
      }
      OscReply done;
      done.address = "/mvm/patch/loaded";
      done.args.push_back(OscArg::string(args[0].s.substr(0, 256))); // the peer's own words, bounded
      return loadReply(address, target_.loadPatch(args[0].s), std::move(done), error);
    }
    if (address == "/mvm/patch/rollback") {
      if (!args.empty()) {
        error = "expects no arguments";
        return none;
      }
      OscReply done;
      done.address = "/mvm/patch/rolledback";
      return loadReply(address, target_.rollback(), std::move(done), error);
    }
    if (address == "/mvm/status" || address == "/mvm/meter") {
      OscReply r;
      if (!args.empty()) {
        error = "expects no arguments (replies go to the sender's address and port)";
        return none;
      }
      r.address = std::string(address);
      if (address == "/mvm/meter") {
        for (const MeterLevel& m : target_.meters()) {
          r.args.push_back(OscArg::string(m.id));
          r.args.push_back(OscArg::real(m.reading.peak));
          r.args.push_back(OscArg::real(m.reading.rms));
          r.args.push_back(OscArg::real(m.reading.peakHold));
        }
        return r;
      }
      const std::optional<OscStatus> s = target_.status();
      if (!s) {
        error = "no status here";
        return none;
      }
      r.args.push_back(OscArg::integer(static_cast<std::int64_t>(s->generation & 0x7FFFFFFF)));
      r.args.push_back(OscArg::real(s->loadPercent));
      r.args.push_back(OscArg::integer(static_cast<std::int64_t>(s->xruns & 0x7FFFFFFF)));
      r.args.push_back(OscArg::integer(s->voices));
      r.args.push_back(OscArg::integer(static_cast<std::int64_t>(s->dropped & 0x7FFFFFFF)));
      return r;
    }
    known = false;
    error = "unknown address (expected /mvm/param/..., /mvm/note/on|off, /mvm/patch/load|rollback, /mvm/status, /mvm/meter)";
    return none;
  }

  void param(std::string_view module, std::string_view name, std::span<const OscArg> args, std::uint64_t frame, std::string& error) {
    if (args.empty() || args.size() > 3 || !args[0].isNumber() || (args.size() >= 2 && !args[1].isNumber()) ||
        (args.size() == 3 && !args[2].isString())) {
      error = "expected f value [f ramp-seconds [s linear|exponential]]";
      return;
    }
    const ParamDescriptor* pd = target_.findParam(module, name);
    if (!pd) {
      error = "the patch has no parameter " + messageExcerpt(module) + "." + messageExcerpt(name);
      return;
    }
    if (pd->fixedAtLoad) {
      error = pd->fixedAtLoadCause(std::string(module));
      return;
    }
    const double v = args[0].f;
    if (!pd->accepts(v)) {
      error = shortestDecimal(v) + " is out of range " + pd->rangeText() + " of " + messageExcerpt(module) + "." + messageExcerpt(name);
      return;
    }
    Event e;
    e.frame = frame;
    e.type = EventType::ParamSet;
    e.value = static_cast<float>(v);
    e.moduleKey = fnv1a64(module);
    e.paramKey = fnv1a64(name);
    if (args.size() >= 2) {
      const double ramp = args[1].f;
      if (!std::isfinite(ramp) || ramp < 0 || ramp > 3600) {
        error = "ramp " + num(ramp) + " s is out of range [0, 3600]";
        return;
      }
      e.rampFrames = static_cast<std::int32_t>(std::llround(ramp * rate_));
    }
    if (args.size() == 3) {
      if (args[2].s == "exponential" || args[2].s == "exp") e.curve = RampCurve::Exponential;
      else if (args[2].s != "linear" && args[2].s != "lin") {
        error = "curve " + inQuotes(args[2].s) + ": expected linear or exponential";
        return;
      }
    }
    if (!target_.post(e)) error = kNotQueued;
  }

  static constexpr const char* kNotQueued = "the event was not queued (the queue is full, or this sender's share of pending events is used up)";

  void note(bool on, std::span<const OscArg> args, std::uint64_t frame, std::string& error) {
    const std::size_t need = on ? 2 : 1;
    bool ok = args.size() >= need && args.size() <= need + 1 && args[0].isInteger();
    for (std::size_t k = 1; ok && k < args.size(); ++k) ok = args[k].isNumber();
    if (!ok) {
      error = on ? "expected i note, i velocity (0..127, or f 0..1) [, i channel]" : "expected i note [, i channel]";
      return;
    }
    if (args[0].i < 0 || args[0].i > 127) {
      error = "note " + std::to_string(args[0].i) + " is out of range [0, 127]";
      return;
    }
    Event e;
    e.frame = frame;
    e.type = on ? EventType::NoteOn : EventType::NoteOff;
    e.key = static_cast<std::uint8_t>(args[0].i);
    if (on) {
      const double v = args[1].isInteger() ? static_cast<double>(args[1].i) / 127.0 : args[1].f;
      if (!(v >= 0.0 && v <= 1.0)) {
        error = "velocity out of range (0..127, or 0..1 as a float)";
        return;
      }
      e.value = static_cast<float>(v);
    }
    if (args.size() == need + 1) {
      const double ch = args[need].f;
      if (!(ch >= 0 && ch <= 16) || ch != std::floor(ch)) {
        error = "channel out of range [0, 16]";
        return;
      }
      e.channel = static_cast<std::uint8_t>(ch);
    }
    if (!target_.post(e)) error = kNotQueued;
  }

  OscTarget& target_;
  double rate_;
  OscCounters counters_;
};

} // namespace mvm
