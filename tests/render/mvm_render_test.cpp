// mvm-render as a user meets it: the binary, its flags, its messages and exit codes.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "command.h"
#include "wav_file.h"

using mvm::test::runCommand;
using mvm::test::TempDir;

namespace {

const std::string kRender = MVM_RENDER_BIN;
const std::string kDemo = std::string(MVM_SOURCE_DIR) + "/patches/demo.json";

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST(MvmRender, HelpListsTheOptions) {
  const auto r = runCommand(kRender + " --help");
  EXPECT_EQ(r.exitCode, 0);
  for (const char* flag : {"--output", "--seconds", "--rate", "--format", "--score", "--block", "--threads", "--seed", "--list-modules", "--disasm"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
}

TEST(MvmRender, RendersTheDemoAndPrintsASummary) {
  TempDir dir;
  const auto r = runCommand(kRender + " " + kDemo + " -o " + (dir / "demo.wav") + " --seconds 1");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("48000 frames (1.000 s, 48000 Hz, 2 ch, float32), peak -"), std::string::npos) << r.output;
  for (const char* field : {"dBFS, RMS", "0 clipped", "0 guarded blocks", "x realtime"})
    EXPECT_NE(r.output.find(field), std::string::npos) << field;
  const auto wav = mvm::render::readWav(dir / "demo.wav");
  EXPECT_EQ(wav.frames(), 48000u);
  EXPECT_EQ(dir.fileCount(), 1u); // no temporary left behind
}

TEST(MvmRender, SameInputsGiveIdenticalFilesInEveryFormat) {
  TempDir dir;
  for (const char* format : {"float32", "pcm24", "pcm16"}) {
    const std::string a = dir / (std::string("a_") + format + ".wav"), b = dir / (std::string("b_") + format + ".wav");
    ASSERT_EQ(runCommand(kRender + " " + kDemo + " -s 0.5 -f " + format + " -o " + a).exitCode, 0);
    ASSERT_EQ(runCommand(kRender + " " + kDemo + " -s 0.5 -f " + format + " --block 37 -o " + b).exitCode, 0);
    EXPECT_EQ(readBytes(a), readBytes(b)) << format;
  }
  // The dither depends on the seed.
  ASSERT_EQ(runCommand(kRender + " " + kDemo + " -s 0.5 -f pcm16 --seed 99 -o " + (dir / "c.wav")).exitCode, 0);
  EXPECT_NE(readBytes(dir / "a_pcm16.wav"), readBytes(dir / "c.wav"));
}

TEST(MvmRender, Pcm24KeepsTheFloatRenderTo24Bits) {
  TempDir dir;
  ASSERT_EQ(runCommand(kRender + " " + kDemo + " -s 0.2 -o " + (dir / "f.wav")).exitCode, 0);
  ASSERT_EQ(runCommand(kRender + " " + kDemo + " -s 0.2 -f pcm24 -o " + (dir / "i.wav")).exitCode, 0);
  const auto f = mvm::render::readWav(dir / "f.wav"), i = mvm::render::readWav(dir / "i.wav");
  for (std::size_t n = 0; n < f.frames(); ++n) ASSERT_NEAR(f.channels[0][n], i.channels[0][n], 0.5 / 8388608.0 + 1e-12) << n;
}

TEST(MvmRender, ABrokenPatchGetsOneMessageWithItsPlaceAndNoFile) {
  TempDir dir;
  const std::string patch = write(dir, "broken.json", "{\n  \"modules\": [\n    {\"id\": \"a\", \"type\": \"SineGen\",}\n  ]\n}\n");
  const auto r = runCommand(kRender + " " + patch + " -o " + (dir / "out.wav"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("broken.json:3:"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
  EXPECT_EQ(dir.fileCount(), 1u); // just the patch
}

TEST(MvmRender, SemanticErrorsNameTheModuleAndPort) {
  TempDir dir;
  const std::string patch = write(dir, "p.json", R"({"modules": [{"id": "osc", "type": "SineGen"}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "osc.out", "to": "out.middle"}]})");
  const auto r = runCommand(kRender + " " + patch + " -o " + (dir / "out.wav"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("connections[0] (osc.out -> out.middle): AudioOut \"out\" has no input or parameter \"middle\""),
            std::string::npos) << r.output;
}

TEST(MvmRender, BadScoresAndFilesAndFlags) {
  TempDir dir;
  const std::string score = write(dir, "s.json", R"({"events": [{"time": 0.1, "type": "noteOn", "note": 200}]})");
  auto r = runCommand(kRender + " " + kDemo + " --score " + score + " -o " + (dir / "o.wav"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("s.json: events[0] (noteOn) note: 200 is out of range [0, 127]"), std::string::npos) << r.output;

  r = runCommand(kRender + " /nonexistent/p.json -o " + (dir / "o.wav"));
  EXPECT_EQ(r.exitCode, 3); // a file error, as --help says
  EXPECT_NE(r.output.find("/nonexistent/p.json: cannot open patch file"), std::string::npos);

  r = runCommand(kRender + " " + kDemo + " -o /nonexistent/dir/o.wav");
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;

  EXPECT_EQ(runCommand(kRender + " " + kDemo + " --bogus").exitCode, 2);
  EXPECT_EQ(runCommand(kRender + " " + kDemo).exitCode, 2);            // no -o
  EXPECT_EQ(runCommand(kRender + " " + kDemo + " -o x.wav -f mp3").exitCode, 2);
  EXPECT_EQ(runCommand(kRender + " " + kDemo + " -o x.wav --rate 10").exitCode, 2);
  EXPECT_EQ(dir.fileCount(), 1u);
}

TEST(MvmRender, ThreadsGiveTheSameFileAndBadCountsAreRefused) {
  TempDir dir;
  // 60 mono voices on one clock: enough independent work for the task planner to use the threads.
  std::string modules = R"({"id": "clock", "type": "Clock", "params": {"bpm": 300}}, {"id": "out", "type": "AudioOut"})", cables;
  for (int v = 0; v < 60; ++v) {
    const std::string k = std::to_string(v);
    modules += R"(, {"id": "o)" + k + R"(", "type": "SawOsc", "params": {"freq": )" + std::to_string(80 + 13 * v) + R"(}},
      {"id": "f)" + k + R"(", "type": "SVF"}, {"id": "e)" + k + R"(", "type": "ADSR"}, {"id": "a)" + k + R"(", "type": "VCA"})";
    cables += std::string(v ? ", " : "") + R"({"from": "o)" + k + R"(.out", "to": "f)" + k + R"(.in"}, {"from": "f)" + k +
              R"(.lp", "to": "a)" + k + R"(.in"}, {"from": "clock.clock", "to": "e)" + k + R"(.gate"}, {"from": "e)" + k +
              R"(.env", "to": "a)" + k + R"(.cv"}, {"from": "a)" + k + R"(.out", "to": "out.left", "amount": 0.02})";
  }
  const std::string patch = write(dir, "voices.json", R"({"modules": [)" + modules + R"(], "connections": [)" + cables + "]}");
  ASSERT_EQ(runCommand(kRender + " " + patch + " -s 1 -o " + (dir / "one.wav")).exitCode, 0);
  for (const char* threads : {"2", "3"}) {
    const std::string out = dir / (std::string("t") + threads + ".wav");
    const auto r = runCommand(kRender + " " + patch + " -s 1 --block 100 --threads " + threads + " -o " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    EXPECT_EQ(readBytes(dir / "one.wav"), readBytes(out)) << threads << " threads";
  }
  for (const char* bad : {"0", "65", "-1", "two"}) {
    const auto r = runCommand(kRender + " " + kDemo + " --threads " + bad + " -o " + (dir / "bad.wav"));
    EXPECT_EQ(r.exitCode, 2) << bad;
    EXPECT_NE(r.output.find("--threads"), std::string::npos) << r.output;
  }
  EXPECT_EQ(dir.fileCount(), 4u);
}

TEST(MvmRender, AnInterruptedRenderLeavesNoFile) {
  TempDir dir;
  // An hour of audio takes far longer than the 0.3 s before the signal.
  const auto r = runCommand("timeout --preserve-status -s INT 0.3 " + kRender + " " + kDemo + " --seconds 3600 -o " + (dir / "long.wav"));
  EXPECT_EQ(r.exitCode, 130) << r.output;
  EXPECT_NE(r.output.find("interrupted"), std::string::npos);
  EXPECT_EQ(dir.fileCount(), 0u);
}

TEST(MvmRender, InputFeedsAudioInOneBlockLate) {
  TempDir dir;
  // A stereo input made by rendering the demo, then a patch that passes AudioIn through.
  ASSERT_EQ(runCommand(kRender + " " + kDemo + " -s 0.5 -o " + (dir / "in.wav")).exitCode, 0);
  const std::string thru = write(dir, "thru.json", R"({"modules": [{"id": "in", "type": "AudioIn"}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "in.left", "to": "out.left"}, {"from": "in.right", "to": "out.right"}]})");
  const auto r = runCommand(kRender + " " + thru + " -i " + (dir / "in.wav") + " -s 0.5 -o " + (dir / "out.wav"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto in = mvm::render::readWav(dir / "in.wav"), out = mvm::render::readWav(dir / "out.wav");
  for (std::size_t n = 0; n < out.frames(); ++n)
    for (int c = 0; c < 2; ++c) ASSERT_EQ(out.channels[static_cast<std::size_t>(c)][n], n < 64 ? 0.0f : in.channels[static_cast<std::size_t>(c)][n - 64]) << n;
  const auto wrongRate = runCommand(kRender + " " + thru + " -i " + (dir / "in.wav") + " --rate 44100 -o " + (dir / "x.wav"));
  EXPECT_EQ(wrongRate.exitCode, 2);
  EXPECT_NE(wrongRate.output.find("is 48000 Hz; render at --rate 48000"), std::string::npos) << wrongRate.output;
}

TEST(MvmRender, DisassemblesAndListsModules) {
  auto r = runCommand(kRender + " " + kDemo + " --disasm");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.output.find("PROCESS module"), std::string::npos);
  EXPECT_NE(r.output.find("; vca (Gain)"), std::string::npos);
  r = runCommand(kRender + " --list-modules");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.output.find("SineGen [Oscillators]"), std::string::npos);
}

// Meter modules report to the command line: held peak, and peak and RMS at the end.
TEST(MvmRender, PrintsEachMetersLevels) {
  TempDir dir;
  const std::string patch = write(dir, "m.json", R"({"modules": [{"id": "osc", "type": "SineGen", "params": {"freq": 1000, "amp": 0.5}},
      {"id": "vu", "type": "Meter", "params": {"window": 0.05}}, {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "osc.out", "to": "vu.in"}, {"from": "osc.out", "to": "out.left"}]})");
  const auto r = runCommand(kRender + " " + patch + " -s 1 -o " + (dir / "m.wav"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  // 0.5 peak = -6.02 dBFS; RMS 0.354 = -9.03 dBFS
  EXPECT_NE(r.output.find("meter vu: peak -6.0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(held -6.02 dBFS), RMS -9.0"), std::string::npos) << r.output;
}

TEST(MvmRender, ReportsAFeedbackCycleItBrokeWithADelay) {
  TempDir dir;
  const std::string golden = std::string(MVM_SOURCE_DIR) + "/golden/patches/feedback.json";
  const auto r = runCommand(kRender + " " + golden + " -s 0.1 -o " + (dir / "fb.wav"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("mvm-render: note: " + golden + ": feedback: cycle broken at "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("with a one-block delay (64 frames)"), std::string::npos) << r.output;
  // A patch without a cycle gets no note.
  const auto plain = runCommand(kRender + " " + kDemo + " -s 0.1 -o " + (dir / "demo.wav"));
  EXPECT_EQ(plain.output.find("note:"), std::string::npos) << plain.output;
}

// --swap, --crossfade-ms and --crossfade-curve from the command line give exactly the golden
// renders made through the renderer's API (golden/manifest.json: swap_fade, swap_param).
TEST(MvmRender, SwapsFromTheCommandLineMatchTheGoldenRenders) {
  TempDir dir;
  const std::string g = std::string(MVM_SOURCE_DIR) + "/golden/";
  struct Case {
    const char* name;
    std::string args;
  } cases[] = {
      {"swap_fade", "--swap 0.5=" + g + "patches/swap_c.json --crossfade-ms 50 --crossfade-curve equal-power"},
      {"swap_param", "--swap 0.75=" + g + "patches/swap_a.json --swap 0.5=" + g + "patches/swap_b.json --crossfade-ms 20 --crossfade-curve linear"},
  };
  for (const Case& c : cases) {
    const std::string out = dir / (std::string(c.name) + ".wav");
    const auto r = runCommand(kRender + " " + g + "patches/swap_a.json -s 1 --block 100 " + c.args + " -o " + out);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    const auto got = mvm::render::readWav(out), want = mvm::render::readWav(g + "reference/" + c.name + ".wav");
    ASSERT_EQ(got.channels.size(), want.channels.size()) << c.name;
    for (std::size_t ch = 0; ch < got.channels.size(); ++ch) EXPECT_EQ(got.channels[ch], want.channels[ch]) << c.name << " channel " << ch;
  }
  // Bad swap options are usage errors that name the option.
  const auto badCurve = runCommand(kRender + " " + kDemo + " --swap 0.5=" + kDemo + " --crossfade-curve cubic -o " + (dir / "x.wav"));
  EXPECT_EQ(badCurve.exitCode, 2);
  EXPECT_NE(badCurve.output.find("--crossfade-curve cubic: expected equal-power or linear"), std::string::npos) << badCurve.output;
  const auto badSwap = runCommand(kRender + " " + kDemo + " --swap " + kDemo + " -o " + (dir / "x.wav"));
  EXPECT_EQ(badSwap.exitCode, 2);
  EXPECT_NE(badSwap.output.find("expected TIME=PATCH.json"), std::string::npos) << badSwap.output;
  const auto missing = runCommand(kRender + " " + kDemo + " --swap 0.5=" + (dir / "nope.json") + " -o " + (dir / "x.wav"));
  EXPECT_EQ(missing.exitCode, 3);
  EXPECT_NE(missing.output.find("nope.json: cannot open patch file"), std::string::npos) << missing.output;
  EXPECT_EQ(dir.fileCount(), 2u); // the two renders, nothing from the failed ones
}
