// live/console.h and live/live_commands.h: mvm-live's console, without audio. The VM is driven
// by hand (VM::process), the PatchManager compiles on its own thread as in the runner.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "console.h"
#include "live_commands.h"
#include "mvm/mvm.h"

using namespace mvm;
using mvm::live::CommandTable;
using mvm::live::ConsoleError;
using mvm::live::StdinLines;

TEST(Console, SplitsWordsAndKeepsQuotedBlanks) {
  EXPECT_EQ(mvm::live::splitCommandLine("  set  osc.freq\t440 "), (std::vector<std::string>{"set", "osc.freq", "440"}));
  EXPECT_EQ(mvm::live::splitCommandLine("load \"my patches/a b.json\""), (std::vector<std::string>{"load", "my patches/a b.json"}));
  EXPECT_TRUE(mvm::live::splitCommandLine("   ").empty());
  EXPECT_THROW(mvm::live::splitCommandLine("load \"open"), ConsoleError);
}

TEST(Console, ParsesNotesByNumberAndName) {
  EXPECT_EQ(mvm::live::parseNoteKey("60"), 60);
  EXPECT_EQ(mvm::live::parseNoteKey("C4"), 60);
  EXPECT_EQ(mvm::live::parseNoteKey("A4"), 69);
  EXPECT_EQ(mvm::live::parseNoteKey("F#3"), 54);
  EXPECT_EQ(mvm::live::parseNoteKey("Bb2"), 46);
  EXPECT_EQ(mvm::live::parseNoteKey("C-1"), 0);
  EXPECT_THROW(mvm::live::parseNoteKey("128"), ConsoleError);
  EXPECT_THROW(mvm::live::parseNoteKey("60.5"), ConsoleError);
  EXPECT_THROW(mvm::live::parseNoteKey("H2"), ConsoleError);
  EXPECT_THROW(mvm::live::parseNoteKey("C"), ConsoleError);
  EXPECT_EQ(mvm::live::parseNoteKey("G9"), 127);
  EXPECT_THROW(mvm::live::parseNoteKey("G#9"), ConsoleError);
}

TEST(Console, TableRunsCommandsAndSaysClearlyWhatIsWrong) {
  CommandTable t;
  std::vector<std::string> seen;
  t.add({"echo", "echo WORD", "repeat a word", [&](const std::vector<std::string>& a) {
           mvm::live::expectArgs(a, 1, 1);
           seen.push_back(a[0]);
           return "said " + a[0];
         }});
  t.add({"bye", "bye", "leave", [](const std::vector<std::string>&) { return std::string(); }, true});
  auto r = t.execute("echo hi");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.text, "said hi");
  EXPECT_FALSE(r.quit);
  r = t.execute("echo");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "missing argument (usage: echo WORD)");
  r = t.execute("echo a b");
  EXPECT_EQ(r.text, "too many arguments (usage: echo WORD)");
  r = t.execute("shout x");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "unknown command 'shout' (try 'help')");
  EXPECT_TRUE(t.execute("").ok);
  EXPECT_TRUE(t.execute("# a comment").ok);
  EXPECT_TRUE(t.execute("bye").quit);
  EXPECT_EQ(seen, (std::vector<std::string>{"hi"}));
  // A command added later (as another part of the runner would, e.g. `learn`) is listed by help.
  t.add({"learn", "learn MODULE.PARAM", "map the next controller moved", [](const std::vector<std::string>&) { return std::string("ok"); }});
  EXPECT_NE(t.helpText().find("learn MODULE.PARAM"), std::string::npos);
  EXPECT_NE(t.helpText().find("echo WORD"), std::string::npos);
}

// Whatever a command's error quotes (a word typed or pasted: escapes, a carriage return, a line
// separator, invalid UTF-8), the reply stays one line and cannot drive the terminal.
TEST(Console, ErrorRepliesEscapeWhatTheyQuote) {
  CommandTable t;
  t.add({"fail", "fail WORD", "always refuses", [](const std::vector<std::string>& a) -> std::string {
           throw ConsoleError("no such thing '" + a.at(0) + "'");
         }});
  for (const std::string word : {"\x1b[2J", "a\rb", "x\xe2\x80\xa8y", "\xff\xfe", "\x9b" "31m"}) {
    for (const std::string& line : {"fail \"" + word + "\"", "\"" + word + "\""}) {
      const auto r = t.execute(line);
      EXPECT_FALSE(r.ok) << line;
      for (const char c : r.text) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << r.text;
      EXPECT_EQ(r.text.find("\xe2\x80\xa8"), std::string::npos) << r.text;
      EXPECT_EQ(r.text.find("\xff"), std::string::npos) << r.text;
    }
  }
  EXPECT_EQ(t.execute("fail \"\x1b[2J\"").text, "no such thing '\\x1b[2J'");
  EXPECT_EQ(t.execute("note on \x1b").text.find('\x1b'), std::string::npos);
}

