#include "mvm/control/osc_dispatch.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "mvm/dsp/builtin_modules.h"

using namespace mvm;

namespace {

// A target that plays a Gain "g" and records what the address space asks of it.
class RecordingTarget final : public OscTarget {
public:
  bool post(const Event& e) override {
    events.push_back(e);
    return !queueFull;
  }
  const ParamDescriptor* findParam(std::string_view module, std::string_view param) override {
    if (module != "g" && module != "keys") return nullptr;
    const ModuleDescriptor* d = builtinModules().find(module == "g" ? "Gain" : "VoiceController")->descriptor;
    const int p = d->findParam(std::string(param));
    return p < 0 ? nullptr : &d->params[static_cast<std::size_t>(p)];
  }
  OscLoad loadPatch(const std::string& path) override {
    loaded.push_back(path);
    if (path == "bad.json") return {"invalid patch at line 1 column 2", {}};
    if (path != "slow.json") return {};
    return {"", [this]() -> std::optional<std::string> {
              if (!compiled) return std::nullopt;
              return outcome;
            }};
  }
  OscLoad rollback() override {
    ++rollbacks;
    return {};
  }
  std::optional<OscStatus> status() override { return OscStatus{7, 12.5f, 3, 2, 41}; }
  std::vector<MeterLevel> meters() override { return {{"m1", {0.5f, 0.25f, 0.75f}}, {"m2", {0.0f, 0.0f, 0.125f}}}; }

  std::vector<Event> events;
  std::vector<std::string> loaded;
  int rollbacks = 0;
  bool queueFull = false;
  bool compiled = false;   // slow.json: the compile is done
  std::string outcome;     // slow.json: its final status

};

OscReply send(OscDispatcher& d, const std::string& address, std::vector<OscArg> args, std::uint64_t frame = kFrameNow) {
  return d.handle(address, args, frame);
}

} // namespace

TEST(OscDispatch, ParametersAreSetAndRampedAtTheirFrame) {
  RecordingTarget t;
  OscDispatcher d(t, 48000);
  EXPECT_TRUE(send(d, "/mvm/param/g/gain", {OscArg::real(0.5)}, 960).address.empty());
  EXPECT_TRUE(send(d, "/mvm/param/g/gain", {OscArg::real(2.0), OscArg::real(0.25), OscArg::string("exponential")}).address.empty());
  EXPECT_TRUE(send(d, "/mvm/param/g/gain", {OscArg::integer(1), OscArg::integer(0)}).address.empty());
  ASSERT_EQ(t.events.size(), 3u);
  EXPECT_EQ(t.events[0].type, EventType::ParamSet);
  EXPECT_EQ(t.events[0].frame, 960u);
  EXPECT_EQ(t.events[0].moduleKey, fnv1a64("g"));
  EXPECT_EQ(t.events[0].paramKey, fnv1a64("gain"));
  EXPECT_EQ(t.events[0].rampFrames, kDefaultRamp);
  EXPECT_FLOAT_EQ(t.events[1].value, 2.0f);
  EXPECT_EQ(t.events[1].rampFrames, 12000);
  EXPECT_EQ(t.events[1].curve, RampCurve::Exponential);
  EXPECT_EQ(t.events[1].frame, kFrameNow);
  EXPECT_EQ(t.events[2].rampFrames, 0);
  EXPECT_EQ(t.events[2].curve, RampCurve::Linear);
  EXPECT_EQ(d.counters().handled.load(), 3u);
}

