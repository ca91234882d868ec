#include "mvm/patch/patch_parser.h"

#include <gtest/gtest.h>

#include <string>

using namespace mvm;

namespace {

// Parses and returns the error message, failing the test when the patch is accepted.
std::string errorOf(const std::string& json) {
  try {
    PatchParser(builtinModules()).parseFromJson(json, "p.json");
  } catch (const PatchError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << json;
  return {};
}

std::string withModules(const std::string& modules, const std::string& connections = "[]") {
  return R"({"modules": [)" + modules + R"(], "connections": )" + connections + "}";
}

const std::string kOsc = R"({"id": "osc", "type": "SineGen", "params": {"freq": 220}})";
const std::string kOut = R"({"id": "out", "type": "AudioOut"})";

} // namespace

TEST(PatchParser, ParsesModulesParamsConnectionsAndSeed) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(
      R"({"format": "mvm-patch", "version": 1, "name": "t", "seed": 42,
          "modules": [)" + kOsc + "," + kOut + R"(],
          "connections": [{"from": "osc.out", "to": "out.left", "amount": 0.5}]})",
      "t.json");
  EXPECT_EQ(g.source, "t.json");
  EXPECT_EQ(g.name, "t");
  EXPECT_EQ(g.seed, 42u);
  ASSERT_EQ(g.modules.size(), 2u);
  EXPECT_EQ(g.modules[0].id, "osc");
  EXPECT_EQ(g.modules[0].type, "SineGen");
  EXPECT_FLOAT_EQ(g.modules[0].params.at("freq"), 220.0f);
  EXPECT_EQ(g.modules[0].params.count("amp"), 0u); // defaults are the compiler's business
  ASSERT_EQ(g.connections.size(), 1u);
  EXPECT_EQ(g.connections[0].from.str(), "osc.out");
  EXPECT_EQ(g.connections[0].to.str(), "out.left");
  EXPECT_FLOAT_EQ(g.connections[0].amount, 0.5f);
}

TEST(PatchParser, SyntaxErrorNamesLineAndColumn) {
  const std::string text = "{\n  \"modules\": [\n    {\"id\": \"a\" \"type\": \"Gain\"}\n  ]\n}";
  try {
    PatchParser(builtinModules()).parseFromJson(text, "broken.json");
    FAIL();
  } catch (const PatchError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 21); // the end of the unexpected token "type"
    EXPECT_NE(std::string(e.what()).find("broken.json:3:21: malformed JSON"), std::string::npos) << e.what();
  }
}

TEST(PatchParser, TruncatedJsonIsASyntaxError) {
  EXPECT_NE(errorOf(R"({"modules": [)").find("p.json:1:"), std::string::npos);
}

TEST(PatchParser, DuplicateIds) {
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOsc)).find("module \"osc\": duplicate module id"), std::string::npos);
}

TEST(PatchParser, UnknownModuleTypeSuggestsTheRightCase) {
  const std::string e = errorOf(withModules(R"({"id": "o", "type": "sinegen"})"));
  EXPECT_NE(e.find("module \"o\": unknown module type \"sinegen\""), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"SineGen\""), std::string::npos) << e;
  EXPECT_NE(errorOf(withModules(R"({"id": "o", "type": "Nope"})")).find("--list-modules"), std::string::npos);
}

TEST(PatchParser, UnknownParameterListsTheKnownOnes) {
  const std::string e = errorOf(withModules(R"({"id": "o", "type": "SineGen", "params": {"frq": 1}})"));
  EXPECT_NE(e.find("module \"o\" parameter \"frq\": unknown parameter of SineGen (has: freq, amp)"), std::string::npos) << e;
}

TEST(PatchParser, WrongValueTypes) {
  EXPECT_NE(errorOf(withModules(R"({"id": "o", "type": "SineGen", "params": {"freq": "high"}})"))
                .find("parameter \"freq\": expected a number, got string"), std::string::npos);
  EXPECT_NE(errorOf(withModules(R"({"id": 3, "type": "SineGen"})")).find("modules[0]: missing string \"id\""), std::string::npos);
  EXPECT_NE(errorOf(R"({"modules": {}})").find("modules: expected an array, got object"), std::string::npos);
  EXPECT_NE(errorOf(R"([1, 2])").find("a patch is a JSON object"), std::string::npos);
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOut, R"([{"from": "osc.out", "to": "out.left", "amount": "x"}])"))
                .find("amount: expected a number"), std::string::npos);
}