TEST(StdinLines, ReadsWholeLinesWithoutBlockingAndEndsAtEof) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  StdinLines in(fds[0]);
  EXPECT_TRUE(in.poll().empty()); // nothing written: returns at once
  ASSERT_EQ(::write(fds[1], "status\nset a.b", 14), 14);
  EXPECT_EQ(in.poll(), (std::vector<std::string>{"status"}));
  ASSERT_EQ(::write(fds[1], " 1\nquit", 7), 7);
  EXPECT_EQ(in.poll(), (std::vector<std::string>{"set a.b 1"}));
  ::close(fds[1]);
  EXPECT_EQ(in.poll(), (std::vector<std::string>{"quit"})); // the last line needs no newline
  EXPECT_FALSE(in.open());
  EXPECT_TRUE(in.poll().empty());
  ::close(fds[0]);
}

TEST(StdinLines, DevNullAndAClosedDescriptorMeanNoConsole) {
  const int devNull = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(devNull, 0);
  StdinLines fromNull(devNull);
  EXPECT_TRUE(fromNull.poll().empty());
  EXPECT_FALSE(fromNull.open());
  ::close(devNull);
  StdinLines closed(devNull); // no longer a descriptor
  EXPECT_TRUE(closed.poll().empty());
  EXPECT_FALSE(closed.open());
}

namespace {

const char* kPoly = R"({"format": "mvm-patch", "version": 1, "name": "console test", "seed": 1,
  "modules": [
    {"id": "keys", "type": "VoiceController", "params": {"voices": 4}},
    {"id": "osc", "type": "SineGen", "params": {"freq": 220, "amp": 0.2}},
    {"id": "flt", "type": "SVF", "params": {"cutoff": 800}},
    {"id": "out", "type": "AudioOut"}
  ],
  "connections": [{"from": "keys.pitch", "to": "osc.pitch"}, {"from": "osc.out", "to": "flt.in"}, {"from": "flt.lp", "to": "out.left"}]
})";

struct Rig {
  VM vm;
  PatchManager manager{vm, CompileOptions{}, builtinModules()};
  CommandTable table;
  std::vector<std::string> tracked;
  std::vector<SwapHandle> handles;
  std::vector<float> left = std::vector<float>(256), right = std::vector<float>(256);

  Rig() {
    mvm::live::LiveCommandContext ctx;
    ctx.vm = &vm;
    ctx.manager = &manager;
    ctx.track = [this](SwapHandle h, const std::string& what) {
      tracked.push_back(what);
      handles.push_back(h);
    };
    ctx.status = [] { return std::string("status line"); };
    mvm::live::addLiveCommands(table, ctx);
  }
  void process(int blocks = 4) {
    float* out[2] = {left.data(), right.data()};
    for (int i = 0; i < blocks; ++i) vm.process(nullptr, out, 256);
  }
  // Runs the audio side until the request is final.
  SwapState settle(const SwapHandle& h) {
    for (int i = 0; i < 2000 && !SwapHandle::isFinal(h.state()); ++i) {
      process(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return h.state();
  }
};

} // namespace

TEST(LiveCommands, SetChecksModuleParameterAndRangeThenReachesTheProgram) {
  Rig rig;
  ASSERT_EQ(rig.settle(rig.manager.loadPatchFromString(kPoly)), SwapState::Faded);
  auto r = rig.table.execute("set flt.cutoff 2500");
  EXPECT_TRUE(r.ok) << r.text;
  EXPECT_EQ(r.text, "flt.cutoff = 2500");
  rig.process(8);
  EXPECT_EQ(rig.vm.counters().unmatchedEvents.load(), 0u);
  const Program& p = *rig.vm.program();
  EXPECT_EQ(p.params[static_cast<std::size_t>(p.findParamSlot(fnv1a64("flt"), fnv1a64("cutoff")))].smoother.target(), 2500.0f);

  r = rig.table.execute("set nope.cutoff 1");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "no module 'nope' in the patch playing");
  r = rig.table.execute("set flt.width 1");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.text.find("SVF 'flt' has no parameter 'width' (it has: "), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("cutoff"), std::string::npos) << r.text;
  r = rig.table.execute("set flt.cutoff loud");
  EXPECT_EQ(r.text, "value 'loud' is not a number");
  r = rig.table.execute("set flt.cutoff 1e9");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.text.find("flt.cutoff: 1e9 is outside ["), std::string::npos) << r.text;
  r = rig.table.execute("set fltcutoff 3");
  EXPECT_EQ(r.text, "'fltcutoff': expected MODULE.PARAM (usage: set MODULE.PARAM VALUE)");
  r = rig.table.execute("set keys.voices 4"); // a channel count: read once, when the patch loads
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "keys.voices is fixed when the patch loads (it sets the channel count): set it in the patch's \"params\"");
  r = rig.table.execute("set keys.mode mono"); // a stepped parameter by its name
  EXPECT_TRUE(r.ok) << r.text;
  EXPECT_EQ(r.text, "keys.mode = 1");
}