TEST(OscDispatch, NotesPatchesAndStatus) {
  RecordingTarget t;
  OscDispatcher d(t, 48000);
  send(d, "/mvm/note/on", {OscArg::integer(60), OscArg::integer(127)});
  send(d, "/mvm/note/on", {OscArg::integer(62), OscArg::real(0.5), OscArg::integer(3)});
  send(d, "/mvm/note/off", {OscArg::integer(60)});
  ASSERT_EQ(t.events.size(), 3u);
  EXPECT_EQ(t.events[0].type, EventType::NoteOn);
  EXPECT_FLOAT_EQ(t.events[0].value, 1.0f);
  EXPECT_FLOAT_EQ(t.events[1].value, 0.5f);
  EXPECT_EQ(t.events[1].channel, 3);
  EXPECT_EQ(t.events[2].type, EventType::NoteOff);
  EXPECT_EQ(send(d, "/mvm/patch/load", {OscArg::string("next.json")}).address, "/mvm/patch/loaded");
  const OscReply bad = send(d, "/mvm/patch/load", {OscArg::string("bad.json")});
  EXPECT_EQ(bad.address, "/mvm/error");
  EXPECT_EQ(bad.args.at(1).s, "invalid patch at line 1 column 2");
  EXPECT_EQ(send(d, "/mvm/patch/rollback", {}).address, "/mvm/patch/rolledback");
  EXPECT_EQ(t.rollbacks, 1);
  const OscReply s = send(d, "/mvm/status", {});
  ASSERT_EQ(s.address, "/mvm/status");
  ASSERT_EQ(s.args.size(), 5u);
  EXPECT_EQ(s.args[0].i, 7);
  EXPECT_DOUBLE_EQ(s.args[1].f, 12.5);
  EXPECT_EQ(s.args[2].i, 3);
  EXPECT_EQ(s.args[3].i, 2);
  EXPECT_EQ(s.args[4].i, 41); // dropped
  // Meters: id, peak, rms and held peak, a group of four per meter.
  const OscReply m = send(d, "/mvm/meter", {});
  ASSERT_EQ(m.address, "/mvm/meter");
  ASSERT_EQ(m.args.size(), 8u);
  EXPECT_EQ(m.args[0].s, "m1");
  EXPECT_DOUBLE_EQ(m.args[1].f, 0.5);
  EXPECT_DOUBLE_EQ(m.args[2].f, 0.25);
  EXPECT_DOUBLE_EQ(m.args[3].f, 0.75);
  EXPECT_EQ(m.args[4].s, "m2");
  EXPECT_DOUBLE_EQ(m.args[7].f, 0.125);
  EXPECT_EQ(send(d, "/mvm/meter", {OscArg::string("x")}).address, "/mvm/error");
}

TEST(OscDispatch, MalformedAndUnknownMessagesAreCountedAndAnswered) {
  RecordingTarget t;
  OscDispatcher d(t, 48000);
  struct Case {
    std::string address;
    std::vector<OscArg> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"/mvm/param/g/gain", {}, "expected f value"},
      {"/mvm/param/g/gain", {OscArg::string("loud")}, "expected f value"},
      {"/mvm/param/g/gain", {OscArg::real(99)}, "99 is out of range [-16, 16] of g.gain"},
      {"/mvm/param/g/gain", {OscArg::real(1), OscArg::real(-1)}, "ramp -1 s is out of range"},
      {"/mvm/param/g/gain", {OscArg::real(1), OscArg::real(1), OscArg::string("cubic")}, "expected linear or exponential"},
      {"/mvm/param/x/gain", {OscArg::real(1)}, "the patch has no parameter x.gain"},
      {"/mvm/param/keys/voices", {OscArg::real(4)}, "keys.voices is fixed when the patch loads"},
      {"/mvm/param/g", {OscArg::real(1)}, "expected /mvm/param/<module>/<param>"},
      {"/mvm/param/g/gain/more", {OscArg::real(1)}, "expected /mvm/param/<module>/<param>"},
      {"/mvm/note/on", {OscArg::integer(60)}, "expected i note, i velocity"},
      {"/mvm/note/on", {OscArg::integer(200), OscArg::integer(1)}, "note 200 is out of range"},
      {"/mvm/note/on", {OscArg::integer(60), OscArg::integer(300)}, "velocity out of range"},
      {"/mvm/note/off", {OscArg::real(60)}, "expected i note"},
      {"/mvm/patch/load", {}, "expected one string argument"},
      {"/mvm/patch/rollback", {OscArg::integer(1)}, "expects no arguments"},
      // A reply port would let a peer aim replies at another program: replies go to the sender only.
      {"/mvm/status", {OscArg::integer(70000)}, "replies go to the sender's address and port"},
      {"/mvm/status", {OscArg::integer(9123)}, "replies go to the sender's address and port"},
      {"/mvm/meter", {OscArg::integer(9124)}, "replies go to the sender's address and port"},
  };
  for (const Case& c : cases) {
    const OscReply r = d.handle(c.address, c.args);
    ASSERT_EQ(r.address, "/mvm/error") << c.address;
    EXPECT_EQ(r.args.at(0).s, c.address);
    EXPECT_NE(r.args.at(1).s.find(c.error), std::string::npos) << r.args.at(1).s;
  }
  EXPECT_EQ(d.counters().malformed.load(), cases.size());
  EXPECT_EQ(send(d, "/synth/freq", {OscArg::real(1)}).address, "/mvm/error");
  EXPECT_EQ(d.counters().unknown.load(), 1u);
  EXPECT_TRUE(t.events.empty());
  t.queueFull = true;
  EXPECT_EQ(send(d, "/mvm/note/on", {OscArg::integer(60), OscArg::integer(1)}).args.at(1).s.rfind("the event was not queued", 0), 0u);
}

