// The bad-input corpus: every file in stress/corpus/bad/NAME.json must be rejected by the parser,
// the validator or the compiler with exactly the one-line error in NAME.expected; likewise the
// scores in bad/score/ (against a fixed patch) and the session.json files in bad/session/. Inputs too big
// to keep as files (100,000 modules, 100,000 levels of nesting, 17 MB) are generated here.
// MVM_BLESS_BAD_CORPUS=1 writes the .expected of a new input (review it before committing).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

#include "mvm/mvm.h"

using namespace mvm;
namespace fs = std::filesystem;

namespace {

const fs::path kBad = fs::path(MVM_CORPUS_DIR) / "bad";

std::string readBytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The error a patch text gets, or "" when it parses and compiles.
std::string errorOf(const std::string& text, const std::string& source) {
  try {
    const PatchGraph g = PatchParser(builtinModules()).parseFromJson(text, source);
    (void)Compiler(builtinModules()).compile(g);
    return "";
  } catch (const PatchError& e) {
    return e.what();
  }
}

std::string manyModules(std::size_t n) {
  std::string s = R"({"modules": [)";
  for (std::size_t i = 0; i < n; ++i) s += (i ? ",{\"id\":\"m" : "{\"id\":\"m") + std::to_string(i) + R"(","type":"Gain"})";
  return s + "]}";
}

// Every NAME.json in `dir` gets exactly the one-line error in NAME.expected from `errorOf`.
void checkCorpus(const fs::path& dir, const std::function<std::string(const std::string&, const std::string&)>& errorOf,
                 std::size_t atLeast) {
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") inputs.push_back(e.path());
  std::sort(inputs.begin(), inputs.end());
  EXPECT_GE(inputs.size(), atLeast) << dir;
  const bool bless = std::getenv("MVM_BLESS_BAD_CORPUS") != nullptr;
  for (const fs::path& input : inputs) {
    const std::string name = input.filename().string();
    const std::string error = errorOf(readBytes(input), name);
    fs::path expectedFile = input;
    expectedFile.replace_extension(".expected");
    if (!fs::exists(expectedFile) && bless && !error.empty()) std::ofstream(expectedFile) << error << "\n";
    ASSERT_TRUE(fs::exists(expectedFile)) << name << ": no " << expectedFile.filename() << " (error: " << error << ")";
    std::string expected = readBytes(expectedFile);
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    EXPECT_EQ(error, expected) << name;
    EXPECT_EQ(error.find('\n'), std::string::npos) << name << ": the error is not one line";
    EXPECT_EQ(error.rfind(name + ":", 0), 0u) << name << ": the error does not start with the file's name";
    EXPECT_LT(error.size(), 400u) << name << ": the error quotes more than excerpts";
  }
}

// Scores are checked against a patch with a Gain "g", a Phaser "f" and a VoiceController.
std::string scoreErrorOf(const std::string& text, const std::string& source) {
  static const PatchGraph patch = PatchParser(builtinModules()).parseFromJson(R"({"modules": [{"id": "keys", "type": "VoiceController"},
      {"id": "g", "type": "Gain"}, {"id": "f", "type": "Phaser"}]})");
  try {
    (void)ScoreParser(builtinModules()).parseFromJson(text, source, patch, 48000.0);
    return "";
  } catch (const PatchError& e) {
    return e.what();
  }
}

std::string sessionErrorOf(const std::string& text, const std::string& source) {
  try {
    (void)parseSession(text, source);
    return "";
  } catch (const PatchError& e) {
    return e.what();
  }
}

} // namespace

TEST(BadInputs, EveryCorpusFileIsRejectedWithItsExpectedMessage) { checkCorpus(kBad, errorOf, 120); }
TEST(BadInputs, EveryBadScoreIsRejectedWithItsExpectedMessage) { checkCorpus(kBad / "score", scoreErrorOf, 20); }
TEST(BadInputs, EveryBadSessionIsRejectedWithItsExpectedMessage) { checkCorpus(kBad / "session", sessionErrorOf, 20); }

TEST(BadInputs, HugeGeneratedInputsAreRejectedQuicklyAndClearly) {
  EXPECT_EQ(errorOf(manyModules(100000), "100k.json"), "100k.json: modules: 100000 modules; the limit is 16384");
  EXPECT_EQ(errorOf(manyModules(16385), "16385.json"), "16385.json: modules: 16385 modules; the limit is 16384");
  EXPECT_EQ(errorOf(std::string(100000, '[') + std::string(100000, ']'), "deep.json"),
            "deep.json:1:65: [0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…: nested deeper than 64 levels (the limit)");
  EXPECT_EQ(errorOf(std::string(17u << 20, ' '), "big.json"), "big.json: patch is 17825792 bytes; the limit is 16777216");
  std::string deepObjects;
  for (int i = 0; i < 20000; ++i) deepObjects += "{\"a\":";
  deepObjects += "1" + std::string(20000, '}');
  EXPECT_EQ(errorOf(deepObjects, "objects.json"),
            "objects.json:1:321: a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a…: nested deeper than 64 levels (the limit)");
}

TEST(BadInputs, ASelfConnectionIsNotAnError) {
  // A module feeding itself is a cycle: legal, broken with a one-block delay (docs/architecture.md).
  std::ifstream f(fs::path(MVM_CORPUS_DIR) / "patch" / "self-connection.json");
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_EQ(errorOf(s.str(), "self.json"), "");
}