TEST(LiveCommands, NotesReachTheVoiceController) {
  Rig rig;
  ASSERT_EQ(rig.settle(rig.manager.loadPatchFromString(kPoly)), SwapState::Faded);
  EXPECT_TRUE(rig.table.execute("note on C4").ok);
  EXPECT_TRUE(rig.table.execute("note on 64 20").ok);
  rig.process();
  EXPECT_EQ(rig.vm.counters().activeVoices.load(), 2);
  EXPECT_TRUE(rig.table.execute("note off 60").ok);
  rig.process();
  EXPECT_EQ(rig.vm.counters().activeVoices.load(), 1);
  EXPECT_EQ(rig.table.execute("note on 60 0").text, "velocity 0: expected 1..127");
  EXPECT_EQ(rig.table.execute("note up 60").text, "'up': expected on or off (usage: note on KEY [VEL] | note off KEY)");
  EXPECT_EQ(rig.table.execute("note off 60 3").text, "too many arguments (usage: note on KEY [VEL] | note off KEY)");
  EXPECT_EQ(rig.table.execute("note on 200").text, "note 200: expected 0..127 or a name like C4");
}

TEST(LiveCommands, LoadAndRollbackGoThroughThePatchManagerAndAreTracked) {
  Rig rig;
  EXPECT_EQ(rig.table.execute("rollback").text, "there is no previous patch to roll back to");
  ASSERT_EQ(rig.settle(rig.manager.loadPatchFromString(kPoly)), SwapState::Faded);
  const std::string demo = std::string(MVM_SOURCE_DIR) + "/patches/demo.json";
  auto r = rig.table.execute("load " + demo);
  EXPECT_TRUE(r.ok);
  ASSERT_EQ(rig.tracked.size(), 1u);
  EXPECT_EQ(rig.tracked[0], demo);
  EXPECT_EQ(rig.settle(rig.handles[0]), SwapState::Faded);
  EXPECT_EQ(rig.vm.program()->findModule("flt"), -1);
  EXPECT_TRUE(rig.table.execute("rollback").ok);
  EXPECT_EQ(rig.settle(rig.handles.at(1)), SwapState::Faded);
  EXPECT_GE(rig.vm.program()->findModule("flt"), 0);
  // A load of a file that does not parse: the request fails, the patch playing stays.
  EXPECT_TRUE(rig.table.execute("load /nonexistent/x.json").ok);
  EXPECT_EQ(rig.settle(rig.handles.at(2)), SwapState::Failed);
  EXPECT_NE(rig.handles[2].error().find("/nonexistent/x.json"), std::string::npos) << rig.handles[2].error();
  EXPECT_GE(rig.vm.program()->findModule("flt"), 0);
  EXPECT_EQ(rig.table.execute("load").text, "missing argument (usage: load PATH)");
}

TEST(LiveCommands, StatusQuitAndHelp) {
  Rig rig;
  EXPECT_EQ(rig.table.execute("status").text, "status line");
  const auto q = rig.table.execute("quit");
  EXPECT_TRUE(q.ok);
  EXPECT_TRUE(q.quit);
  const auto h = rig.table.execute("help");
  for (const char* c : {"load PATH", "set MODULE.PARAM VALUE", "note on KEY", "rollback", "status", "quit", "help"})
    EXPECT_NE(h.text.find(c), std::string::npos) << c;
}