// A load that compiles: no reply now (the server's thread never waits), the outcome when polled.
TEST(OscDispatch, ALoadUnderWayIsAnsweredLaterWithoutWaiting) {
  RecordingTarget t;
  OscDispatcher d(t, 48000);
  for (const char* outcome : {"", "invalid patch at line 3 column 9"}) {
    t.compiled = false;
    t.outcome = outcome;
    const OscReply r = send(d, "/mvm/patch/load", {OscArg::string("slow.json")});
    EXPECT_TRUE(r.address.empty());
    ASSERT_TRUE(r.later);
    OscReply later;
    EXPECT_FALSE(r.later->poll(later));
    t.compiled = true;
    ASSERT_TRUE(r.later->poll(later));
    if (std::string(outcome).empty()) {
      EXPECT_EQ(later.address, "/mvm/patch/loaded");
      EXPECT_EQ(later.args.at(0).s, "slow.json");
    } else {
      EXPECT_EQ(later.address, "/mvm/error");
      EXPECT_EQ(later.args.at(0).s, "/mvm/patch/load");
      EXPECT_EQ(later.args.at(1).s, outcome);
    }
  }
}

// Random addresses and arguments: every message is either handled or answered with an error.
TEST(OscDispatch, RandomMessagesNeverThrow) {
  RecordingTarget t;
  OscDispatcher d(t, 48000);
  std::mt19937 rng(8);
  const char* pieces[] = {"/mvm", "/param", "/g", "/gain", "/note", "/on", "/off", "/status", "/patch", "/load", "/", "", "x"};
  std::uint64_t errors = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string address;
    for (int k = static_cast<int>(rng() % 5); k >= 0; --k) address += pieces[rng() % std::size(pieces)];
    std::vector<OscArg> args;
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
      switch (rng() % 4) {
      case 0: args.push_back(OscArg::integer(static_cast<std::int32_t>(rng()))); break;
      case 1: args.push_back(OscArg::real(std::ldexp(static_cast<double>(static_cast<std::int32_t>(rng())), static_cast<int>(rng() % 80) - 40))); break;
      case 2: args.push_back(OscArg::real(std::numeric_limits<double>::quiet_NaN())); break;
      default: args.push_back(OscArg::string(std::string(rng() % 3, 'e'))); break;
      }
    }
    const OscReply r = d.handle(address, args);
    errors += r.address == "/mvm/error";
  }
  EXPECT_EQ(d.counters().received.load(), 20000u);
  EXPECT_EQ(d.counters().handled.load() + d.counters().malformed.load() + d.counters().unknown.load(), 20000u);
  EXPECT_EQ(d.counters().malformed.load() + d.counters().unknown.load(), errors);
  EXPECT_GT(errors, 0u);
}