TEST(PatchParser, OutOfRangeValues) {
  const std::string e = errorOf(withModules(R"({"id": "o", "type": "SineGen", "params": {"freq": 99999}})"));
  EXPECT_NE(e.find("parameter \"freq\": 99999 is out of range [0.01, 20000] Hz"), std::string::npos) << e;
  EXPECT_NE(errorOf(withModules(R"({"id": "v", "type": "VoiceController", "params": {"voices": 17}})")).find("out of range"),
            std::string::npos);
  EXPECT_NE(errorOf(withModules(R"({"id": "v", "type": "VoiceController", "params": {"voices": 2.5}})")).find("whole number"),
            std::string::npos);
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOut, R"([{"from": "osc.out", "to": "out.left", "amount": 1e300}])"))
                .find("within +-1e6"), std::string::npos);
}

TEST(PatchParser, ConnectionsToNothing) {
  EXPECT_NE(errorOf(withModules(kOsc, R"([{"from": "osc.out", "to": "nowhere.in"}])"))
                .find("connections[0] (osc.out -> nowhere.in): no module \"nowhere\""), std::string::npos);
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOut, R"([{"from": "osc.sine", "to": "out.left"}])"))
                .find("SineGen \"osc\" has no output \"sine\" (outputs: out)"), std::string::npos);
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOut, R"([{"from": "osc.out", "to": "out.center"}])"))
                .find("AudioOut \"out\" has no input or parameter \"center\""), std::string::npos);
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOut, R"([{"from": "osc", "to": "out.left"}])"))
                .find("not of the form \"module.port\""), std::string::npos);
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOut, R"([{"from": "osc.out"}])")).find("missing \"to\""), std::string::npos);
}

// Channel counts are read when the patch loads: a cable into one would do nothing, so it is refused.
TEST(PatchParser, ACableCannotModulateAParameterFixedAtLoad) {
  const std::string lfos = R"({"id": "a", "type": "LFO"}, {"id": "b", "type": "LFO", "params": {"channels": 4}})";
  EXPECT_NE(errorOf(withModules(lfos, R"([{"from": "a.sine", "to": "b.channels"}])"))
                .find("p.json: connections[0] (a.sine -> b.channels): b.channels is fixed when the patch loads (it sets the channel "
                      "count): set it in the patch's \"params\""),
            std::string::npos);
  for (const char* fixed : {R"({"id": "b", "type": "Constant"})", R"({"id": "b", "type": "Merge"})"})
    EXPECT_NE(errorOf(withModules(std::string(R"({"id": "a", "type": "LFO"}, )") + fixed, R"([{"from": "a.sine", "to": "b.channels"}])"))
                  .find("b.channels is fixed when the patch loads"),
              std::string::npos);
  EXPECT_NE(errorOf(withModules(R"({"id": "a", "type": "LFO"}, {"id": "k", "type": "VoiceController"})", R"([{"from": "a.sine", "to": "k.voices"}])"))
                .find("k.voices is fixed when the patch loads"),
            std::string::npos);
  // Its neighbours stay modulatable.
  EXPECT_NO_THROW(PatchParser(builtinModules()).parseFromJson(withModules(lfos, R"([{"from": "a.sine", "to": "b.rate"}])")));
}

TEST(PatchParser, AParameterIsAModulationInput) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(withModules(kOsc + R"(, {"id": "lfo", "type": "SineGen"})",
                                                               R"([{"from": "lfo.out", "to": "osc.freq", "amount": 10}])"));
  EXPECT_EQ(g.connections[0].to.port, "freq");
}

TEST(PatchParser, DuplicateConnectionIsRejected) {
  EXPECT_NE(errorOf(withModules(kOsc + "," + kOut, R"([{"from": "osc.out", "to": "out.left"}, {"from": "osc.out", "to": "out.left"}])"))
                .find("duplicate connection"), std::string::npos);
}

TEST(PatchParser, NewerFormatVersionSaysUpgrade) {
  EXPECT_NE(errorOf(R"({"version": 2, "modules": []})").find("newer than this engine's (1)"), std::string::npos);
}

TEST(PatchParser, UnknownKeysAreTyposNotIgnored) {
  EXPECT_NE(errorOf(R"({"modules": [], "conections": []})").find("key \"conections\": unknown top-level key"), std::string::npos);
  EXPECT_NE(errorOf(withModules(R"({"id": "o", "type": "SineGen", "param": {}})")).find("unknown key"), std::string::npos);
}

TEST(PatchParser, BadIdsAndSeeds) {
  EXPECT_NE(errorOf(withModules(R"({"id": "a.b", "type": "SineGen"})")).find("only letters, digits"), std::string::npos);
  EXPECT_NE(errorOf(withModules(R"({"id": "", "type": "SineGen"})")).find("empty"), std::string::npos);
  EXPECT_NE(errorOf(R"({"seed": -1, "modules": []})").find("seed: expected a non-negative integer"), std::string::npos);
  EXPECT_NE(errorOf(withModules(R"({"id": "o", "type": "SineGen", "params": {"freq": 1e999}})")).find("p.json: malformed JSON: number overflow"),
            std::string::npos);
}

TEST(PatchParser, MissingFileNamesThePath) {
  try {
    PatchParser(builtinModules()).parseFromFile("/nonexistent/x.json");
    FAIL();
  } catch (const PatchError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/x.json: cannot open patch file (No such file or directory)");
  }
}

TEST(PatchParser, ChoiceParametersAcceptNames) {
  ModuleDescriptor d{"Choosy", "Test", "a module with a choice", {}, {{"out", true, ""}},
                     {{"shape", "", 0, 2, 0, "shape", 0.0f, {"sine", "saw", "square"}}}};
  ModuleRegistry r;
  r.add(d, [] { return std::unique_ptr<DSPModule>(); });
  const PatchGraph g = PatchParser(r).parseFromJson(R"({"modules": [{"id": "c", "type": "Choosy", "params": {"shape": "square"}}]})");
  EXPECT_EQ(g.modules[0].params.at("shape"), 2.0f);
  try {
    PatchParser(r).parseFromJson(R"({"modules": [{"id": "c", "type": "Choosy", "params": {"shape": "tri"}}]})");
    FAIL();
  } catch (const PatchError& e) {
    EXPECT_NE(std::string(e.what()).find("\"tri\" is not one of: sine, saw, square"), std::string::npos);
  }
}

// true and false are not numbers: a parameter, an amount, a seed or a version given one is an error.
TEST(PatchParser, BooleansAndOtherNonNumbersAreNotNumbers) {
  EXPECT_EQ(errorOf(withModules(R"({"id": "g", "type": "Gain", "params": {"gain": true}})")),
            "p.json: module \"g\" parameter \"gain\": expected a number, got boolean");
  EXPECT_EQ(errorOf(withModules(R"({"id": "g", "type": "Gain", "params": {"gain": [1]}})")),
            "p.json: module \"g\" parameter \"gain\": expected a number, got array");
  EXPECT_EQ(errorOf(R"({"seed": true, "modules": []})"), "p.json: seed: expected a non-negative integer (0 to 18446744073709551615), got true");
  EXPECT_EQ(errorOf(R"({"seed": 1e3, "modules": []})"), "p.json: seed: expected a non-negative integer (0 to 18446744073709551615), got 1000.0");
  EXPECT_EQ(errorOf(R"({"seed": 18446744073709551616, "modules": []})"),
            "p.json: seed: expected a non-negative integer (0 to 18446744073709551615), got 1.8446744073709552e+19");
  EXPECT_EQ(errorOf(R"({"version": 18446744073709551615, "modules": []})"),
            "p.json: version: patch format version 18446744073709551615 is newer than this engine's (1); upgrade Madrona VM");
  EXPECT_EQ(errorOf(R"({"version": true, "modules": []})"), "p.json: version: expected an integer, got boolean");
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(R"({"seed": 18446744073709551615, "modules": []})");
  EXPECT_EQ(g.seed, 18446744073709551615ull);
}

TEST(PatchParser, NamesInMessagesAreEscapedAndShort) {
  EXPECT_EQ(errorOf(withModules(R"({"id": "o", "type": "Sine\u001b]0;pwned\u0007Gen"})")),
            "p.json: module \"o\": unknown module type \"Sine\\x1b]0;pwned\\x07Gen\" (mvm-render --list-modules lists them)");
  EXPECT_EQ(errorOf(withModules(R"({"id": "a\nb", "type": "Gain"})")),
            "p.json: modules[0] id \"a\\nb\": module ids may hold only letters, digits, '_' and '-'");
  EXPECT_EQ(errorOf(withModules(R"({"id": "g", "type": "Gain", "params": {"ga\u009bin": 1}})")),
            "p.json: module \"g\" parameter \"ga\\u009bin\": unknown parameter of Gain (has: gain)");
  EXPECT_EQ(errorOf(withModules(R"({"id": "g", "type": "Gain"})", R"([{"from": "g.out\r", "to": "g.in"}])")),
            "p.json: connections[0] (g.out\\r -> g.in): Gain \"g\" has no output \"out\\r\" (outputs: out)");
  const std::string e = errorOf(R"({"modules": [], ")" + std::string(1 << 20, 'k') + R"(": 1})");
  EXPECT_EQ(e, "p.json: key \"" + std::string(kMessageExcerptBytes, 'k') + "…\": unknown top-level key");
}
